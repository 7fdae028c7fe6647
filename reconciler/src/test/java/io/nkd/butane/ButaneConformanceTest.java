package io.nkd.butane;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nkd.testsupport.ConformanceTrees;
import io.nkd.testsupport.JsonCompare;
import io.nkd.testsupport.SharedData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs every case of shared/butane-conformance (taken from butane's own tests and docs) through the engine: PASS
 * cases must produce butane's JSON (gzip compared by payload), FAIL cases must fail with butane's errors at
 * butane's paths. Works on a checkout of the data that kept its symlinks and modes and on a copy that lost them
 * ({@link ConformanceTrees}); fails under CI and is skipped elsewhere when the data is missing ({@link SharedData}).
 */
class ButaneConformanceTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path temp;

    @TestFactory
    Stream<DynamicTest> transpileCases() throws IOException {
        return SharedData.dynamicTests(SharedData.BUTANE_CONFORMANCE, 137, root -> SharedData.caseDirs(root, "cases")
                .stream().map(dir -> DynamicTest.dynamicTest(dir.getFileName().toString(),
                        () -> check(dir, temp.resolve(dir.getFileName().toString()))))
                .toList());
    }

    /** Runs one case from a private copy at {@code scratch} whose files/ is the tree butane's test built. */
    static void check(Path caseDir, Path scratch) throws IOException {
        Path dir = ConformanceTrees.materialize(caseDir, scratch);
        String args = Files.exists(dir.resolve("args.txt")) ? Files.readString(dir.resolve("args.txt")) : "";
        Path filesDir = args.contains("--files-dir") ? dir.resolve("files") : null;
        boolean strict = args.contains("--strict");
        Butane.Result result = Butane.translate(Files.readString(dir.resolve("input.bu")), new Butane.Options(filesDir));
        if (Files.exists(dir.resolve("expected-error.txt"))) {
            assertFalse(result.ok(strict), "expected failure, got:\n" + result.config());
            assertTrue(result.report().isFatal(strict));
            // butane's errors, at butane's paths, with butane's messages (the checker's --check-messages), and no
            // others: a case built from links that reports an extra error is reading a different tree
            // (path "-": butane gives none, e.g. a JSON syntax error inside an embedded config)
            List<String[]> expected = new ArrayList<>();
            for (String line : Files.readAllLines(dir.resolve("expected-error.txt"))) {
                int path = line.indexOf("| path=");
                int message = line.indexOf("| message=");
                if (line.startsWith("error") && path >= 0 && message > path) {
                    expected.add(new String[] {line.substring(path + "| path=".length(), message).strip(),
                            line.substring(message + "| message=".length())});
                }
            }
            // butane runs in the case directory; here the files directory is absolute
            List<String> actual = result.report().entries().stream().filter(e -> e.isError())
                    .map(e -> e.path() + " " + e.message().replace(dir + "/", "")).toList();
            assertEquals(expected.size(), actual.size(), () -> "errors expected:\n" + expected.stream()
                    .map(e -> e[0] + " " + e[1]).collect(java.util.stream.Collectors.joining("\n"))
                    + "\nreported:\n" + result.report());
            for (String[] e : expected) {
                assertTrue(actual.stream().anyMatch(a -> (e[0].equals("-") || a.startsWith(e[0] + " ")) && a.contains(e[1])),
                        () -> "missing error at " + e[0] + ": \"" + e[1] + "\" in:\n" + result.report());
            }
            return;
        }
        assertTrue(result.ok(strict), () -> "unexpected failure:\n" + result.report());
        JsonNode expected = JSON.readTree(dir.resolve("expected.ign").toFile());
        assertNull(JsonCompare.firstDifference(result.config(), expected));
        Path warnings = dir.resolve("expected-warnings.txt");
        if (Files.exists(warnings)) {
            for (String line : Files.readAllLines(warnings)) {
                if (!line.isBlank()) {
                    assertTrue(result.report().toString().contains(line.strip()),
                            "missing warning \"" + line + "\" in:\n" + result.report());
                }
            }
        }
    }
}
