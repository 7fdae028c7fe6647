package io.nkd.state;

import static io.nkd.state.StateTesting.CLOCK;
import static io.nkd.state.StateTesting.T0;
import static io.nkd.state.StateTesting.utf8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Locks within one JVM: the in-process guard in front of the operating system's lock. */
class ClusterLockTest {
    @TempDir
    Path tmp;
    LocalStateStore store;

    @BeforeEach
    void setUp() {
        store = new LocalStateStore(tmp.resolve("state"), CLOCK);
    }

    @Test
    void theHolderIsThisProcessStampedByTheInjectedClock() {
        try (ClusterLock lock = store.lock("demo")) {
            assertEquals("demo", lock.cluster());
            assertEquals(ProcessHandle.current().pid(), lock.holder().pid());
            assertEquals(T0, lock.holder().since());
            assertFalse(lock.holder().host().isBlank());
            assertTrue(lock.isValid());
        }
    }

    @Test
    void aSecondAttemptFailsFastEvenFromTheSameThread() {
        try (ClusterLock first = store.lock("demo")) {
            StateLockedException e = assertThrows(StateLockedException.class, () -> store.lock("demo"));
            assertEquals("cluster demo is already locked in this process (by thread '"
                    + Thread.currentThread().getName() + "' since " + T0 + "); close that ClusterState or"
                    + " ClusterLock first: cluster locks are not reentrant", e.getMessage());
            assertEquals(ProcessHandle.current().pid(), e.holder().orElseThrow().pid());
            assertThrows(StateLockedException.class, () -> store.open("demo"));
            assertTrue(first.isValid());
        }
        store.lock("demo").close();
    }

    @Test
    void anotherStoreOnTheSameDirectoryIsExcludedToo() {
        LocalStateStore second = new LocalStateStore(tmp.resolve("state"));
        try (ClusterState state = store.open("demo")) {
            assertThrows(StateLockedException.class, () -> second.open(state.cluster()));
        }
        try (ClusterState state = second.open("demo")) {
            assertThrows(StateLockedException.class, () -> store.lock(state.cluster()));
        }
    }

    @Test
    void clustersAreLockedIndependently() {
        try (ClusterLock a = store.lock("a"); ClusterLock b = store.lock("b")) {
            assertTrue(a.isValid() && b.isValid());
        }
    }

    @Test
    void waitingGetsTheLockWhenItIsReleased() throws Exception {
        ClusterLock first = store.lock("demo");
        CompletableFuture<Void> release = CompletableFuture.runAsync(() -> {
            sleep(200);
            first.close();
        });
        try (ClusterState state = store.open("demo", Duration.ofSeconds(30))) {
            state.write("x", utf8("1"), Sensitivity.PUBLIC);
        }
        release.get(10, TimeUnit.SECONDS);
    }

    @Test
    void waitingGivesUpAfterTheTimeout() {
        try (ClusterLock first = store.lock("demo")) {
            long start = System.nanoTime();
            StateLockedException e = assertThrows(StateLockedException.class,
                    () -> store.lock("demo", Duration.ofMillis(200)));
            assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(200));
            assertTrue(e.getMessage().endsWith("not reentrant (waited 200 ms)"), e.getMessage());
            // A zero wait is one attempt.
            assertThrows(StateLockedException.class, () -> store.lock("demo", Duration.ZERO));
            assertTrue(first.isValid());
        }
    }

    @Test
    void aWaitCanBeInterrupted() throws Exception {
        try (ClusterLock first = store.lock("demo")) {
            CompletableFuture<Throwable> outcome = new CompletableFuture<>();
            Thread waiter = new Thread(() -> {
                try {
                    store.lock("demo", Duration.ofMinutes(5)).close();
                    outcome.complete(null);
                } catch (Throwable t) {
                    outcome.complete(t);
                }
            });
            waiter.start();
            sleep(100);
            waiter.interrupt();
            assertTrue(outcome.get(10, TimeUnit.SECONDS) instanceof InterruptedException);
            assertTrue(first.isValid());
        }
    }

    @Test
    void manyThreadsRacingForOneClusterGetItOneAtATime() throws Exception {
        int threads = 16;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        int[] inside = new int[1];
        int[] maxInside = new int[1];
        try {
            List<Future<Boolean>> results = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                results.add(pool.submit(() -> {
                    start.await();
                    try (ClusterLock lock = store.lock("demo", Duration.ofSeconds(60))) {
                        assertTrue(lock.isValid());
                        synchronized (inside) {
                            maxInside[0] = Math.max(maxInside[0], ++inside[0]);
                        }
                        Thread.sleep(5);
                        synchronized (inside) {
                            inside[0]--;
                        }
                        return true;
                    }
                }));
            }
            start.countDown();
            for (Future<Boolean> r : results) {
                assertTrue(r.get(60, TimeUnit.SECONDS));
            }
            assertEquals(1, maxInside[0]);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aClosedHandleRefusesEveryCallAndReleasesTheLock() {
        ClusterState state = store.open("demo");
        state.write("status.json", utf8("{}"), Sensitivity.PUBLIC);
        state.close();
        state.close(); // harmless
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> state.write("status.json", utf8("{}"), Sensitivity.PUBLIC));
        assertEquals("the state handle of cluster demo is closed (its lock is released); open the cluster again",
                e.getMessage());
        assertThrows(IllegalStateException.class, () -> state.delete("status.json"));
        assertThrows(IllegalStateException.class, () -> state.read("status.json"));
        // Reads go through a view, which needs no lock.
        assertTrue(store.view("demo").exists("status.json"));
        store.open("demo").close();
    }

    @Test
    void invalidNamesAreRejectedBeforeAnythingIsLocked() {
        assertThrows(InvalidStatePathException.class, () -> store.lock("../demo"));
        assertThrows(InvalidStatePathException.class, () -> store.open("Demo"));
        assertThrows(IllegalArgumentException.class, () -> store.lock("demo", Duration.ofSeconds(-1)));
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
