package io.nkd.state;

import static io.nkd.state.StateTesting.CLOCK;
import static io.nkd.state.StateTesting.utf8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Names and paths that could leave the state directory, or that a store could not keep. */
class StatePathTest {
    @TempDir
    Path tmp;
    LocalStateStore store;
    ClusterState state;

    @BeforeEach
    void setUp() {
        store = new LocalStateStore(tmp.resolve("state"), CLOCK);
        state = store.open("demo");
    }

    @AfterEach
    void tearDown() throws IOException {
        state.close();
        // Nothing was written anywhere but inside the store.
        try (Stream<Path> all = Files.walk(tmp)) {
            List<Path> outside = all.filter(p -> !p.equals(tmp) && !p.startsWith(store.root())).toList();
            assertEquals(List.of(), outside);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"..", "../demo", "../../etc", "/etc", "/", "a/b", "demo/..", ".", ".hidden", "a\\b"})
    void clusterNamesThatAreNotASingleNameAreRejected(String name) {
        InvalidStatePathException e = assertThrows(InvalidStatePathException.class, () -> store.open(name));
        assertTrue(e.getMessage().startsWith("cluster name " + StateNames.quote(name) + " is not valid: a cluster"
                + " name is a single name, not a path, and may not leave the state directory; use a DNS-1123 label"),
                e.getMessage());
        assertThrows(InvalidStatePathException.class, () -> store.view(name));
        assertThrows(InvalidStatePathException.class, () -> store.lock(name));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "Demo", "-demo", "demo-", "de_mo", "de mo", "démo", "demo\n",
            "a234567890123456789012345678901234567890123456789012345678901234"})
    void clusterNamesThatAreNotDns1123LabelsAreRejected(String name) {
        InvalidStatePathException e = assertThrows(InvalidStatePathException.class, () -> store.view(name));
        assertTrue(e.getMessage().contains("use a DNS-1123 label: lowercase letters, digits and '-', starting and"
                + " ending with a letter or digit, at most 63 characters"), e.getMessage());
        assertTrue(!e.getMessage().contains("\n"), "control characters are escaped");
    }

    @Test
    void theReasonIsSpecific() {
        assertEquals("cluster name \"Demo\" is not valid: it has uppercase letters; use a DNS-1123 label: lowercase"
                + " letters, digits and '-', starting and ending with a letter or digit, at most 63 characters",
                assertThrows(InvalidStatePathException.class, () -> store.view("Demo")).getMessage());
        assertTrue(assertThrows(InvalidStatePathException.class, () -> store.view("-a")).getMessage()
                .contains(": it starts or ends with '-';"));
        assertTrue(assertThrows(InvalidStatePathException.class, () -> store.view("a_b")).getMessage()
                .contains(": it has characters other than lowercase letters, digits and '-';"));
        assertTrue(assertThrows(InvalidStatePathException.class, () -> store.view("a".repeat(64))).getMessage()
                .contains(": it is 64 characters long;"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"a", "demo2", "0", "a-b-1",
            "a23456789012345678901234567890123456789012345678901234567890123"})
    void dns1123LabelsAreAccepted(String name) {
        try (ClusterState s = store.open(name)) {
            s.write("x", utf8("1"), Sensitivity.PUBLIC);
        }
        assertTrue(store.listClusters().contains(name));
    }

    @Test
    void traversalMessagesSayWhy() {
        assertEquals("state path \"../other/pki/ca.key\" is not valid: '..' would leave the cluster's directory",
                assertThrows(InvalidStatePathException.class, () -> state.read("../other/pki/ca.key")).getMessage());
        assertEquals("state path \"/etc/passwd\" is not valid: it is absolute; paths are relative to the cluster's"
                        + " directory",
                assertThrows(InvalidStatePathException.class,
                        () -> state.write("/etc/passwd", utf8("x"), Sensitivity.PUBLIC)).getMessage());
        assertEquals("state path \"pki//ca.key\" is not valid: it has an empty segment (a leading, trailing or"
                        + " doubled '/')",
                assertThrows(InvalidStatePathException.class, () -> state.exists("pki//ca.key")).getMessage());
        assertEquals("state path \".lock\" is not valid: names starting with '.' are reserved for the store's lock"
                        + " and temporary files",
                assertThrows(InvalidStatePathException.class, () -> state.delete(".lock")).getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"..", "../x", "a/../../x", "a/..", "/etc/passwd", "/", "//x", "a//b", "a/", "./a",
            "a/./b", ".lock", "a/.tmp", "a\\..\\b", "a b", "a\u0000b", "ca.key\n", "C:x", "~/x", "$HOME"})
    void pathsThatCouldEscapeOrCannotBeKeptAreRejectedEverywhere(String path) {
        assertThrows(InvalidStatePathException.class, () -> state.write(path, utf8("x"), Sensitivity.SECRET));
        assertThrows(InvalidStatePathException.class, () -> state.writeJson(path, List.of(), Sensitivity.SECRET));
        assertThrows(InvalidStatePathException.class, () -> state.read(path));
        assertThrows(InvalidStatePathException.class, () -> state.readJson(path, Object.class));
        assertThrows(InvalidStatePathException.class, () -> state.delete(path));
        assertThrows(InvalidStatePathException.class, () -> state.exists(path));
        assertThrows(InvalidStatePathException.class, () -> state.list(path));
        assertThrows(InvalidStatePathException.class, () -> store.view("demo").read(path));
    }

    @Test
    void theEmptyPathIsTheClusterDirectoryForListAndExistsOnly() {
        assertEquals(List.of(), state.list(""));
        assertTrue(state.exists(""));
        assertEquals("state path \"\" is not valid: it is empty; name a file, e.g. \"pki/ca.crt\"",
                assertThrows(InvalidStatePathException.class, () -> state.read("")).getMessage());
        assertThrows(InvalidStatePathException.class, () -> state.write("", utf8("x"), Sensitivity.PUBLIC));
        assertThrows(InvalidStatePathException.class, () -> state.delete(""));
    }

    @Test
    void overlongPathsAreRejected() {
        String segment = "a".repeat(StateNames.MAX_SEGMENT);
        state.write(segment, utf8("x"), Sensitivity.PUBLIC);
        assertThrows(InvalidStatePathException.class, () -> state.write(segment + "a", utf8("x"), Sensitivity.PUBLIC));
        String deep = "a/".repeat(StateNames.MAX_PATH / 2) + "a";
        assertThrows(InvalidStatePathException.class, () -> state.read(deep));
    }

    @Test
    void filesAndDirectoriesCannotStandInForEachOther() {
        state.write("pki/ca.crt", utf8("x"), Sensitivity.PUBLIC);
        assertEquals("state path \"pki\" of cluster demo is a directory, not a file",
                assertThrows(InvalidStatePathException.class, () -> state.read("pki")).getMessage());
        assertThrows(InvalidStatePathException.class, () -> state.write("pki", utf8("x"), Sensitivity.PUBLIC));
        assertEquals("state path \"pki/ca.crt/x\" of cluster demo goes through pki/ca.crt, which is a file, not a"
                        + " directory",
                assertThrows(InvalidStatePathException.class,
                        () -> state.write("pki/ca.crt/x", utf8("x"), Sensitivity.PUBLIC)).getMessage());
        assertEquals("state path \"pki/ca.crt\" of cluster demo is a file, not a directory",
                assertThrows(InvalidStatePathException.class, () -> state.list("pki/ca.crt")).getMessage());
        assertTrue(state.read("pki/ca.crt/x").isEmpty());
    }
}
