package io.nkd.butane;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.nkd.testsupport.JsonCompare;
import io.nkd.testsupport.RepoPaths;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs every case of ../shared/butane-conformance (taken from butane's own tests and docs) through the
 * engine: PASS cases must produce butane's JSON (gzip compared by payload), FAIL cases must fail. Skipped
 * when ../shared is absent; the project never needs it to build.
 */
class ButaneConformanceTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path temp;

    @TestFactory
    Stream<DynamicTest> transpileCases() throws IOException {
        var root = RepoPaths.butaneConformance();
        assumeTrue(root.isPresent(), "../shared/butane-conformance not present");
        List<Path> cases;
        try (Stream<Path> s = Files.list(root.get().resolve("cases"))) {
            cases = s.filter(Files::isDirectory).sorted().toList();
        }
        assertTrue(cases.size() >= 137, "expected the full conformance set, found " + cases.size());
        return cases.stream().map(dir -> DynamicTest.dynamicTest(dir.getFileName().toString(), () -> runCase(dir)));
    }

    private void runCase(Path caseDir) throws IOException {
        Path dir = restoredCopy(caseDir);
        String args = Files.exists(dir.resolve("args.txt")) ? Files.readString(dir.resolve("args.txt")) : "";
        Path filesDir = args.contains("--files-dir") ? dir.resolve("files") : null;
        boolean strict = args.contains("--strict");
        Butane.Result result = Butane.translate(Files.readString(dir.resolve("input.bu")), new Butane.Options(filesDir));
        if (Files.exists(dir.resolve("expected-error.txt"))) {
            assertFalse(result.ok(strict), "expected failure, got:\n" + result.config());
            assertTrue(result.report().isFatal(strict));
            // butane's own messages, so users can search for them (the checker's --check-messages)
            for (String line : Files.readAllLines(dir.resolve("expected-error.txt"))) {
                int at = line.indexOf("| message=");
                if (line.startsWith("error") && at >= 0) {
                    String message = line.substring(at + "| message=".length());
                    // butane runs in the case directory; here the files directory is absolute
                    String report = result.report().toString().replace(dir + "/", "");
                    assertTrue(report.contains(message),
                            "missing message \"" + message + "\" in:\n" + result.report());
                }
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

    /**
     * The shared copy of the cases lost symlinks and execute bits in files/ (git keeps them, a plain copy
     * does not). Rebuild them from what expected.ign says the tree contains, in a private copy.
     */
    private Path restoredCopy(Path caseDir) throws IOException {
        Path dir = temp.resolve(caseDir.getFileName().toString());
        copyTree(caseDir, dir);
        Path expectedFile = dir.resolve("expected.ign");
        Path filesDir = dir.resolve("files");
        if (!Files.exists(expectedFile) || !Files.isDirectory(filesDir)) {
            return dir;
        }
        JsonNode expected = JSON.readTree(expectedFile.toFile());
        JsonNode input = new YAMLMapper().readTree(dir.resolve("input.bu").toFile());
        for (JsonNode tree : input.path("storage").path("trees")) {
            String dest = tree.path("path").asText("/");
            Path local = filesDir.resolve(tree.path("local").asText());
            for (JsonNode link : expected.path("storage").path("links")) {
                Path src = sourceOf(local, dest, link.path("path").asText());
                if (src != null && Files.isRegularFile(src)) {
                    Files.delete(src);
                    Files.createSymbolicLink(src, Path.of(link.path("target").asText()));
                }
            }
            for (JsonNode file : expected.path("storage").path("files")) {
                Path src = sourceOf(local, dest, file.path("path").asText());
                if (src != null && Files.isRegularFile(src) && file.path("mode").asInt() == 0755
                        && !tree.has("file_mode")) {
                    Files.setPosixFilePermissions(src, PosixFilePermissions.fromString("rwxr-xr-x"));
                }
            }
        }
        return dir;
    }

    private static Path sourceOf(Path local, String dest, String path) {
        String prefix = dest.endsWith("/") ? dest : dest + "/";
        return path.startsWith(prefix) ? local.resolve(path.substring(prefix.length())) : null;
    }

    private static void copyTree(Path from, Path to) throws IOException {
        io.nkd.testsupport.TestFiles.copyTree(from, to);
    }
}
