package io.nkd.state;

import java.nio.file.Path;

/**
 * A daemon's exclusive use of a state directory ({@link LocalStateStore#lockDirectory}), held for the daemon's
 * whole life. An operating-system lock: it dies with its process, so a crashed daemon never blocks the next
 * one, and the lock file it leaves behind is only a record of who held it last.
 */
public final class DirectoryLock implements AutoCloseable {
    private final Path directory;
    private final ClusterLock lock;

    DirectoryLock(Path directory, ClusterLock lock) {
        this.directory = directory;
        this.lock = lock;
    }

    /** This process's entry in the lock file. */
    public LockHolder holder() {
        return lock.holder();
    }

    /** False once closed, or if the operating system no longer holds the lock. */
    public boolean isValid() {
        return lock.isValid();
    }

    @Override
    public void close() {
        lock.close();
    }

    @Override
    public String toString() {
        return "lock of state directory " + directory + " held by " + lock.holder();
    }
}
