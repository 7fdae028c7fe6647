package io.nkd.state;

import static io.nkd.state.StateTesting.utf8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A write that fails as a full disk does (ENOSPC after the temporary file got its bytes) keeps the old file,
 * leaves no temporary file behind, and says why; the next write after space is back succeeds.
 */
class DiskFullTest {
    @TempDir
    Path tmp;

    @Test
    void aFailedWriteLeavesTheOldFileAndNoTemporaryFile() throws Exception {
        AtomicBoolean full = new AtomicBoolean();
        LocalStateStore store = new LocalStateStore(tmp.resolve("state"), StateTesting.CLOCK, (temp, target) -> {
            if (full.get()) {
                throw new FileSystemException(temp.toString(), null, "No space left on device");
            }
        });
        try (ClusterState s = store.open("demo")) {
            s.write("sandbox/machines.json", utf8("old"), Sensitivity.SECRET);
            full.set(true);
            StateIOException e = assertThrows(StateIOException.class,
                    () -> s.write("sandbox/machines.json", new byte[16384], Sensitivity.SECRET));
            assertEquals("cannot write " + store.root().resolve("clusters/demo/sandbox/machines.json")
                    + ": No space left on device", e.getMessage());
            assertArrayEquals(utf8("old"), s.read("sandbox/machines.json").orElseThrow());
            try (Stream<Path> files = Files.list(store.root().resolve("clusters/demo/sandbox"))) {
                assertEquals(List.of("machines.json"), files.map(p -> p.getFileName().toString()).toList(),
                        "the 16 KB temporary file is gone");
            }
            full.set(false);
            s.write("sandbox/machines.json", utf8("new"), Sensitivity.SECRET);
            assertArrayEquals(utf8("new"), s.read("sandbox/machines.json").orElseThrow());
        }
    }
}
