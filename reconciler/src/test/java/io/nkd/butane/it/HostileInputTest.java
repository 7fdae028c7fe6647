package io.nkd.butane.it;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nkd.butane.Butane;
import io.nkd.cli.Main;
import io.nkd.report.Entry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Input a user (or an attacker feeding a Git repository) can give nkd butane: every one must end in a clean
 * "invalid" verdict — exit 1, a located message where the input has a location, no stack trace — and must
 * not hang. The 20 s bound is about not hanging, not about speed.
 */
class HostileInputTest {
    private static final Duration NO_HANG = Duration.ofSeconds(20);
    private static final Pattern LINE_COL = Pattern.compile("line \\d+ col \\d+");
    private static final String HEADER = "variant: fcos\nversion: 1.4.0\n";

    @TempDir
    Path tmp;

    /** name, input (built lazily: some are megabytes), whether the input has a place the error must name. */
    static Stream<Arguments> hostile() {
        return Stream.of(
                arguments("truncated YAML", () -> HEADER + "storage:\n  files:\n    - path: /a\n      contents: {inline: \"abc", true),
                arguments("truncated flow mapping", () -> HEADER + "storage: {files: [{path: /a, mode: 420", true),
                arguments("binary garbage with NULs", HostileInputTest::garbage, true),
                // SnakeYAML's depth limit carries no position: see limitErrorsNameALocation
                arguments("10,000 nested flow lists", () -> "[".repeat(10_000) + "]".repeat(10_000), false),
                arguments("10,000 nested flow mappings", () -> "a: " + "{a: ".repeat(10_000) + "1" + "}".repeat(10_000), false),
                arguments("10,000 nested block mappings", HostileInputTest::deepBlock, false),
                // 20 MB of text with spaces; see twentyMegabyteTokenDoesNotHang for one without
                arguments("20 MB scalar as a mode", () -> HEADER + "storage:\n  files:\n    - path: /a\n      mode: \""
                        + "xxxxxxx ".repeat(20 * 1024 * 128) + "\"\n", true),
                arguments("billion laughs over the alias limit", () -> laughs(12, ""), false),
                arguments("billion laughs used as storage.files", () -> laughs(9, "storage: {files: *a8}\n"), true),
                arguments("mode: abc", () -> HEADER + "storage:\n  files:\n    - path: /a\n      mode: abc\n", true),
                arguments("files: 3", () -> HEADER + "storage:\n  files: 3\n", true),
                arguments("storage: [1]", () -> HEADER + "storage: [1]\n", true),
                arguments("a mapping where a list belongs", () -> HEADER + "systemd:\n  units: {name: a.service}\n", true),
                arguments("duplicate keys", () -> HEADER + "storage:\n  files: []\n  files: []\n", true),
                arguments("duplicate variant", () -> HEADER + "variant: fcos\n", true),
                arguments("missing variant", () -> "version: 1.4.0\n", false),
                arguments("missing version", () -> "variant: fcos\n", false),
                arguments("unknown variant", () -> "variant: rhcos\nversion: 1.0.0\n", false),
                arguments("unknown version", () -> "variant: fcos\nversion: 9.9.9\n", false),
                arguments("version 1.5 (not full semver)", () -> "variant: fcos\nversion: 1.5\n", true),
                arguments("version as a number", () -> "variant: fcos\nversion: 1.5e3\n", true),
                arguments("tabs for indentation", () -> HEADER + "storage:\n\tfiles: []\n", true),
                arguments("lone ---", () -> "---", true),
                arguments("two documents", () -> HEADER + "---\n" + HEADER, true),
                arguments("a list at the root", () -> "- variant: fcos\n", true),
                arguments("a scalar at the root", () -> "hello", true));
    }

    private static Arguments arguments(String name, Supplier<String> input, boolean located) {
        return Arguments.of(name, input, located);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostile")
    void cliExitsOneWithoutStackTrace(String name, Supplier<String> input, boolean located) throws IOException {
        Path file = Files.writeString(tmp.resolve("hostile.bu"), input.get());
        Cli cli = assertTimeoutPreemptively(NO_HANG, () -> Cli.run("butane", file.toString()), name + " hangs");
        assertAll(
                () -> assertEquals(1, cli.exit(), cli.err()),
                () -> assertEquals("", cli.out(), "nothing on stdout for an invalid config"),
                () -> assertNoStackTrace(cli.err()),
                // each problem names the file, then a final summary line: at least one problem line
                () -> assertTrue(cli.err().lines().anyMatch(l -> l.startsWith(file + ": error")), cli.err()));
        if (located) {
            assertTrue(LINE_COL.matcher(cli.err()).find(), "no 'line N col M' in:\n" + cli.err());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostile")
    void apiReturnsLocatedErrorInsteadOfThrowing(String name, Supplier<String> input, boolean located) {
        String yaml = input.get();
        Butane.Result result = assertTimeoutPreemptively(NO_HANG,
                () -> Butane.translate(yaml, Butane.Options.defaults()), name + " hangs");
        assertFalse(result.ok(false), "accepted: " + name);
        assertNull(result.config(), "a config despite errors");
        assertTrue(result.report().hasErrors(), "not ok but no error entry:\n" + result.report());
        if (located) {
            assertTrue(result.report().entries().stream().filter(Entry::isError).anyMatch(e -> e.location() != null),
                    "no error names a line and column:\n" + result.report());
        }
    }

    /** Raw bytes, not valid UTF-8 either: the CLI decodes the file itself. */
    @Test
    void cliRejectsRawBinaryFile() throws IOException {
        byte[] bytes = new byte[64 * 1024];
        new Random(7).nextBytes(bytes);
        Path file = Files.write(tmp.resolve("garbage.bin"), bytes);
        Cli cli = assertTimeoutPreemptively(NO_HANG, () -> Cli.run("butane", file.toString()));
        assertEquals(1, cli.exit(), cli.err());
        assertNoStackTrace(cli.err());
        assertTrue(LINE_COL.matcher(cli.err()).find(), cli.err());
    }

    /** Empty input must fail cleanly (this part holds today). */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"", "\n", "   \n", "# only a comment\n"})
    void emptyInputFailsCleanly(String input) throws IOException {
        Path file = Files.writeString(tmp.resolve("empty.bu"), input);
        Cli cli = assertTimeoutPreemptively(NO_HANG, () -> Cli.run("butane", file.toString()));
        assertEquals(1, cli.exit(), cli.err());
        assertNoStackTrace(cli.err());
        assertFalse(Butane.translate(input, Butane.Options.defaults()).ok(false));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"", "\n", "# only a comment\n"})
    void emptyInputSaysWhy(String input) {
        Butane.Result result = Butane.translate(input, Butane.Options.defaults());
        assertTrue(result.report().hasErrors(), "no error entry for empty input");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("limits")
    void limitErrorsNameALocation(String name, Supplier<String> input) {
        Butane.Result result = Butane.translate(input.get(), Butane.Options.defaults());
        assertTrue(result.report().entries().stream().anyMatch(e -> e.location() != null), result.report().toString());
    }

    static Stream<Arguments> limits() {
        return Stream.of(Arguments.of("deep lists", (Supplier<String>) () -> "[".repeat(10_000) + "]".repeat(10_000)),
                Arguments.of("alias bomb", (Supplier<String>) () -> laughs(12, "")));
    }

    @Test
    void twentyMegabyteTokenDoesNotHang() {
        String yaml = HEADER + "storage:\n  files:\n    - path: /a\n      mode: \"" + "x".repeat(20 << 20) + "\"\n";
        Butane.Result result = assertTimeoutPreemptively(NO_HANG, () -> Butane.translate(yaml, Butane.Options.defaults()));
        assertFalse(result.ok(false));
    }

    @Test
    void unknownKeyWarnsAndStrictMakesItFatal() throws IOException {
        Path file = Files.writeString(tmp.resolve("warn.bu"), HEADER + "foo: bar\n");
        String warning = file + ": warning at $.foo, line 3 col 1: ";

        Cli lax = Cli.run("butane", file.toString());
        assertAll(
                () -> assertEquals(0, lax.exit(), lax.err()),
                () -> assertEquals("{\"ignition\":{\"version\":\"3.3.0\"}}\n", lax.out()),
                () -> assertTrue(lax.err().startsWith(warning), lax.err()),
                () -> assertNoStackTrace(lax.err()));

        Cli strict = Cli.run("butane", "--strict", file.toString());
        assertAll(
                () -> assertEquals(1, strict.exit(), strict.err()),
                () -> assertEquals("", strict.out()),
                () -> assertTrue(strict.err().startsWith(warning), strict.err()),
                () -> assertTrue(strict.err().contains("--strict"), strict.err()),
                () -> assertNoStackTrace(strict.err()));

        Butane.Result result = Butane.translate(HEADER + "foo: bar\n", Butane.Options.defaults());
        assertTrue(result.ok(false));
        assertFalse(result.ok(true));
    }

    private static void assertNoStackTrace(String err) {
        assertFalse(err.contains("Exception") || err.contains("\tat ") || err.contains("internal error"),
                "stack trace or internal error on stderr:\n" + err);
    }

    /** Random bytes with NULs sprinkled in; seeded so a failure reproduces. */
    private static String garbage() {
        byte[] bytes = new byte[64 * 1024];
        new Random(42).nextBytes(bytes);
        for (int i = 0; i < bytes.length; i += 97) {
            bytes[i] = 0;
        }
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }

    private static String deepBlock() {
        StringBuilder sb = new StringBuilder(HEADER);
        for (int i = 0; i < 10_000; i++) {
            sb.append(" ".repeat(i)).append("a:\n");
        }
        return sb.append(" ".repeat(10_000)).append("b: 1\n").toString();
    }

    /** A billion-laughs document: {@code levels} anchors, each a list of 10 aliases to the one before. */
    private static String laughs(int levels, String tail) {
        StringBuilder sb = new StringBuilder(HEADER).append("lol0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for (int i = 1; i < levels; i++) {
            sb.append("lol").append(i).append(": &a").append(i).append(" [")
                    .append(String.join(", ", java.util.Collections.nCopies(10, "*a" + (i - 1)))).append("]\n");
        }
        return sb.append(tail).toString();
    }

    /** One CLI run with System.out/err captured (the CLI writes to them directly). */
    record Cli(int exit, String out, String err) {
        static synchronized Cli run(String... args) {
            PrintStream oldOut = System.out;
            PrintStream oldErr = System.err;
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
                 PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
                System.setOut(o);
                System.setErr(e);
                int exit = Main.execute(args);
                o.flush();
                e.flush();
                return new Cli(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
            } finally {
                System.setOut(oldOut);
                System.setErr(oldErr);
            }
        }
    }
}
