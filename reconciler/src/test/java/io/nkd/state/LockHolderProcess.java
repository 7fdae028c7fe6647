package io.nkd.state;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;

/**
 * Run in a child JVM by {@link CrossProcessLockTest}: takes a cluster's lock, prints "LOCKED pid", then
 * holds it until killed or until its stdin closes (so it never outlives the test JVM).
 *
 * <p>Arguments: state directory, cluster, the instant its clock reports.
 */
public final class LockHolderProcess {
    private LockHolderProcess() {
    }

    public static void main(String[] args) throws Exception {
        Clock clock = Clock.fixed(Instant.parse(args[2]), ZoneOffset.UTC);
        LocalStateStore store = new LocalStateStore(Path.of(args[0]), clock);
        try (ClusterLock lock = store.lock(args[1])) {
            System.out.println("LOCKED " + lock.holder().pid());
            System.out.flush();
            while (System.in.read() != -1) {
                // hold
            }
        }
    }
}
