package io.nkd.butane.it;

import io.nkd.testsupport.IgnitionTools;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nkd.ignition.spec.ButaneVersion;
import io.nkd.testsupport.ConformanceTrees;
import io.nkd.testsupport.SharedData;
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
        if (IgnitionTools.ignitionValidateMissing().isPresent()) {
            return IgnitionTools.ignitionValidateMissing().get();
        }
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
        tests.addAll(unreadSpecs(versions));
        return tests.stream();
    }

    /**
     * The fcos versions whose Ignition spec the installed ignition-validate does not read (Debian bookworm's Ignition
     * 2.14 stops at spec 3.3.0, and no newer one is packaged): instead of a skip, a check that ignition-validate refuses
     * the spec by its version, so the gap is the packaged Ignition's. nkd's output at those specs is checked against
     * butane's own PASS cases by nkd's Ignition reader ({@link #conformanceCasesValidate}); these compat configs are
     * written for the specs Ignition reads (at fcos 1.6 some are rightly refused, e.g. a mount unit outside /etc, /var).
     */
    private static List<DynamicTest> unreadSpecs(List<ButaneVersion> read) {
        List<DynamicTest> tests = new ArrayList<>();
        for (ButaneVersion v : ButaneVersion.values()) {
            if (!read.contains(v)) {
                tests.add(DynamicTest.dynamicTest("fcos " + v.text() + ": ignition-validate refuses spec " + v.ignition().text()
                        + " by its version", () -> assertRefusedByVersion(v.ignition().text())));
            }
        }
        return tests;
    }

    /** What ignition-validate says of a config of a spec it does not read: the version, nothing about content. */
    private static void assertRefusedByVersion(String spec) throws IOException {
        Path config = Files.writeString(Files.createTempFile(tmp, "spec", ".ign"), "{\"ignition\":{\"version\":\"" + spec + "\"}}");
        IgnitionTools.Run run = IgnitionTools.validate(config);
        assertTrue(run.output().contains("unsupported config version"),
                "ignition-validate reads spec " + spec + " after all (it said: " + run.output() + "); versionsIgnitionReads"
                        + " should have included it");
    }

    /**
     * nkd's own reading of an Ignition config ({@code nkd ignition validate}): no error, and, when butane's expected
     * output is given, no warning it does not give about that too.
     */
    private static void assertNkdReadsClean(String name, Path config, Path butaneExpected) throws IOException {
        io.nkd.ignition.IgnitionConfigs.Parsed nkd = io.nkd.ignition.IgnitionConfigs.parseAndValidate(Files.readString(config));
        assertTrue(nkd.ok(), "nkd's Ignition reader finds errors in nkd's output for " + name + " (" + config + "):\n"
                + nkd.report().entries());
        if (butaneExpected != null) {
            Set<String> butaneSays = new HashSet<>();
            io.nkd.ignition.IgnitionConfigs.parseAndValidate(Files.readString(butaneExpected)).report().entries()
                    .forEach(e -> butaneSays.add(e.code() + " " + e.path()));
            for (io.nkd.report.Entry e : nkd.report().entries()) {
                assertTrue(butaneSays.contains(e.code() + " " + e.path()), "about nkd's output for " + name + ": " + e
                        + "\nbut not about butane's expected.ign");
            }
        }
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
        if (IgnitionTools.ignitionValidateMissing().isPresent()) {
            return IgnitionTools.ignitionValidateMissing().get();
        }
        return SharedData.dynamicTests(SharedData.BUTANE_CONFORMANCE, 1, suite -> {
            Set<String> readable = new HashSet<>();
            IgnitionTools.versionsIgnitionReads().forEach(v -> readable.add(v.ignition().text()));
            List<DynamicTest> tests = new ArrayList<>();
            java.util.Map<String, List<String>> unread = new java.util.TreeMap<>();
            for (String line : Files.readAllLines(suite.resolve("index.tsv"))) {
                String[] col = line.split("\t", -1);
                if (col.length < 4 || !col[1].equals("pass")) {
                    continue; // the header and FAIL cases
                }
                Path caseDir = suite.resolve("cases").resolve(col[0]);
                if (!readable.contains(col[3])) {
                    unread.computeIfAbsent(col[3], k -> new ArrayList<>()).add(col[0]);
                    tests.add(DynamicTest.dynamicTest(col[0] + " (nkd's Ignition reader: ignition-validate does not read spec "
                            + col[3] + ")", () -> conformanceCaseUnread(caseDir)));
                    continue;
                }
                tests.add(DynamicTest.dynamicTest(col[0], () -> conformanceCase(caseDir)));
            }
            assertTrue(!tests.isEmpty(), "no PASS case in " + suite + " has an Ignition spec ignition-validate reads");
            // cases at specs this Ignition cannot read are checked by nkd's reader above; say once per spec why
            unread.forEach((spec, cases) -> tests.add(DynamicTest.dynamicTest("ignition-validate refuses spec " + spec
                    + " by its version (" + cases.size() + " cases checked by nkd's reader only)",
                    () -> assertRefusedByVersion(spec))));
            return tests;
        });
    }

    private static void conformanceCase(Path caseDir) throws IOException {
        // files/ as butane's test built it, links and execute bits included, whatever the copy on disk kept
        Path dir = ConformanceTrees.materialize(caseDir, tmp.resolve("cases").resolve(caseDir.getFileName().toString()));
        String args = Files.exists(dir.resolve("args.txt")) ? Files.readString(dir.resolve("args.txt")) : "";
        Path filesDir = args.contains("--files-dir files") ? dir.resolve("files") : null;
        String yaml = Files.readString(dir.resolve("input.bu"));
        Path nkdOut = IgnitionTools.translateToFile(yaml, filesDir, false,
                tmp.resolve(caseDir.getFileName() + ".nkd.ign"));
        // every link butane made must be in nkd's output too, or this case would validate a different config
        ObjectMapper json = new ObjectMapper();
        Set<String> nkdLinks = new HashSet<>();
        json.readTree(nkdOut.toFile()).path("storage").path("links").forEach(l -> nkdLinks.add(l.path("path").asText()));
        Set<String> butaneLinks = new HashSet<>();
        json.readTree(dir.resolve("expected.ign").toFile()).path("storage").path("links")
                .forEach(l -> butaneLinks.add(l.path("path").asText()));
        assertTrue(nkdLinks.containsAll(butaneLinks), "butane's links " + butaneLinks + " missing from nkd's " + nkdLinks);
        IgnitionTools.Run nkd = IgnitionTools.validate(nkdOut);
        IgnitionTools.Run butane = IgnitionTools.validate(caseDir.resolve("expected.ign"));
        assertEquals(0, nkd.exit(), "ignition-validate rejects nkd's output " + nkdOut + ":\n" + nkd.output());
        Set<String> butaneSays = new HashSet<>(withoutLocations(butane.output()));
        for (String said : withoutLocations(nkd.output())) {
            assertTrue(butaneSays.contains(said), "ignition-validate says about nkd's output " + nkdOut
                    + ":\n  " + said + "\nbut not about butane's expected.ign (it says: " + butane.output() + ")");
        }
    }

    /** A PASS case at a spec ignition-validate cannot read: nkd's output, read by nkd's own Ignition reader. */
    private static void conformanceCaseUnread(Path caseDir) throws IOException {
        Path dir = ConformanceTrees.materialize(caseDir, tmp.resolve("cases").resolve(caseDir.getFileName().toString()));
        String args = Files.exists(dir.resolve("args.txt")) ? Files.readString(dir.resolve("args.txt")) : "";
        Path filesDir = args.contains("--files-dir files") ? dir.resolve("files") : null;
        Path nkdOut = IgnitionTools.translateToFile(Files.readString(dir.resolve("input.bu")), filesDir, false,
                tmp.resolve(caseDir.getFileName() + ".nkd.ign"));
        assertNkdReadsClean(caseDir.getFileName().toString(), nkdOut, caseDir.resolve("expected.ign"));
    }

    /** Messages without {@code , line N col M}: the two files are formatted differently. */
    private static List<String> withoutLocations(String output) {
        return output.lines().filter(l -> !l.isBlank())
                .map(l -> l.replaceAll(", line \\d+ col \\d+", "")).toList();
    }
}
