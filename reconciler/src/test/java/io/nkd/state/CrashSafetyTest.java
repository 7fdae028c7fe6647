package io.nkd.state;

import static io.nkd.state.StateTesting.CLOCK;
import static io.nkd.state.StateTesting.utf8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nkd.state.StateTesting.Child;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Atomic replacement: crashes leave the old or the new file, concurrent writers never mix. */
class CrashSafetyTest {
    record Status(String revision) {
    }

    @TempDir
    Path tmp;

    @Test
    void leftoversOfACrashAreIgnoredByReadsAndRemovedOnOpen() throws IOException {
        LocalStateStore store = new LocalStateStore(tmp.resolve("state"), CLOCK);
        try (ClusterState state = store.open("demo")) {
            state.writeJson("status.json", new Status("good"), Sensitivity.PUBLIC);
            state.write("nodes/a", utf8("a"), Sensitivity.PUBLIC);
        }
        // What a crash leaves: a half-written temporary file beside the good one, a directory caught in
        // the middle of its deletion, a temporary file deeper down.
        Path demo = store.root().resolve("clusters/demo");
        Files.writeString(demo.resolve(".status.json.tmp-0123456789abcdef"), "{\"revision\": \"ne");
        Files.createDirectories(demo.resolve(".old.del-00000000000000ff/x"));
        Files.writeString(demo.resolve(".old.del-00000000000000ff/x/y"), "y");
        Files.writeString(demo.resolve("nodes/.a.tmp-fedcba9876543210"), "");

        ClusterView view = store.view("demo");
        assertEquals(Optional.of(new Status("good")), view.readJson("status.json", Status.class));
        assertEquals(List.of("nodes/", "status.json"), view.list(""));
        assertEquals(List.of("a"), view.list("nodes"));

        // A restarted nkd opens the cluster: the leftovers go, the good files stay.
        LocalStateStore restarted = new LocalStateStore(store.root(), CLOCK);
        try (ClusterState state = restarted.open("demo")) {
            assertEquals(Optional.of(new Status("good")), state.readJson("status.json", Status.class));
        }
        assertEquals(List.of(".lock", "nodes", "status.json"), names(demo));
        assertEquals(List.of("a"), names(demo.resolve("nodes")));
    }

    /** A real crash: a child JVM halts between the complete temporary file and the rename. */
    @Test
    void aWriterKilledBeforeTheRenameLeavesTheOldFile() throws Exception {
        LocalStateStore store = new LocalStateStore(tmp.resolve("state"), CLOCK);
        try (ClusterState state = store.open("demo")) {
            state.write("token", utf8("old"), Sensitivity.SECRET);
        }
        Child child = Child.start(CrashingWriterProcess.class, store.root().toString(), "demo", "token", "new");
        try {
            assertTrue(child.process().waitFor(60, TimeUnit.SECONDS));
            assertEquals(CrashingWriterProcess.EXIT_CODE, child.process().exitValue());
        } finally {
            child.kill();
        }
        Path demo = store.root().resolve("clusters/demo");
        List<String> after = names(demo);
        assertEquals(3, after.size(), after.toString());
        assertEquals(List.of(".lock", "token"), List.of(after.get(0), after.get(2)));
        String temp = after.get(1);
        assertTrue(temp.matches("\\.token\\.tmp-[0-9a-f]{16}"), temp);
        assertEquals("rw-------", StateTesting.mode(demo.resolve(temp)));
        assertArrayEquals(utf8("new"), Files.readAllBytes(demo.resolve(temp)), "complete, only not renamed");
        assertArrayEquals(utf8("old"), store.view("demo").read("token").orElseThrow());

        try (ClusterState state = store.open("demo")) {
            assertArrayEquals(utf8("old"), state.read("token").orElseThrow());
        }
        assertEquals(List.of(".lock", "token"), names(demo));
    }

    @Test
    void aFailedWriteLeavesTheOldFileAndNoTemporaryFile() throws IOException {
        AtomicBoolean fail = new AtomicBoolean();
        LocalStateStore store = new LocalStateStore(tmp.resolve("state"), CLOCK, (temp, target) -> {
            if (fail.get()) {
                throw new IOException("disk on fire");
            }
        });
        try (ClusterState state = store.open("demo")) {
            state.write("token", utf8("old"), Sensitivity.SECRET);
            fail.set(true);
            StateIOException e = assertThrows(StateIOException.class,
                    () -> state.write("token", utf8("new"), Sensitivity.SECRET));
            assertEquals("cannot write " + store.root().resolve("clusters/demo/token") + ": disk on fire",
                    e.getMessage());
            assertArrayEquals(utf8("old"), state.read("token").orElseThrow());
        }
        assertEquals(List.of(".lock", "token"), names(store.root().resolve("clusters/demo")));
    }

    @Test
    void concurrentWritersOfOneFileNeverProduceAMixedFile() throws Exception {
        LocalStateStore store = new LocalStateStore(tmp.resolve("state"), CLOCK);
        int writers = 8;
        int writesEach = 40;
        int size = 256 * 1024; // several write() calls' worth, so a torn file would show
        try (ClusterState state = store.open("demo")) {
            state.write("blob", filled((byte) 'A', size), Sensitivity.SECRET);
            ExecutorService pool = Executors.newFixedThreadPool(writers + 1);
            CountDownLatch start = new CountDownLatch(1);
            AtomicBoolean done = new AtomicBoolean();
            try {
                List<Future<?>> futures = new ArrayList<>();
                for (int w = 0; w < writers; w++) {
                    byte[] content = filled((byte) ('B' + w), size);
                    futures.add(pool.submit(() -> {
                        start.await();
                        for (int i = 0; i < writesEach; i++) {
                            state.write("blob", content, Sensitivity.SECRET);
                        }
                        return null;
                    }));
                }
                Future<Integer> reader = pool.submit(() -> {
                    start.await();
                    int reads = 0;
                    while (!done.get()) {
                        assertUniform(store.view("demo").read("blob").orElseThrow(), size);
                        reads++;
                    }
                    return reads;
                });
                start.countDown();
                for (Future<?> f : futures) {
                    f.get(120, TimeUnit.SECONDS);
                }
                done.set(true);
                assertTrue(reader.get(60, TimeUnit.SECONDS) > 0);
            } finally {
                pool.shutdownNow();
            }
            assertUniform(state.read("blob").orElseThrow(), size);
        }
        assertEquals(List.of(".lock", "blob"), names(store.root().resolve("clusters/demo")));
    }

    private static byte[] filled(byte b, int size) {
        byte[] bytes = new byte[size];
        Arrays.fill(bytes, b);
        return bytes;
    }

    private static void assertUniform(byte[] bytes, int size) {
        assertEquals(size, bytes.length);
        for (byte b : bytes) {
            if (b != bytes[0]) {
                throw new AssertionError("mixed file: starts with " + (char) bytes[0] + ", contains " + (char) b);
            }
        }
    }

    /** The directory's entries, without the store's list of secrets (it has its own test in PermissionsTest). */
    static List<String> names(Path dir) throws IOException {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.map(p -> p.getFileName().toString()).filter(n -> !n.equals(SecretModes.FILE)).sorted().toList();
        }
    }

    @Test
    void deletingADirectoryIsAllOrNothing() throws IOException {
        LocalStateStore store = new LocalStateStore(tmp.resolve("state"), CLOCK);
        try (ClusterState state = store.open("demo")) {
            state.write("nodes/a/token", utf8("a"), Sensitivity.SECRET);
            state.write("nodes/b/token", utf8("b"), Sensitivity.SECRET);
            assertTrue(state.delete("nodes"));
            assertFalse(state.exists("nodes"));
            assertFalse(state.delete("nodes"));
            assertEquals(List.of(), state.list(""));
        }
        assertEquals(List.of(".lock"), names(store.root().resolve("clusters/demo")));
        assertFalse(new String(Files.readAllBytes(store.root().resolve("clusters/demo/.lock")),
                StandardCharsets.UTF_8).contains("pid"), "the lock file is emptied on release");
    }
}
