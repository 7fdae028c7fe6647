package io.nkd.state;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;

/**
 * Run in a child JVM by {@link CrashSafetyTest}: writes a file and dies (halt: no finally blocks, no
 * shutdown hooks, like a kill -9 or a power cut) just before the rename, leaving the complete temporary
 * file behind.
 *
 * <p>Arguments: state directory, cluster, path, new content.
 */
public final class CrashingWriterProcess {
    static final int EXIT_CODE = 77;

    private CrashingWriterProcess() {
    }

    public static void main(String[] args) {
        LocalStateStore store = new LocalStateStore(Path.of(args[0]), Clock.systemUTC(),
                (temp, target) -> Runtime.getRuntime().halt(EXIT_CODE));
        ClusterState state = store.open(args[1]);
        state.write(args[2], args[3].getBytes(StandardCharsets.UTF_8), Sensitivity.SECRET);
        System.exit(1); // not reached
    }
}
