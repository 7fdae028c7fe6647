package io.nkd.state;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link StateStore} shares, run against each implementation (the local directory, the Kubernetes
 * namespace): a subclass says how to make a store and a second store on the same location (another process's view).
 */
public abstract class StateStoreContract {
    /** A store on this test's location (the same location for every call within one test). */
    protected abstract StateStore store();

    /** Another store on the same location, as a second nkd process would open it. */
    protected abstract StateStore secondStore();

    /** Waits until {@code store} sees what another store wrote (the local store: at once). */
    protected void awaitVisible(StateStore store, String cluster, String path) throws InterruptedException {
    }

    public record Status(String revision, int attempts, Instant appliedAt) {
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void writesCreateAndReplaceAndReadBackByteForByte() {
        byte[] binary = new byte[512];
        for (int i = 0; i < binary.length; i++) {
            binary[i] = (byte) i;
        }
        try (ClusterState state = store().open("demo")) {
            state.write("a/b/c", utf8("1"), Sensitivity.PUBLIC);
            state.write("a/b/c", utf8("22"), Sensitivity.PUBLIC);
            state.write("bin/blob", binary, Sensitivity.PUBLIC);
            state.write("bin/key", binary, Sensitivity.SECRET);
            state.write("empty", new byte[0], Sensitivity.PUBLIC);
            state.write("text", utf8("zwölf\r\nlines\u0000\n"), Sensitivity.SECRET);
            assertArrayEquals(utf8("22"), state.read("a/b/c").orElseThrow());
            assertArrayEquals(binary, state.read("bin/blob").orElseThrow());
        }
        ClusterView view = store().view("demo");
        assertArrayEquals(binary, view.read("bin/blob").orElseThrow());
        assertArrayEquals(binary, view.read("bin/key").orElseThrow());
        assertArrayEquals(new byte[0], view.read("empty").orElseThrow());
        assertArrayEquals(utf8("zwölf\r\nlines\u0000\n"), view.read("text").orElseThrow());
        assertEquals(List.of("demo"), store().listClusters());
    }

    @Test
    void listClustersShowsClustersWithStateSorted() {
        assertEquals(List.of(), store().listClusters());
        for (String name : List.of("zeta", "alpha", "m-1")) {
            try (ClusterState state = store().open(name)) {
                state.write("status.json", utf8("{}"), Sensitivity.PUBLIC);
            }
        }
        assertEquals(List.of("alpha", "m-1", "zeta"), store().listClusters());
    }

    @Test
    void viewsReadWithoutTheLockAndCreateNothing() {
        ClusterView view = store().view("fresh");
        assertEquals("fresh", view.cluster());
        assertEquals(Optional.empty(), view.read("status.json"));
        assertEquals(List.of(), view.list(""));
        assertFalse(view.exists(""));
        assertEquals(List.of(), store().listClusters());
        try (ClusterState state = store().open("fresh")) {
            state.write("status.json", utf8("{}"), Sensitivity.PUBLIC);
            assertArrayEquals(utf8("{}"), view.read("status.json").orElseThrow());
            assertTrue(view.exists(""));
        }
    }

    @Test
    void listShowsNamesSortedWithSlashesOnDirectories() {
        try (ClusterState state = store().open("demo")) {
            state.write("status.json", utf8("{}"), Sensitivity.PUBLIC);
            state.write("pki/ca.key", utf8("k"), Sensitivity.SECRET);
            state.write("pki/ca.crt", utf8("c"), Sensitivity.PUBLIC);
            state.write("pki/etcd/ca.crt", utf8("c"), Sensitivity.PUBLIC);
            assertEquals(List.of("pki/", "status.json"), state.list(""));
            assertEquals(List.of("ca.crt", "ca.key", "etcd/"), state.list("pki"));
            assertEquals(List.of(), state.list("nodes"));
            assertTrue(state.exists("pki"));
            assertTrue(state.exists("pki/etcd/ca.crt"));
            assertFalse(state.exists("pki/etcd/ca.key"));
        }
    }

    @Test
    void deleteRemovesFilesAndDirectoriesAndSaysWhetherTheyExisted() {
        try (ClusterState state = store().open("demo")) {
            state.write("token", utf8("t"), Sensitivity.SECRET);
            state.write("dir/a", utf8("a"), Sensitivity.PUBLIC);
            state.write("dir/sub/b", utf8("b"), Sensitivity.SECRET);
            state.write("keep", utf8("k"), Sensitivity.PUBLIC);
            assertTrue(state.delete("token"));
            assertFalse(state.delete("token"));
            assertFalse(state.exists("token"));
            assertFalse(state.delete("no/such/dir"));
            assertTrue(state.delete("dir"));
            assertFalse(state.exists("dir/sub/b"));
            assertEquals(Optional.empty(), state.read("dir/a"));
            assertEquals(List.of("keep"), state.list(""));
        }
    }

    @Test
    void aFileKeepsItsContentWhenItsSensitivityChanges() {
        try (ClusterState state = store().open("demo")) {
            assertEquals(Optional.empty(), state.sensitivity("f"));
            state.write("f", utf8("public"), Sensitivity.PUBLIC);
            assertEquals(Optional.of(Sensitivity.PUBLIC), state.sensitivity("f"));
            state.write("f", utf8("secret"), Sensitivity.SECRET);
            assertArrayEquals(utf8("secret"), state.read("f").orElseThrow());
            assertEquals(Optional.of(Sensitivity.SECRET), state.sensitivity("f"));
            assertEquals(Optional.of(Sensitivity.SECRET), store().view("demo").sensitivity("f"));
            state.write("f", utf8("public again"), Sensitivity.PUBLIC);
            assertArrayEquals(utf8("public again"), state.read("f").orElseThrow());
            assertEquals(Optional.of(Sensitivity.PUBLIC), store().view("demo").sensitivity("f"));
            assertEquals(List.of("f"), state.list(""));
        }
    }

    @Test
    void versionsChangeWithEveryWriteAndOnlyThen() {
        try (ClusterState state = store().open("demo")) {
            assertEquals(Optional.empty(), state.version("tokens.json"));
            state.write("tokens.json", utf8("[1]"), Sensitivity.SECRET);
            Object v1 = state.version("tokens.json").orElseThrow();
            assertEquals(v1, state.version("tokens.json").orElseThrow());
            state.write("tokens.json", utf8("[2]"), Sensitivity.SECRET);
            assertNotEquals(v1, state.version("tokens.json").orElseThrow());
        }
    }

    @Test
    void recordsRoundTripAsJson() {
        Status status = new Status("abc123", 3, Instant.parse("2026-11-22T10:00:00Z"));
        try (ClusterState state = store().open("demo")) {
            state.writeJson("status.json", status, Sensitivity.PUBLIC);
        }
        assertEquals(Optional.of(status), store().view("demo").readJson("status.json", Status.class));
        assertEquals(Optional.empty(), store().view("demo").readJson("missing.json", Status.class));
    }

    @Test
    void corruptJsonNamesTheFileAndThePlaceButNeverTheContent() {
        try (ClusterState state = store().open("demo")) {
            state.write("status.json", utf8("{\"revision\": \"hunter2-secret\", oops}"), Sensitivity.SECRET);
        }
        CorruptStateException e = assertThrows(CorruptStateException.class,
                () -> store().view("demo").readJson("status.json", Status.class, Recovery.REGENERATED));
        assertFalse(e.getMessage().contains("hunter2"), e.getMessage());
        assertTrue(e.getMessage().contains("status.json"), e.getMessage());
        assertTrue(e.problem().startsWith("not valid JSON at line 1 column"), e.problem());
        assertTrue(e.getMessage().endsWith("nkd will regenerate it on the next reconcile."), e.getMessage());
    }

    @Test
    void filesAndDirectoriesCannotStandInForEachOther() {
        try (ClusterState state = store().open("demo")) {
            state.write("pki/ca.crt", utf8("c"), Sensitivity.PUBLIC);
            assertEquals("state path \"pki\" of cluster demo is a directory, not a file",
                    assertThrows(InvalidStatePathException.class, () -> state.read("pki")).getMessage());
            assertThrows(InvalidStatePathException.class, () -> state.write("pki", utf8("x"), Sensitivity.PUBLIC));
            assertThrows(InvalidStatePathException.class,
                    () -> state.write("pki/ca.crt/x", utf8("x"), Sensitivity.PUBLIC));
            assertEquals("state path \"pki/ca.crt\" of cluster demo is a file, not a directory",
                    assertThrows(InvalidStatePathException.class, () -> state.list("pki/ca.crt")).getMessage());
        }
    }

    @Test
    void invalidNamesAndPathsAreRejectedBeforeAnythingIsLocked() {
        assertThrows(InvalidStatePathException.class, () -> store().lock("../demo"));
        assertThrows(InvalidStatePathException.class, () -> store().open("Demo"));
        assertThrows(IllegalArgumentException.class, () -> store().lock("demo", Duration.ofSeconds(-1)));
        try (ClusterState state = store().open("demo")) {
            for (String path : List.of("../other/pki/ca.key", "/etc/passwd", "a//b", ".lock", "a b", "x/./y")) {
                assertThrows(InvalidStatePathException.class, () -> state.write(path, utf8("x"), Sensitivity.SECRET));
                assertThrows(InvalidStatePathException.class, () -> state.read(path));
                assertThrows(InvalidStatePathException.class, () -> store().view("demo").read(path));
            }
        }
    }

    @Test
    void aSecondAttemptFailsFastNamingTheHolderEvenFromTheSameThread() {
        try (ClusterLock first = store().lock("demo")) {
            StateLockedException e = assertThrows(StateLockedException.class, () -> store().lock("demo"));
            assertTrue(e.getMessage().startsWith("cluster demo is already locked in this process"), e.getMessage());
            assertTrue(e.getMessage().endsWith("cluster locks are not reentrant"), e.getMessage());
            assertEquals(ProcessHandle.current().pid(), e.holder().orElseThrow().pid());
            assertEquals("demo", e.cluster());
            assertThrows(StateLockedException.class, () -> store().open("demo"));
            assertTrue(first.isValid());
            assertEquals(ProcessHandle.current().pid(), first.holder().pid());
        }
        store().lock("demo").close();
    }

    @Test
    void anotherStoreOnTheSameLocationIsExcludedAndSeesTheWrites() throws Exception {
        StateStore second = secondStore();
        try (ClusterState state = store().open("demo")) {
            state.write("from-first", utf8("1"), Sensitivity.PUBLIC);
            assertThrows(StateLockedException.class, () -> second.open(state.cluster()));
        }
        try (ClusterState state = second.open("demo")) {
            assertArrayEquals(utf8("1"), state.read("from-first").orElseThrow());
            state.write("from-second", utf8("2"), Sensitivity.SECRET);
            assertThrows(StateLockedException.class, () -> store().lock(state.cluster()));
        }
        awaitVisible(store(), "demo", "from-second");
        assertArrayEquals(utf8("2"), store().view("demo").read("from-second").orElseThrow());
    }

    @Test
    void clustersAreLockedIndependently() {
        try (ClusterLock a = store().lock("a"); ClusterLock b = store().lock("b")) {
            assertTrue(a.isValid() && b.isValid());
        }
    }

    @Test
    void waitingGetsTheLockWhenItIsReleasedAndGivesUpAfterTheTimeout() throws Exception {
        ClusterLock first = store().lock("demo");
        long start = System.nanoTime();
        StateLockedException e = assertThrows(StateLockedException.class,
                () -> store().lock("demo", Duration.ofMillis(300)));
        assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(300));
        assertTrue(e.getMessage().endsWith("(waited 300 ms)"), e.getMessage());
        CompletableFuture<Void> release = CompletableFuture.runAsync(() -> {
            try {
                Thread.sleep(300);
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            }
            first.close();
        });
        try (ClusterState state = store().open("demo", Duration.ofSeconds(30))) {
            state.write("x", utf8("1"), Sensitivity.PUBLIC);
        }
        release.get(10, TimeUnit.SECONDS);
    }

    @Test
    void aClosedHandleRefusesEveryCallAndReleasesTheLock() {
        ClusterState state = store().open("demo");
        state.write("status.json", utf8("{}"), Sensitivity.PUBLIC);
        state.close();
        state.close(); // harmless
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> state.write("status.json", utf8("{}"), Sensitivity.PUBLIC));
        assertEquals("the state handle of cluster demo is closed (its lock is released); open the cluster again",
                e.getMessage());
        assertThrows(IllegalStateException.class, () -> state.delete("status.json"));
        assertThrows(IllegalStateException.class, () -> state.read("status.json"));
        assertTrue(store().view("demo").exists("status.json"));
        store().open("demo").close();
    }

    /**
     * Read-modify-write under the lock from several stores (processes) at once: every increment survives. A store
     * that read a stale copy, or wrote over another's version, would lose some.
     */
    @Test
    void concurrentReadModifyWritesFromSeveralStoresLoseNothing() throws Exception {
        List<StateStore> stores = List.of(store(), secondStore(), secondStore());
        int rounds = 8;
        ExecutorService pool = Executors.newFixedThreadPool(stores.size());
        try {
            List<Future<?>> done = new ArrayList<>();
            for (StateStore s : stores) {
                done.add(pool.submit(() -> {
                    for (int i = 0; i < rounds; i++) {
                        try (ClusterState state = s.open("counter", Duration.ofSeconds(60))) {
                            int n = state.read("n").map(b -> Integer.parseInt(new String(b, StandardCharsets.UTF_8)))
                                    .orElse(0);
                            state.write("n", utf8(Integer.toString(n + 1)), Sensitivity.PUBLIC);
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(120, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        try (ClusterState state = store().open("counter")) {
            assertEquals(Integer.toString(stores.size() * rounds),
                    new String(state.read("n").orElseThrow(), StandardCharsets.UTF_8));
        }
    }
}
