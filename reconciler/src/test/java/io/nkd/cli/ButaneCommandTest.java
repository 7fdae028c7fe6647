package io.nkd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ButaneCommandTest {
    private static final String VALID = "variant: fcos\nversion: 1.5.0\nstorage:\n  files:\n    - path: /etc/hostname\n"
            + "      mode: 0644\n      contents:\n        inline: node-1\n";
    private static final String UNKNOWN_KEY = "variant: fcos\nversion: 1.5.0\nstorage:\n  filez: []\n";

    @TempDir
    Path dir;

    @Test
    void readsStdinAndPrintsCompactJsonByDefault() {
        CliRun r = CliRun.run(VALID, "butane");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().startsWith("{\"ignition\":{\"version\":\"3.4.0\"}"), r.out());
        assertEquals(1, r.out().lines().count());
    }

    @Test
    void prettyIndentsWithTwoSpaces() {
        CliRun r = CliRun.run(VALID, "butane", "--pretty");
        assertTrue(r.out().startsWith("{\n  \"ignition\": {\n    \"version\": \"3.4.0\"\n  },"), r.out());
    }

    @Test
    void writesOutputFileAndReadsInputFile() throws Exception {
        Path in = Files.writeString(dir.resolve("node.bu"), VALID);
        Path out = dir.resolve("node.ign");
        CliRun r = CliRun.run("", "butane", "-p", "-o", out.toString(), in.toString());
        assertEquals(0, r.exit(), r.err());
        assertEquals("", r.out());
        assertTrue(Files.readString(out).contains("\"path\": \"/etc/hostname\""));
    }

    @Test
    void warningsGoToStderrAndStrictMakesThemFatal() {
        CliRun lax = CliRun.run(UNKNOWN_KEY, "butane");
        assertEquals(0, lax.exit());
        assertTrue(lax.err().contains("warning at $.storage.filez, line 4 col 3: unused key filez"), lax.err());
        CliRun strict = CliRun.run(UNKNOWN_KEY, "butane", "--strict");
        assertEquals(1, strict.exit());
        assertEquals("", strict.out(), "no config is printed when translation fails");
    }

    @Test
    void missingInputIsOneLineWithoutStackTrace() {
        CliRun r = CliRun.run("", "butane", dir.resolve("nope.bu").toString());
        assertEquals(1, r.exit());
        assertTrue(r.err().startsWith("Error: cannot read "), r.err());
        assertFalse(r.err().contains("\tat "), r.err());
    }

    @Test
    void aReferenceIntoAMissingFilesDirNamesTheFile() {
        String local = "variant: fcos\nversion: 1.5.0\nstorage:\n  files:\n    - path: /a\n      contents:\n"
                + "        local: a.txt\n";
        CliRun r = CliRun.run(local, "butane", "-d", dir.resolve("missing").toString());
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("error at $.storage.files.0.contents.local, line 7 col 16: open "), r.err());
        assertTrue(r.err().contains("missing/a.txt: no such file or directory"), r.err());
    }

    @Test
    void versionAndHelpWork() {
        assertTrue(CliRun.run("", "--version").out().startsWith("nkd "));
        CliRun help = CliRun.run("", "help", "butane");
        assertEquals(0, help.exit());
        assertTrue(help.out().contains("--files-dir"), help.out());
        assertTrue(help.out().contains("Examples:"), help.out());
    }
}
