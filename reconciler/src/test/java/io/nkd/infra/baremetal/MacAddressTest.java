package io.nkd.infra.baremetal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class MacAddressTest {
    @ParameterizedTest
    @ValueSource(strings = {"52:54:00:aa:bb:0c", "52-54-00-AA-BB-0C", "525400AABB0C", "52:54:00:Aa:bB:0c"})
    void everySpellingIsOneAddress(String text) {
        assertEquals("52:54:00:aa:bb:0c", MacAddress.parse(text).orElseThrow().value());
        assertEquals("52-54-00-aa-bb-0c", MacAddress.parse(text).orElseThrow().hyphenated());
    }

    @ParameterizedTest
    @CsvSource(value = {"52:54:00:aa:bb", "52:54-00:aa:bb:0c", "52:54:00:aa:bb:0g", "52:54:00:aa:bb:0c:01", "''", "../../etc"},
            nullValues = "null")
    void anythingElseIsNoAddress(String text) {
        assertEquals(Optional.empty(), MacAddress.parse(text));
        assertTrue(MacAddress.parse(null).isEmpty());
    }
}
