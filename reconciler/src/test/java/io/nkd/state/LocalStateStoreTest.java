package io.nkd.state;

import static io.nkd.state.StateTesting.CLOCK;
import static io.nkd.state.StateTesting.utf8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The store's reads, listings and deletes. */
class LocalStateStoreTest {
    @TempDir
    Path tmp;
    LocalStateStore store;

    @BeforeEach
    void setUp() {
        store = new LocalStateStore(tmp.resolve("state"), CLOCK);
    }

    @Test
    void layoutIsRootClustersName() {
        try (ClusterState state = store.open("demo")) {
            state.write("pki/ca.crt", utf8("CERT"), Sensitivity.PUBLIC);
        }
        assertTrue(Files.isRegularFile(store.root().resolve("clusters/demo/pki/ca.crt")));
        assertTrue(Files.isRegularFile(store.root().resolve("clusters/demo/.lock")));
    }

    @Test
    void listClustersShowsClusterDirectoriesOnlySorted() throws IOException {
        assertEquals(List.of(), store.listClusters());
        for (String name : List.of("zeta", "alpha", "m-1")) {
            store.open(name).close();
        }
        Files.writeString(store.root().resolve("clusters/README"), "not a cluster");
        Files.createDirectory(store.root().resolve("clusters/Not_A_Cluster"));
        Files.writeString(store.root().resolve("clusters/file-cluster"), "x");
        assertEquals(List.of("alpha", "m-1", "zeta"), store.listClusters());
    }

    @Test
    void viewsReadWithoutTheLockAndCreateNothing() {
        ClusterView view = store.view("fresh");
        assertEquals("fresh", view.cluster());
        assertEquals(Optional.empty(), view.read("status.json"));
        assertEquals(List.of(), view.list(""));
        assertFalse(view.exists(""));
        assertEquals(List.of(), store.listClusters());

        try (ClusterState state = store.open("fresh")) {
            state.write("status.json", utf8("{}"), Sensitivity.PUBLIC);
            // A view reads while the lock is held by a writer.
            assertArrayEquals(utf8("{}"), view.read("status.json").orElseThrow());
        }
    }

    @Test
    void listShowsNamesSortedWithSlashesOnDirectoriesAndHidesTheStoresFiles() throws IOException {
        try (ClusterState state = store.open("demo")) {
            state.write("status.json", utf8("{}"), Sensitivity.PUBLIC);
            state.write("pki/ca.key", utf8("k"), Sensitivity.SECRET);
            state.write("pki/ca.crt", utf8("c"), Sensitivity.PUBLIC);
            state.write("pki/etcd/ca.crt", utf8("c"), Sensitivity.PUBLIC);
            Files.writeString(store.root().resolve("clusters/demo/pki/with space"), "x");
            assertEquals(List.of("pki/", "status.json"), state.list(""));
            assertEquals(List.of("ca.crt", "ca.key", "etcd/"), state.list("pki"));
            assertEquals(List.of(), state.list("nodes"));
            assertTrue(state.exists("pki"));
            assertTrue(state.exists("pki/etcd/ca.crt"));
            assertFalse(state.exists("pki/etcd/ca.key"));
        }
    }

    @Test
    void deleteRemovesFilesAndSaysWhetherTheyExisted() {
        try (ClusterState state = store.open("demo")) {
            state.write("token", utf8("t"), Sensitivity.SECRET);
            assertTrue(state.delete("token"));
            assertFalse(state.delete("token"));
            assertFalse(state.exists("token"));
            assertFalse(state.delete("no/such/dir"));
        }
    }

    @Test
    void writesCreateAndReplace() {
        try (ClusterState state = store.open("demo")) {
            state.write("a/b/c", utf8("1"), Sensitivity.PUBLIC);
            state.write("a/b/c", utf8("22"), Sensitivity.PUBLIC);
            assertArrayEquals(utf8("22"), state.read("a/b/c").orElseThrow());
        }
        assertEquals(List.of("demo"), store.listClusters());
    }

    @Test
    void symlinkedRootIsResolved() throws IOException {
        Path link = Files.createSymbolicLink(tmp.resolve("link"), store.root());
        LocalStateStore viaLink = new LocalStateStore(link, CLOCK);
        assertEquals(store.root(), viaLink.root());
        try (ClusterState state = store.open("demo")) {
            // One lock whichever path the store was opened by.
            assertThrows(StateLockedException.class, () -> viaLink.open(state.cluster()));
        }
    }
}
