package io.nkd.state;

import static io.nkd.state.StateTesting.utf8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nkd.state.StateTesting.Child;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The lock between processes: a real second JVM holds it. */
class CrossProcessLockTest {
    @TempDir
    Path tmp;

    @Test
    void anotherProcessHoldsTheLockUntilItDies() throws Exception {
        Path root = tmp.resolve("state");
        LocalStateStore store = new LocalStateStore(root);
        Child child = Child.start(LockHolderProcess.class, root.toString(), "demo", "2026-11-22T10:00:00Z");
        try {
            assertEquals("LOCKED " + child.process().pid(), child.awaitLine(60));

            StateLockedException e = assertThrows(StateLockedException.class, () -> store.lock("demo"));
            assertTrue(e.getMessage().startsWith("cluster demo is locked by nkd pid " + child.process().pid()
                    + " on host "), e.getMessage());
            assertTrue(e.getMessage().contains(" since 2026-11-22T10:00:00Z; is another nkd running against this"
                    + " state directory (" + store.root() + ")?"), e.getMessage());
            assertEquals(child.process().pid(), e.holder().orElseThrow().pid());
            assertEquals("demo", e.cluster());

            // open() takes the same lock; a bounded wait gives up and says how long it waited.
            assertThrows(StateLockedException.class, () -> store.open("demo"));
            StateLockedException waited = assertThrows(StateLockedException.class,
                    () -> store.lock("demo", Duration.ofMillis(300)));
            assertTrue(waited.getMessage().endsWith("(waited 300 ms)"), waited.getMessage());

            // Other clusters are not affected.
            try (ClusterState other = store.open("other")) {
                other.write("x", utf8("1"), Sensitivity.PUBLIC);
            }
        } finally {
            child.kill();
        }
        // The operating system released the dead holder's lock: no stale lock to clean up by hand.
        try (ClusterState state = store.open("demo")) {
            state.write("status.json", utf8("{}"), Sensitivity.PUBLIC);
        }
    }

    /**
     * POSIX locks belong to the process, and closing any descriptor of the file drops them. A refused
     * second attempt in this JVM must therefore never open the lock file: a child still finds it locked.
     */
    @Test
    void aRefusedAttemptInThisProcessDoesNotDropTheLock() throws Exception {
        Path root = tmp.resolve("state");
        LocalStateStore store = new LocalStateStore(root);
        try (ClusterLock held = store.lock("demo")) {
            assertThrows(StateLockedException.class, () -> store.lock("demo"));
            assertThrows(StateLockedException.class, () -> new LocalStateStore(root).open("demo"));
            assertThrows(StateLockedException.class, () -> store.lock("demo", Duration.ofMillis(50)));

            Child probe = Child.start(LockProbeProcess.class, root.toString(), "demo");
            try {
                String line = probe.awaitLine(60);
                assertTrue(line.startsWith("REFUSED cluster demo is locked by nkd pid "
                        + ProcessHandle.current().pid() + " on host "), line);
                assertTrue(line.contains(" since " + held.holder().since() + ";"), line);
            } finally {
                probe.kill();
            }
        }
        // Released on close: the child gets it now.
        Child probe = Child.start(LockProbeProcess.class, root.toString(), "demo");
        try {
            assertEquals("ACQUIRED", probe.awaitLine(60));
        } finally {
            probe.kill();
        }
    }

    @Test
    void aWaitingLockGetsTheLockWhenTheHolderDies() throws Exception {
        Path root = tmp.resolve("state");
        LocalStateStore store = new LocalStateStore(root);
        Child child = Child.start(LockHolderProcess.class, root.toString(), "demo", "2026-11-22T10:00:00Z");
        try {
            child.awaitLine(60);
            CompletableFuture<ClusterLock> waiter = CompletableFuture.supplyAsync(() -> {
                try {
                    return store.lock("demo", Duration.ofSeconds(60));
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            Thread.sleep(300);
            assertTrue(!waiter.isDone(), "the lock was taken while the child held it");
            child.kill();
            try (ClusterLock lock = waiter.get(30, TimeUnit.SECONDS)) {
                assertTrue(lock.isValid());
            }
        } finally {
            child.kill();
        }
    }
}
