package io.nkd.butane.it;

import io.nkd.testsupport.IgnitionTools;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.nkd.ignition.spec.ButaneVersion;
import io.nkd.testsupport.RepoPaths;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * nkd's Ignition output checked by the real {@code ignition-validate}: Ignition is the consumer, so its
 * verdict (errors and warnings) is the one that matters, not our own validator's.
 */
class IgnitionValidateCompatTest {
    @TempDir
    static Path tmp;

    /**
     * Every representative config under it/compat at every fcos version from the one it is written for
     * (its {@code version:} line) up to the newest whose Ignition spec the installed ignition-validate reads.
     * Ignition must accept the output without a single warning.
     */
    @TestFactory
    Stream<DynamicTest> representativeConfigsAtEveryVersion() throws IOException, URISyntaxException {
        Path validator = IgnitionTools.assumeIgnitionValidate();
        Path filesDir = Fixtures.filesDir(tmp.resolve("compat"));
        List<ButaneVersion> versions = IgnitionTools.versionsIgnitionReads();
        Path compat = Path.of(getClass().getResource("/it/compat").toURI());
        List<DynamicTest> tests = new ArrayList<>();
        try (Stream<Path> files = Files.list(compat)) {
            for (Path bu : files.filter(p -> p.toString().endsWith(".bu")).sorted().toList()) {
                String yaml = Files.readString(bu);
                ButaneVersion since = ButaneVersion.parse(versionLine(yaml)).orElseThrow();
                for (ButaneVersion v : versions) {
                    if (v.atLeast(since)) {
                        String name = bu.getFileName() + " @ fcos " + v.text();
                        tests.add(DynamicTest.dynamicTest(name, () -> validateClean(name, withVersion(yaml, v), filesDir)));
                    }
                }
            }
        }
        assertTrue(tests.size() >= 12, "expected at least one test per compat config, got " + tests.size()
                + " (validator " + validator + ")");
        return tests.stream();
    }

    private static void validateClean(String name, String yaml, Path filesDir) throws IOException {
        Path out = IgnitionTools.translateToFile(yaml, filesDir, true,
                Files.createTempFile(tmp, name.replaceAll("[^A-Za-z0-9.-]", "_"), ".ign"));
        IgnitionTools.Run run = IgnitionTools.validate(out);
        String context = "ignition-validate on nkd's output for " + name + " (" + out + "):\n";
        assertEquals("", run.output(), context + run.output());
        assertEquals(0, run.exit(), context + "exit " + run.exit());
    }

    private static String versionLine(String yaml) {
        return yaml.lines().filter(l -> l.startsWith("version:")).findFirst().orElseThrow()
                .substring("version:".length()).trim();
    }

    private static String withVersion(String yaml, ButaneVersion v) {
        return yaml.replaceFirst("(?m)^version: .*$", "version: " + v.text());
    }

    /**
     * Every PASS case of the shared butane conformance suite whose Ignition version the installed
     * ignition-validate reads: nkd's output must be valid, and Ignition may warn about it only where it
     * warns about butane's own expected output too (a warning the user's config deserves, e.g. an enabled
     * unit without [Install]).
     */
    @TestFactory
    Stream<DynamicTest> conformanceCasesValidate() throws IOException {
        IgnitionTools.assumeIgnitionValidate();
        Path suite = RepoPaths.repoRoot().resolve("../shared/butane-conformance").normalize();
        assumeTrue(Files.isRegularFile(suite.resolve("index.tsv")), "no conformance suite at " + suite);
        Set<String> readable = new HashSet<>();
        IgnitionTools.versionsIgnitionReads().forEach(v -> readable.add(v.ignition().text()));
        List<DynamicTest> tests = new ArrayList<>();
        for (String line : Files.readAllLines(suite.resolve("index.tsv"))) {
            String[] col = line.split("\t", -1);
            if (col.length < 4 || !col[1].equals("pass") || !readable.contains(col[3])) {
                continue; // header, FAIL cases, and specs this Ignition does not know
            }
            Path caseDir = suite.resolve("cases").resolve(col[0]);
            tests.add(DynamicTest.dynamicTest(col[0], () -> conformanceCase(caseDir)));
        }
        assertTrue(!tests.isEmpty(), "no PASS case in " + suite + " has an Ignition version ignition-validate reads");
        return tests.stream();
    }

    private static void conformanceCase(Path caseDir) throws IOException {
        String args = Files.exists(caseDir.resolve("args.txt")) ? Files.readString(caseDir.resolve("args.txt")) : "";
        ConformanceFiles.Restored files = args.contains("--files-dir files")
                ? ConformanceFiles.restore(caseDir, tmp.resolve("cases").resolve(caseDir.getFileName()))
                : new ConformanceFiles.Restored(null, List.of());
        String yaml = Files.readString(caseDir.resolve("input.bu"));
        Path nkdOut = IgnitionTools.translateToFile(yaml, files.dir(), false,
                tmp.resolve(caseDir.getFileName() + ".nkd.ign"));
        // The restored symlinks must reach the output as links, or this case would test a different tree.
        Set<String> nkdLinks = new HashSet<>();
        new ObjectMapper().readTree(nkdOut.toFile()).path("storage").path("links")
                .forEach(l -> nkdLinks.add(l.path("path").asText()));
        assertTrue(nkdLinks.containsAll(files.links()), "restored tree links " + files.links()
                + " missing from nkd's links " + nkdLinks);
        IgnitionTools.Run nkd = IgnitionTools.validate(nkdOut);
        IgnitionTools.Run butane = IgnitionTools.validate(caseDir.resolve("expected.ign"));
        assertEquals(0, nkd.exit(), "ignition-validate rejects nkd's output " + nkdOut + ":\n" + nkd.output());
        Set<String> butaneSays = new HashSet<>(withoutLocations(butane.output()));
        for (String said : withoutLocations(nkd.output())) {
            assertTrue(butaneSays.contains(said), "ignition-validate says about nkd's output " + nkdOut
                    + ":\n  " + said + "\nbut not about butane's expected.ign (it says: " + butane.output() + ")");
        }
    }

    /** Messages without {@code , line N col M}: the two files are formatted differently. */
    private static List<String> withoutLocations(String output) {
        return output.lines().filter(l -> !l.isBlank())
                .map(l -> l.replaceAll(", line \\d+ col \\d+", "")).toList();
    }

    /**
     * The shared conformance copy lost symlinks (and exec bits) under files/: a tree's symlink arrived as a
     * regular file holding the link text. Rebuilds a writable copy where every link butane's expected.ign
     * lists under storage.links, and that comes from a tree, is a symlink again.
     */
    static final class ConformanceFiles {
        private static final ObjectMapper JSON = new ObjectMapper();
        private static final YAMLMapper YAML = new YAMLMapper();

        private ConformanceFiles() {
        }

        record Restored(Path dir, List<String> links) {
        }

        static Restored restore(Path caseDir, Path copyRoot) throws IOException {
            Path src = caseDir.resolve("files");
            Path dst = copyRoot.resolve("files");
            try (Stream<Path> walk = Files.walk(src)) {
                for (Path p : walk.toList()) {
                    Path target = dst.resolve(src.relativize(p).toString());
                    if (Files.isDirectory(p)) {
                        Files.createDirectories(target);
                    } else {
                        Files.write(target, Files.readAllBytes(p)); // fresh, writable file
                    }
                }
            }
            JsonNode expected = JSON.readTree(caseDir.resolve("expected.ign").toFile());
            List<String> restored = new ArrayList<>();
            JsonNode trees = YAML.readTree(caseDir.resolve("input.bu").toFile()).path("storage").path("trees");
            for (JsonNode link : expected.path("storage").path("links")) {
                String path = link.path("path").asText();
                for (JsonNode tree : trees) {
                    String dest = tree.path("path").asText("/");
                    String prefix = dest.endsWith("/") ? dest : dest + "/";
                    Path local = dst.resolve(tree.path("local").asText());
                    if (path.startsWith(prefix)) {
                        Path entry = local.resolve(path.substring(prefix.length()));
                        if (Files.isRegularFile(entry, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                            Files.delete(entry);
                            Files.createSymbolicLink(entry, Path.of(link.path("target").asText()));
                            restored.add(path);
                        }
                    }
                }
            }
            return new Restored(dst, restored);
        }
    }
}
