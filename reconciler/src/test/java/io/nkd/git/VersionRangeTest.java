package io.nkd.git;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** The documented subset of npm ranges; expectations follow node-semver's {@code satisfies}. */
class VersionRangeTest {

    @ParameterizedTest(name = "{0} matches {1}: {2}")
    @CsvSource(delimiter = ';', textBlock = """
            1.2.3             ; 1.2.3       ; true
            1.2.3             ; 1.2.4       ; false
            =1.2.3            ; v1.2.3      ; true
            1.2.3             ; 1.2.3+build ; true
            1.x               ; 1.0.0       ; true
            1.x               ; 1.99.3      ; true
            1.x               ; 2.0.0       ; false
            1.x               ; 2.0.0-rc.1  ; false
            1                 ; 1.5.0       ; true
            1.2.x             ; 1.2.9       ; true
            1.2.x             ; 1.3.0       ; false
            1.2               ; 1.2.0       ; true
            *                 ; 0.0.1       ; true
            *                 ; 1.0.0-rc.1  ; false
            x                 ; 9.9.9       ; true
            ^1.2.3            ; 1.2.3       ; true
            ^1.2.3            ; 1.9.0       ; true
            ^1.2.3            ; 2.0.0       ; false
            ^1.2.3            ; 1.2.2       ; false
            ^1.2              ; 1.2.0       ; true
            ^1.2              ; 1.1.9       ; false
            ^1                ; 1.0.0       ; true
            ^0.2.3            ; 0.2.9       ; true
            ^0.2.3            ; 0.3.0       ; false
            ^0.0.3            ; 0.0.3       ; true
            ^0.0.3            ; 0.0.4       ; false
            ^0.2              ; 0.2.5       ; true
            ^0.2              ; 0.3.0       ; false
            ^0.0              ; 0.0.9       ; true
            ^0.0              ; 0.1.0       ; false
            ~1.2.3            ; 1.2.9       ; true
            ~1.2.3            ; 1.3.0       ; false
            ~1.2.3            ; 1.2.2       ; false
            ~1.2              ; 1.2.0       ; true
            ~1                ; 1.9.0       ; true
            ~1                ; 2.0.0       ; false
            >=1.2.0 <2.0.0    ; 1.2.0       ; true
            >=1.2.0 <2.0.0    ; 1.99.99     ; true
            >=1.2.0 <2.0.0    ; 2.0.0       ; false
            >=1.2.0 <2.0.0    ; 1.1.9       ; false
            >=1.2.0 <2.0.0    ; 2.0.0-rc.1  ; false
            >= 1.2.0 < 2.0.0  ; 1.5.0       ; true
            >1.2.3            ; 1.2.4       ; true
            >1.2.3            ; 1.2.3       ; false
            >1.2              ; 1.2.9       ; false
            >1.2              ; 1.3.0       ; true
            >1                ; 2.0.0       ; true
            >1                ; 1.9.9       ; false
            <1.2              ; 1.1.9       ; true
            <1.2              ; 1.2.0       ; false
            <=1.2             ; 1.2.9       ; true
            <=1.2             ; 1.3.0       ; false
            <=1.2.3           ; 1.2.3       ; true
            1.2.3 - 2.3.4     ; 2.3.4       ; true
            1.2.3 - 2.3.4     ; 2.3.5       ; false
            1.2 - 2.3         ; 2.3.9       ; true
            1.2 - 2.3         ; 1.1.0       ; false
            ^1.0 || ^3.0      ; 3.1.0       ; true
            ^1.0 || ^3.0      ; 2.1.0       ; false
            >=1.2.3-rc.1      ; 1.2.3-rc.2  ; true
            >=1.2.3-rc.1      ; 1.2.3-rc.0  ; false
            >=1.2.3-rc.1      ; 1.2.4-rc.1  ; false
            >=1.2.3-rc.1      ; 1.2.4       ; true
            >=1.2.3-rc.1 <1.3 ; 1.2.3       ; true
            1.2.3-rc.1        ; 1.2.3-rc.1  ; true
            ~1.2.3-beta.2     ; 1.2.3-beta.4; true
            ~1.2.3-beta.2     ; 1.2.4-beta.2; false
            """)
    void matches(String range, String version, boolean expected) {
        SemVer v = SemVer.parse(version.trim()).orElseThrow();
        assertEquals(expected, VersionRange.parse(range.trim()).matches(v), range + " vs " + version);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            ''              | empty semver range
            '1.2.3 ||'      | has an empty alternative
            'latest'        | "latest" is not a version
            '>=1.2.x.4'     | is not a version
            'x.1'           | has a number after an x
            '1.2-rc.1'      | a pre-release needs a full version
            '1 - 2 - 3'     | more than one hyphen range
            '>='            | "" is not a version
            """)
    void rejects(String range, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> VersionRange.parse(range));
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }

    @Test
    void semverPrecedenceFollowsTheSpecExample() {
        // SemVer 2.0.0 §11: 1.0.0-alpha < 1.0.0-alpha.1 < 1.0.0-alpha.beta < 1.0.0-beta < 1.0.0-beta.2
        //                   < 1.0.0-beta.11 < 1.0.0-rc.1 < 1.0.0
        List<String> ordered = List.of("1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta",
                "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "1.0.1", "1.1.0", "2.0.0");
        List<SemVer> shuffled = new ArrayList<>(ordered.stream().map(s -> SemVer.parse(s).orElseThrow()).toList());
        Collections.shuffle(shuffled, new java.util.Random(7));
        Collections.sort(shuffled);
        assertEquals(ordered, shuffled.stream().map(SemVer::toString).toList());
    }

    @ParameterizedTest
    @CsvSource({"1.2", "01.2.3", "1.02.3", "1.2.3-01", "1.2.3-", "v", "release-1.2.3", "1.2.3.4", "1.2.3-rc..1"})
    void tagsThatAreNotSemanticVersions(String tag) {
        assertEquals(Optional.empty(), SemVer.parse(tag));
    }

    @Test
    void aHugeNumericPrereleaseDoesNotOverflow() {
        SemVer big = SemVer.parse("1.0.0-99999999999999999999999").orElseThrow();
        SemVer small = SemVer.parse("1.0.0-2").orElseThrow();
        assertTrue(big.compareTo(small) > 0);
    }
}
