package io.nkd.butane;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nkd.report.Entry;
import io.nkd.report.Severity;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Behaviour users rely on, input to output or input to located report. */
class ButaneTranslateTest {
    @TempDir
    Path dir;

    private static Butane.Result translate(String yaml) {
        return Butane.translate(yaml, Butane.Options.defaults());
    }

    private static Entry only(Butane.Result r, Severity severity) {
        var entries = r.report().entries().stream().filter(e -> e.severity() == severity).toList();
        assertEquals(1, entries.size(), () -> "report:\n" + r.report());
        return entries.get(0);
    }

    @Test
    void versionHeaderPicksTheIgnitionSpec() {
        String[][] pairs = {{"1.0.0", "3.0.0"}, {"1.1.0", "3.1.0"}, {"1.2.0", "3.2.0"}, {"1.3.0", "3.2.0"},
            {"1.4.0", "3.3.0"}, {"1.5.0", "3.4.0"}, {"1.6.0", "3.5.0"}, {"1.7.0", "3.6.0"}};
        for (String[] p : pairs) {
            var r = translate("variant: fcos\nversion: " + p[0] + "\n");
            assertTrue(r.ok(true), r.report()::toString);
            assertEquals(p[1], r.config().path("ignition").path("version").asText());
        }
    }

    @Test
    void unknownVariantOrVersionIsAnError() {
        assertTrue(only(translate("variant: flatcar\nversion: 1.0.0\n"), Severity.ERROR).message()
                .contains("No translator exists for variant flatcar with version 1.0.0"));
        assertTrue(only(translate("variant: fcos\nversion: 1.9.0\n"), Severity.ERROR).message()
                .contains("No translator exists"));
        assertEquals("error parsing version; must be a valid semver",
                only(translate("variant: fcos\nversion: 1.5\n"), Severity.ERROR).message());
        assertEquals("error parsing variant; must be specified",
                only(translate("version: 1.5.0\n"), Severity.ERROR).message());
    }

    @Test
    void octalModesAndDecimalModeWarning() {
        var r = translate("variant: fcos\nversion: 1.5.0\nstorage:\n  files:\n    - path: /a\n      mode: 0644\n"
                + "    - path: /b\n      mode: 644\n");
        assertEquals(420, r.config().at("/storage/files/0/mode").asInt());
        assertEquals(644, r.config().at("/storage/files/1/mode").asInt());
        var decimal = r.report().entries().stream().filter(e -> e.code().equals("ErrDecimalMode")).toList();
        assertEquals(1, decimal.size(), r.report()::toString);
        assertEquals("warning at $.storage.files.1.mode, line 8 col 13: "
                + "unreasonable mode would be reasonable if specified in octal; remember to add a leading zero",
                decimal.get(0).toString());
        assertFalse(r.ok(true), "--strict makes the warning fatal");
    }

    @Test
    void unknownKeyIsALocatedWarningAndNewerSpecFieldsToo() {
        var r = translate("variant: fcos\nversion: 1.3.0\nkernel_arguments:\n  should_exist: [quiet]\n");
        assertEquals("warning at $.kernel_arguments, line 3 col 1: unused key kernel_arguments", only(r, Severity.WARNING).toString());
        assertNull(r.config().get("kernelArguments"));
        var r14 = translate("variant: fcos\nversion: 1.4.0\nkernel_arguments:\n  should_exist: [quiet]\n");
        assertEquals("quiet", r14.config().at("/kernelArguments/shouldExist/0").asText());
    }

    @Test
    void duplicateKeysAndWrongTypesAreFatalAndLocated() {
        var dup = translate("variant: fcos\nversion: 1.5.0\nstorage:\n  files: []\n  files: []\n");
        assertEquals(5, only(dup, Severity.ERROR).location().line());
        var type = translate("variant: fcos\nversion: 1.5.0\nstorage:\n  files:\n    - path: /a\n      mode: abc\n");
        Entry e = only(type, Severity.ERROR);
        assertEquals("$.storage.files.0.mode", e.path().toString());
        assertEquals(6, e.location().line());
        assertEquals(13, e.location().column());
    }

    @Test
    void filesDirReferencesStayInside() throws IOException {
        Files.writeString(dir.resolve("inside.txt"), "ok");
        Path outside = Files.writeString(dir.getParent().resolve("outside-" + dir.getFileName() + ".txt"), "secret");
        Path files = Files.createDirectory(dir.resolve("files"));
        Files.writeString(files.resolve("a.txt"), "hello");
        Files.createSymbolicLink(files.resolve("escape.txt"), outside);
        String base = "variant: fcos\nversion: 1.5.0\nstorage:\n  files:\n    - path: /a\n      contents:\n        local: ";
        var ok = Butane.translate(base + "a.txt\n", new Butane.Options(files));
        assertEquals("data:,hello", ok.config().at("/storage/files/0/contents/source").asText());
        var dotdot = Butane.translate(base + "../inside.txt\n", new Butane.Options(files));
        assertEquals("ErrFilesDirEscape", only(dotdot, Severity.ERROR).code());
        var link = Butane.translate(base + "escape.txt\n", new Butane.Options(files));
        assertEquals("ErrFilesDirEscape", only(link, Severity.ERROR).code());
        var none = translate(base + "a.txt\n");
        assertEquals("ErrNoFilesDir", only(none, Severity.ERROR).code());
        Files.delete(outside);
    }

    @Test
    void mountUnitIsGeneratedAndTheUsersUnitOverridesIt() {
        var r = translate("variant: fcos\nversion: 1.5.0\nstorage:\n  filesystems:\n"
                + "    - device: /dev/disk/by-label/data\n      format: xfs\n      path: /var/data\n"
                + "      with_mount_unit: true\n      mount_options: [noatime]\n");
        assertTrue(r.ok(true), r.report()::toString);
        assertEquals("var-data.mount", r.config().at("/systemd/units/0/name").asText());
        assertEquals("# Generated by Butane\n[Unit]\nRequires=systemd-fsck@dev-disk-by\\x2dlabel-data.service\n"
                + "After=systemd-fsck@dev-disk-by\\x2dlabel-data.service\n\n[Mount]\nWhere=/var/data\n"
                + "What=/dev/disk/by-label/data\nType=xfs\nOptions=noatime\n\n[Install]\nRequiredBy=local-fs.target",
                r.config().at("/systemd/units/0/contents").asText());
        assertNull(r.config().at("/storage/filesystems/0").get("with_mount_unit"), "sugar never leaks into the output");
    }

    @Test
    void outputIsDeterministic() {
        String yaml = "variant: fcos\nversion: 1.5.0\nstorage:\n  files:\n    - path: /etc/motd\n      contents:\n"
                + "        inline: " + "welcome ".repeat(40) + "\n";
        assertEquals(translate(yaml).config().toString(), translate(yaml).config().toString());
        assertNotNull(translate(yaml).config());
    }
}
