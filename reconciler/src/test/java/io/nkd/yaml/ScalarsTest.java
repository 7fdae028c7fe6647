package io.nkd.yaml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ScalarsTest {
    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        "0644, 420",
        "0o644, 420",
        "644, 644",
        "0x1A4, 420",
        "0b111, 7",
        "1_000, 1000",
        "-0755, -493",
        "1e3, 1000",
        "0, 0",
    })
    void integersAreReadAsGoYamlReadsThem(String text, long expected) {
        assertEquals(Optional.of(expected), Scalars.parseGoInt(text));
    }

    @ParameterizedTest
    @CsvSource({"abc", "0x", "1.5", "99999999999999999999"})
    void nonIntegersAreRejected(String text) {
        assertTrue(Scalars.parseGoInt(text).isEmpty());
    }
}
