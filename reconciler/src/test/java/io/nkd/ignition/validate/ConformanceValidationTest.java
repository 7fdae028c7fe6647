package io.nkd.ignition.validate;

import com.fasterxml.jackson.databind.JsonNode;
import io.nkd.ignition.ConformanceData;
import io.nkd.ignition.spec.IgnitionVersion;
import io.nkd.report.Report;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every Ignition config butane produced for the conformance set is valid for its own spec version. */
class ConformanceValidationTest {

    @TestFactory
    Stream<DynamicTest> butaneOutputsValidate() throws java.io.IOException {
        return ConformanceData.tests("cases", 118, dir -> !Files.exists(dir.resolve("expected.ign")) ? null
                : DynamicTest.dynamicTest(dir.getFileName().toString(), () -> {
                    JsonNode config = ConformanceData.readJson(dir.resolve("expected.ign"));
                    String versionText = config.path("ignition").path("version").asText();
                    IgnitionVersion version = IgnitionVersion.parse(versionText).orElseThrow();
                    Report report = IgnitionValidator.validate(config, version);
                    assertFalse(report.hasErrors(), () -> dir + ":\n" + report);
                }));
    }

    /** Butane's Ignition-level warning (enabled unit without [Install]) is found in its output too. */
    @TestFactory
    Stream<DynamicTest> installSectionWarningsMatchButane() throws java.io.IOException {
        String warning = "is enabled, but has no install section so enable does nothing";
        return ConformanceData.tests("cases", 2, dir -> !Files.exists(dir.resolve("expected.ign"))
                || !Files.exists(dir.resolve("expected-warnings.txt"))
                || !read(dir.resolve("expected-warnings.txt")).contains(warning) ? null
                : DynamicTest.dynamicTest(dir.getFileName().toString(), () -> {
                    JsonNode config = ConformanceData.readJson(dir.resolve("expected.ign"));
                    IgnitionVersion version = IgnitionVersion.parse(
                            config.path("ignition").path("version").asText()).orElseThrow();
                    String expected = read(dir.resolve("expected-warnings.txt")).lines()
                            .filter(l -> l.contains(warning))
                            .map(l -> l.substring(l.indexOf(": ") + 2))
                            .findFirst().orElseThrow();
                    Report report = IgnitionValidator.validate(config, version);
                    assertTrue(report.entries().stream().anyMatch(e -> e.message().equals(expected)
                            && e.path().toString().equals("$.systemd.units.0.contents")), report::toString);
                }));
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The merge cases' source.txt states whether Ignition found the merged config valid. */
    @TestFactory
    Stream<DynamicTest> mergedConfigsValidateAsIgnitionSaid() throws java.io.IOException {
        return ConformanceData.tests("merge-cases", 12, dir -> readVerdict(dir) == null ? null
                : DynamicTest.dynamicTest(dir.getFileName().toString(), () -> {
                    JsonNode config = ConformanceData.readJson(dir.resolve("expected.ign"));
                    IgnitionVersion version = IgnitionVersion.parse(
                            config.path("ignition").path("version").asText()).orElseThrow();
                    String report = IgnitionValidator.validate(config, version).toString().strip();
                    String verdict = readVerdict(dir);
                    if (verdict.equals("valid")) {
                        assertTrue(report.isEmpty(), report);
                    } else {
                        assertTrue(report.equals(verdict), () -> "expected " + verdict + " got " + report);
                    }
                }));
    }

    private static String readVerdict(Path dir) {
        try {
            for (String line : Files.readAllLines(dir.resolve("source.txt"))) {
                String prefix = "validity of the merged result (Ignition validation): ";
                if (line.startsWith(prefix)) {
                    return line.substring(prefix.length()).strip();
                }
            }
            return null;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
