package io.nkd.butane;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SystemdEscapeTest {
    @ParameterizedTest
    @CsvSource({
        "/, -",
        "/var/lib/containers, var-lib-containers",
        "//var//lib/, var-lib",
        "/dev/disk/by-label/foo, dev-disk-by\\x2dlabel-foo",
        "/srv/.hidden, srv-.hidden",
        "/.hidden, \\x2ehidden",
        "/mnt/a b, mnt-a\\x20b",
    })
    void escapesLikeSystemdEscapePath(String path, String expected) {
        assertEquals(expected, SystemdEscape.path(path));
    }
}
