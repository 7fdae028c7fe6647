package io.nkd.ignition.merge;

import com.fasterxml.jackson.databind.JsonNode;
import io.nkd.ignition.ConformanceData;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.nio.file.Files;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The 25 merge cases computed with Ignition's own merge code, compared as JSON trees. */
class ConformanceMergeTest {

    @TestFactory
    Stream<DynamicTest> mergeCasesMatchIgnition() throws java.io.IOException {
        return ConformanceData.tests("merge-cases", 25, dir -> !Files.exists(dir.resolve("expected.ign")) ? null
                : DynamicTest.dynamicTest(dir.getFileName().toString(), () -> {
                    JsonNode parent = ConformanceData.readJson(dir.resolve("parent.ign"));
                    JsonNode child = ConformanceData.readJson(dir.resolve("child.ign"));
                    JsonNode expected = ConformanceData.readJson(dir.resolve("expected.ign"));
                    JsonNode parentBefore = parent.deepCopy();
                    JsonNode childBefore = child.deepCopy();

                    MergeResult result = IgnitionMerger.merge(parent, child);

                    assertEquals(expected, result.config(), () -> "merged config of " + dir.getFileName()
                            + "\n" + result.config().toPrettyString());
                    assertEquals(parentBefore, parent, "parent was modified");
                    assertEquals(childBefore, child, "child was modified");
                    assertOriginsHoldTheSameValues(result.config(), io.nkd.report.FieldPath.ROOT, result.transcript(),
                            parent, child);
                }));
    }

    /** Every output node has an origin, and every output scalar is the value found at its origin. */
    static void assertOriginsHoldTheSameValues(JsonNode node, io.nkd.report.FieldPath path, Transcript transcript,
                                               JsonNode parent, JsonNode child) {
        Origin origin = transcript.origin(path).orElseThrow(() -> new AssertionError("no origin for " + path));
        if (!node.isContainerNode()) {
            JsonNode found = origin.side() == Side.PARENT ? parent : child;
            for (Object e : origin.path().elements()) {
                found = e instanceof Integer i ? found.path(i) : found.path((String) e);
            }
            assertEquals(node, found, path + " <- " + origin);
        } else if (node.isObject()) {
            node.fields().forEachRemaining(e -> assertOriginsHoldTheSameValues(e.getValue(), path.key(e.getKey()),
                    transcript, parent, child));
        } else {
            for (int i = 0; i < node.size(); i++) {
                assertOriginsHoldTheSameValues(node.get(i), path.index(i), transcript, parent, child);
            }
        }
    }
}
