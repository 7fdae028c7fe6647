package io.nkd.state;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;

/**
 * Run in a child JVM by {@link DirectoryLockTest}: takes the state directory's lock as a daemon would, prints
 * "LOCKED pid", then holds it until killed or until its stdin closes.
 *
 * <p>Arguments: state directory, the instant its clock reports, the command to record.
 */
public final class DirectoryLockHolderProcess {
    private DirectoryLockHolderProcess() {
    }

    public static void main(String[] args) throws Exception {
        Clock clock = Clock.fixed(Instant.parse(args[1]), ZoneOffset.UTC);
        LocalStateStore store = new LocalStateStore(Path.of(args[0]), clock);
        try (DirectoryLock lock = store.lockDirectory(args[2])) {
            System.out.println("LOCKED " + lock.holder().pid());
            System.out.flush();
            while (System.in.read() != -1) {
                // hold
            }
        }
    }
}
