package io.nkd.ignition.merge;

import com.fasterxml.jackson.databind.JsonNode;
import io.nkd.report.FieldPath;
import org.junit.jupiter.api.Test;

import java.util.Optional;

import static io.nkd.ignition.merge.MergeRulesTest.json;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The transcript maps every output path back to the input that produced it. */
class TranscriptTest {
    private static final JsonNode PARENT = json("{'ignition':{'version':'3.4.0'},"
            + "'storage':{'files':[{'path':'/p','mode':420},{'path':'/both','mode':420,'user':{'name':'core'},"
            + "'append':[{'source':'data:,p'}]}],'directories':[{'path':'/gone'}]},"
            + "'systemd':{'units':[{'name':'a.service','contents':'[Service]'}]}}");
    private static final JsonNode CHILD = json("{'ignition':{'version':'3.4.0'},"
            + "'storage':{'files':[{'path':'/both','mode':384,'append':[{'source':'data:,c1'},{'source':'data:,c2'}]},{'path':'/c'}],"
            + "'links':[{'path':'/gone','target':'/x'}]},"
            + "'systemd':{'units':[{'name':'b.service','contents':'[Unit]'}]}}");

    private static Optional<Origin> origin(String outputPath) {
        return IgnitionMerger.merge(PARENT, CHILD).transcript().origin(FieldPath.parse(outputPath));
    }

    private static Optional<Origin> from(Side side, String path) {
        return Optional.of(new Origin(side, FieldPath.parse(path)));
    }

    @Test
    void appendedChildEntryMapsToItsChildIndex() {
        assertEquals(from(Side.CHILD, "$.systemd.units.0.contents"), origin("$.systemd.units.1.contents"));
        assertEquals(from(Side.CHILD, "$.systemd.units.0"), origin("$.systemd.units.1"));
    }

    @Test
    void parentOnlyEntryMapsToTheParent() {
        assertEquals(from(Side.PARENT, "$.systemd.units.0.contents"), origin("$.systemd.units.0.contents"));
        assertEquals(from(Side.PARENT, "$.storage.files.0.mode"), origin("$.storage.files.0.mode"));
    }

    @Test
    void mergedEntryFieldsMapToWhoeverSetThem() {
        assertEquals(from(Side.CHILD, "$.storage.files.0"), origin("$.storage.files.1"));
        assertEquals(from(Side.CHILD, "$.storage.files.0.mode"), origin("$.storage.files.1.mode"));
        assertEquals(from(Side.CHILD, "$.storage.files.0.path"), origin("$.storage.files.1.path"));
        assertEquals(from(Side.PARENT, "$.storage.files.1.user"), origin("$.storage.files.1.user"));
        assertEquals(from(Side.PARENT, "$.storage.files.1.user.name"), origin("$.storage.files.1.user.name"));
    }

    @Test
    void concatenatedListsKeepTheirOffsets() {
        assertEquals(from(Side.PARENT, "$.storage.files.1.append.0.source"), origin("$.storage.files.1.append.0.source"));
        assertEquals(from(Side.CHILD, "$.storage.files.0.append.0"), origin("$.storage.files.1.append.1"));
        assertEquals(from(Side.CHILD, "$.storage.files.0.append.1.source"), origin("$.storage.files.1.append.2.source"));
    }

    @Test
    void entryReplacedAcrossKeySpaceMapsToTheChildList() {
        assertEquals(from(Side.CHILD, "$.storage.links.0.target"), origin("$.storage.links.0.target"));
        assertEquals(from(Side.CHILD, "$.storage.files.1"), origin("$.storage.files.2"));
    }

    @Test
    void listsAndContainersPresentInBothMapToTheChild() {
        assertEquals(from(Side.CHILD, "$.storage.files"), origin("$.storage.files"));
        assertEquals(from(Side.CHILD, "$.storage"), origin("$.storage"));
        assertEquals(from(Side.CHILD, "$"), origin("$"));
        assertEquals(from(Side.CHILD, "$.ignition.version"), origin("$.ignition.version"));
    }

    @Test
    void listOnlyInTheParentMapsToTheParent() {
        MergeResult result = IgnitionMerger.merge(PARENT, json("{'ignition':{'version':'3.4.0'}}"));
        assertEquals(from(Side.PARENT, "$.storage.directories.0.path"),
                result.transcript().origin(FieldPath.parse("$.storage.directories.0.path")));
        assertEquals(from(Side.PARENT, "$.systemd"), result.transcript().origin(FieldPath.parse("$.systemd")));
    }

    @Test
    void everyOutputNodeHasAnOrigin() {
        MergeResult result = IgnitionMerger.merge(PARENT, CHILD);
        walk(result.config(), FieldPath.ROOT, result.transcript());
    }

    private static void walk(JsonNode node, FieldPath path, Transcript transcript) {
        Origin origin = transcript.origin(path).orElseThrow();
        JsonNode input = (origin.side() == Side.PARENT ? PARENT : CHILD);
        JsonNode found = at(input, origin.path());
        if (!node.isContainerNode()) {
            assertEquals(node, found, () -> path + " <- " + origin);
        }
        if (node.isObject()) {
            node.fields().forEachRemaining(e -> walk(e.getValue(), path.key(e.getKey()), transcript));
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                walk(node.get(i), path.index(i), transcript);
            }
        }
    }

    private static JsonNode at(JsonNode root, FieldPath path) {
        JsonNode node = root;
        for (Object e : path.elements()) {
            node = e instanceof Integer i ? node.path(i) : node.path((String) e);
        }
        return node;
    }
}
