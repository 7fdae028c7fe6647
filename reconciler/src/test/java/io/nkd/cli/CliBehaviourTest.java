package io.nkd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nkd.log.LogSettings;
import io.nkd.testsupport.RepoPaths;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/** The CLI's answers to what a new user types: typos, wrong directories, JSON for tools, log settings. */
class CliBehaviourTest {
    private static final String EXAMPLE = RepoPaths.repoRoot().resolve("repo-layout/example").toString();
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void anUnknownCommandIsAnErrorEvenWithHelp() {
        for (String[] args : List.of(new String[] {"frobnicate", "--help"}, new String[] {"frobnicate"},
                new String[] {"--debug", "frobnicate", "--help"})) {
            CliRun r = CliRun.run("", args);
            assertEquals(2, r.exit(), String.join(" ", args));
            assertTrue(r.err().contains("unknown command 'frobnicate'"), r.err());
            assertFalse(r.out().contains("Usage:"), "no help for a command that does not exist: " + r.out());
        }
        CliRun typo = CliRun.run("", "statsu", "--help");
        assertEquals(2, typo.exit());
        assertTrue(typo.err().contains("Did you mean: status, state?"), typo.err()); // both two edits away
        CliRun nested = CliRun.run("", "certs", "lst", "--help");
        assertEquals(2, nested.exit());
        assertTrue(nested.err().contains("unknown command 'certs lst'") && nested.err().contains("Did you mean: list?"),
                nested.err());
        CliRun known = CliRun.run("", "status", "--help");
        assertEquals(0, known.exit());
        assertTrue(known.out().startsWith("Usage: nkd status"), known.out());
        CliRun top = CliRun.run("", "--help");
        assertEquals(0, top.exit());
        for (String command : Main.COMMANDS) {
            assertTrue(top.out().contains("  " + command + " "), "top-level help lists " + command);
        }
    }

    @Test
    void readOnlyCommandsRefuseAMissingStateDirAndDoNotCreateIt() {
        Path missing = tmp.resolve("no-such-state");
        for (String[] args : List.of(new String[] {"status", "--state-dir", missing.toString()},
                new String[] {"history", "demo", "--state-dir", missing.toString()},
                new String[] {"certs", "list", "--state-dir", missing.toString()},
                new String[] {"certs", "check", "--state-dir", missing.toString()})) {
            CliRun r = CliRun.run("", args);
            assertEquals(1, r.exit(), String.join(" ", args));
            assertTrue(r.err().contains("--state-dir " + missing + " does not exist"), r.err());
            assertEquals("", r.out(), "no empty table");
            assertFalse(Files.exists(missing), "a read-only command must not create " + missing);
        }
        CliRun neither = CliRun.run("", "status");
        assertEquals(1, neither.exit());
        assertTrue(neither.err().contains("give --state-dir DIR") && neither.err().contains("--server URL"), neither.err());
    }

    @Test
    void validateOutsideAConfigRepositoryFails() throws Exception {
        Path notARepo = Files.createDirectories(tmp.resolve("somewhere"));
        Files.writeString(notARepo.resolve("README.md"), "not a config repository\n");
        CliRun r = CliRun.run("", "validate", "--repo", notARepo.toString());
        assertEquals(1, r.exit());
        assertTrue(r.err().contains(notARepo + " is not an nkd config repository") && r.err().contains("nkd init"), r.err());
        CliRun render = CliRun.run("", "render", "--repo", notARepo.toString(), "--out", tmp.resolve("out").toString());
        assertEquals(1, render.exit());
        assertTrue(render.err().contains("is not an nkd config repository"), render.err());
    }

    @Test
    void renderPrintsASummaryNotAJavaMap() throws Exception {
        Path out = tmp.resolve("rendered");
        CliRun r = CliRun.run("", "render", "--repo", EXAMPLE, "--out", out.toString(), "--cluster", "sandbox-demo");
        assertEquals(0, r.exit(), r.err());
        assertFalse(r.out().contains("{") || r.out().contains("="), "no Java map: " + r.out());
        assertTrue(r.out().startsWith("sandbox-demo: 2 pool(s), 3 node(s); wrote 6 files to " + out.resolve("sandbox-demo")),
                r.out());
        assertTrue(r.out().matches("(?s).*pool control-plane +rendered-control-plane-[0-9a-f]{16} +1 node\\(s\\).*"), r.out());
        assertTrue(r.out().matches("(?s).*node sandbox-demo-workers-2 +workers +rendered-sandbox-demo-workers-2-[0-9a-f]{16}.*"),
                r.out());

        CliRun json = CliRun.run("", "render", "--repo", EXAMPLE, "--out", out.toString(), "--cluster", "sandbox-demo",
                "-o", "json");
        JsonNode summary = JSON.readTree(json.out()).get(0);
        assertEquals("sandbox-demo", summary.path("cluster").asText());
        assertEquals(2, summary.path("pools").path(1).path("nodes").asInt(), "two workers");
        assertEquals(6, summary.path("filesWritten").asInt());
    }

    @Test
    void renderToStandardOutputIsOneJsonDocumentAndWritesNoFiles() throws Exception {
        CliRun r = CliRun.run("", "render", "--repo", EXAMPLE, "--cluster", "sandbox-demo", "--out", "-");
        assertEquals(0, r.exit(), r.err());
        JsonNode doc = JSON.readTree(r.out());
        JsonNode cluster = doc.path("clusters").path("sandbox-demo");
        assertTrue(cluster.path("pools").path("workers").path("version").asText().startsWith("rendered-workers-"));
        assertEquals("3.3.0", cluster.path("pools").path("workers").path("config").path("ignition").path("version").asText());
        assertEquals(3, cluster.path("nodes").size());
        try (var written = Files.list(tmp)) {
            assertEquals(0, written.count(), "nothing written");
        }
        assertFalse(Files.exists(Path.of("-")), "no directory called -");
        CliRun both = CliRun.run("", "render", "--repo", EXAMPLE, "--out", "-", "-o", "json");
        assertEquals(1, both.exit());
        assertTrue(both.err().contains("--out - already prints JSON"), both.err());
    }

    @Test
    void readCommandsPrintJsonWithDashO() throws Exception {
        Path state = Files.createDirectories(tmp.resolve("state"));
        Files.setPosixFilePermissions(state, PosixFilePermissions.fromString("rwx------"));
        CliRun render = CliRun.run("", "render", "--repo", EXAMPLE, "--out", tmp.resolve("out").toString(), "--state-dir",
                state.toString(), "--cluster", "sandbox-demo");
        assertEquals(0, render.exit(), render.err());

        JsonNode certs = JSON.readTree(CliRun.run("", "certs", "list", "--state-dir", state.toString(), "-o", "json").out());
        JsonNode first = certs.path("sandbox-demo").get(0);
        assertNotNull(first, certs.toString());
        assertTrue(first.path("notAfter").asText().matches("\\d{4}-\\d\\d-\\d\\dT.*Z"), "ISO time: " + first);
        assertTrue(first.path("daysLeft").asLong() > 300);

        CliRun check = CliRun.run("", "certs", "check", "--state-dir", state.toString(), "--output", "json");
        assertEquals(0, check.exit(), check.out() + check.err());
        JsonNode checked = JSON.readTree(check.out());
        assertTrue(checked.path("ok").asBoolean());
        assertEquals(0, checked.path("findings").size());

        JsonNode status = JSON.readTree(CliRun.run("", "status", "--state-dir", state.toString(), "-o", "json").out());
        assertTrue(status.isArray(), status.toString());
        CliRun history = CliRun.run("", "history", "sandbox-demo", "--state-dir", state.toString(), "-o", "json");
        assertEquals(0, history.exit(), history.err());
        assertTrue(JSON.readTree(history.out()).isArray(), "render keeps secrets, not history: an empty list");

        JsonNode validate = JSON.readTree(CliRun.run("", "validate", "--repo", EXAMPLE, "-o", "json").out());
        assertTrue(validate.path("valid").asBoolean());
    }

    @Test
    void noJacksonInternalsOrNullInMessages() throws Exception {
        Path broken = Files.writeString(tmp.resolve("broken.ign"), "{\"ignition\": {\"version\": \"3.4.0\"},, }");
        CliRun r = CliRun.run("", "ignition", "validate", broken.toString());
        assertEquals(1, r.exit());
        String all = r.out() + r.err();
        assertFalse(all.contains("REDACTED") || all.contains("StreamReadFeature") || all.contains("(null)"), all);
        assertTrue(all.contains("line 1"), all);

        assertEquals("connection refused", Failures.describe(new java.net.ConnectException()));
        assertEquals("connection refused", Failures.describe(new java.io.IOException(new java.net.ConnectException())));
        String jackson = Failures.describe(assertThrowsJson("{\"a\": tru}"));
        assertFalse(jackson.contains("REDACTED") || jackson.contains("StreamReadFeature"), jackson);
        assertTrue(jackson.contains("line 1, column"), jackson);
    }

    private static Exception assertThrowsJson(String text) {
        try {
            JSON.readTree(text);
        } catch (Exception e) {
            return e;
        }
        throw new AssertionError("expected a parse error for " + text);
    }

    @Test
    void butaneFastPathParsesLikePicocli() {
        List<List<String>> cases = List.of(
                List.of("node.bu"), List.of("-p", "node.bu"), List.of("--pretty", "--strict", "node.bu"),
                List.of("-ps", "-d", "files", "-o", "out.ign", "node.bu"), List.of("--files-dir", "d", "--output", "o", "--", "-x.bu"),
                List.of("-r"), List.of());
        for (List<String> args : cases) {
            ButaneCommand fast = ButaneCommand.parseFast(args).orElseThrow(() -> new AssertionError("fast path refused " + args));
            ButaneCommand slow = new ButaneCommand();
            new picocli.CommandLine(slow).parseArgs(args.toArray(String[]::new));
            assertEquals(List.of(slow.pretty, slow.strict, slow.raw, String.valueOf(slow.filesDir), String.valueOf(slow.output),
                    String.valueOf(slow.input)), List.of(fast.pretty, fast.strict, fast.raw, String.valueOf(fast.filesDir),
                    String.valueOf(fast.output), String.valueOf(fast.input)), args.toString());
        }
        for (List<String> args : List.of(List.of("--help"), List.of("-V"), List.of("--debug", "x"), List.of("-o"),
                List.of("-x"), List.of("a", "b"), List.of("--output=x"), List.of("-"))) {
            assertTrue(ButaneCommand.parseFast(args).isEmpty(), "picocli handles " + args);
        }
        CliRun help = CliRun.run("", "butane", "--help");
        assertEquals(0, help.exit());
        assertTrue(help.out().startsWith("Usage: nkd butane"), help.out());
        CliRun bad = CliRun.run("", "butane", "--nope");
        assertEquals(2, bad.exit());
        assertTrue(bad.err().contains("Unknown option: '--nope'"), bad.err());
    }

    @Test
    void logLevelAndJsonFormatAreConfigurable() throws Exception {
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        LogSettings.redirect(new PrintStream(sink, true, StandardCharsets.UTF_8));
        try {
            // the options are applied by any command; --help runs none of its work
            assertEquals(0, CliRun.run("", "--log-level", "debug", "--log-format", "json", "validate", "--help").exit());
            org.slf4j.Logger nkd = LoggerFactory.getLogger("io.nkd.reconcile.Example");
            org.slf4j.Logger quartz = LoggerFactory.getLogger("org.quartz.core.QuartzScheduler");
            try (MDC.MDCCloseable c = MDC.putCloseable("cluster", "demo"); MDC.MDCCloseable r = MDC.putCloseable("commit", "abc123")) {
                nkd.debug("applied {} machines", 3);
                quartz.debug("library debug stays out at --log-level debug");
            }
            String[] lines = sink.toString(StandardCharsets.UTF_8).strip().split("\n");
            assertEquals(1, lines.length, String.join("\n", lines));
            JsonNode line = JSON.readTree(lines[0]);
            assertEquals("DEBUG", line.path("level").asText());
            assertEquals("io.nkd.reconcile.Example", line.path("logger").asText());
            assertEquals("applied 3 machines", line.path("message").asText());
            assertEquals("demo", line.path("cluster").asText());
            assertEquals("abc123", line.path("commit").asText());
            assertTrue(line.path("time").asText().endsWith("Z"));

            sink.reset();
            assertEquals(0, CliRun.run("", "validate", "--help").exit());
            nkd.debug("hidden at the default level");
            quartz.info("Quartz Scheduler v2.5.2 created.");
            nkd.info("shown as text");
            String text = sink.toString(StandardCharsets.UTF_8);
            assertFalse(text.contains("hidden") || text.contains("Quartz"), "default: INFO for nkd, WARN for libraries: " + text);
            assertTrue(text.matches("\\S+Z \\[INFO\\] Example - shown as text\\R"), text);

            CliRun invalid = CliRun.run("", "--log-level", "loud", "validate", "--help");
            assertEquals(2, invalid.exit());
            assertTrue(invalid.err().contains("--log-level"), invalid.err());
        } finally {
            LogSettings.redirect(null);
            LogSettings.reset();
        }
    }
}
