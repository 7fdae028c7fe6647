package io.nkd.state;

import java.nio.file.Path;

/**
 * Run in a child JVM by {@link CrossProcessLockTest}: tries a cluster's lock once and prints
 * "ACQUIRED" or "REFUSED message".
 *
 * <p>Arguments: state directory, cluster.
 */
public final class LockProbeProcess {
    private LockProbeProcess() {
    }

    public static void main(String[] args) {
        LocalStateStore store = new LocalStateStore(Path.of(args[0]));
        try (ClusterLock lock = store.lock(args[1])) {
            System.out.println(lock.isValid() ? "ACQUIRED" : "INVALID");
        } catch (StateLockedException e) {
            System.out.println("REFUSED " + e.getMessage());
        }
        System.out.flush();
    }
}
