package io.nkd.state;

import static io.nkd.state.StateTesting.utf8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nkd.state.StateTesting.Child;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The state directory's lock: one daemon per state directory, refused at once and by name, never stale. */
class DirectoryLockTest {
    @TempDir
    Path tmp;

    @Test
    void aSecondDaemonIsRefusedNamingTheHolderAndTheLockDiesWithIt() throws Exception {
        Path root = tmp.resolve("state");
        LocalStateStore store = new LocalStateStore(root);
        Child child = Child.start(DirectoryLockHolderProcess.class, root.toString(), "2026-11-22T10:00:00Z",
                "nkd serve --repo /srv/clusters");
        try {
            assertEquals("LOCKED " + child.process().pid(), child.awaitLine(60));

            long started = System.nanoTime();
            StateLockedException e = assertThrows(StateLockedException.class, () -> store.lockDirectory("nkd serve"));
            assertTrue(System.nanoTime() - started < 2_000_000_000L, "refused at once, not after a wait");
            assertEquals("state directory " + store.root() + " is in use by nkd pid " + child.process().pid() + " on host "
                    + e.holder().orElseThrow().host() + " since 2026-11-22T10:00:00Z (nkd serve --repo /srv/clusters): only one"
                    + " nkd serve may use a state directory. Stop that one, or give this one another --state-dir. (Read-only"
                    + " commands such as nkd status and nkd history work while it runs.)", e.getMessage());
            assertEquals(child.process().pid(), e.holder().orElseThrow().pid());
            assertNull(e.cluster());

            // what read-only commands and cluster-scoped writers do keeps working while a daemon holds the directory
            try (ClusterState demo = store.open("demo")) {
                demo.write("status.json", utf8("{}"), Sensitivity.PUBLIC);
            }
            assertEquals(java.util.List.of("demo"), new LocalStateStore(root).listClusters());
            assertTrue(new LocalStateStore(root).view("demo").read("status.json").isPresent());
        } finally {
            child.kill();
        }
        // killed (as kill -9 would): its lock file stays, but the operating system released the lock
        assertTrue(Files.exists(root.resolve(LocalLocks.DIRECTORY_LOCK_FILE)));
        try (DirectoryLock lock = store.lockDirectory("nkd serve --repo /srv/clusters")) {
            assertTrue(lock.isValid());
            assertEquals("nkd serve --repo /srv/clusters", lock.holder().command());
            // a second handle in the same process is refused too, naming the thread
            StateLockedException again = assertThrows(StateLockedException.class, () -> store.lockDirectory("again"));
            assertTrue(again.getMessage().contains("is in use by this process (thread '"), again.getMessage());
        }
        try (DirectoryLock lock = store.lockDirectory("nkd serve")) {
            assertTrue(lock.isValid(), "closed locks are released");
        }
    }

    @Test
    void closingReleasesAndTheLockFileIsNotState() {
        Path root = tmp.resolve("state");
        LocalStateStore store = new LocalStateStore(root);
        DirectoryLock lock = store.lockDirectory("nkd serve");
        lock.close();
        assertFalse(lock.isValid());
        lock.close();
        assertEquals(java.util.List.of(), store.listClusters(), "the daemon's lock file is not a cluster");
    }
}
