package io.nkd.state;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.EnumSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cluster locks of the local store: an operating-system lock ({@link FileChannel#tryLock}) on
 * {@code clusters/<name>/.lock} excludes other processes and dies with its holder, so a crashed nkd
 * never leaves a stale lock. Such locks belong to the whole JVM, so a JVM-wide map excludes other
 * handles in this process; it is consulted first, which also keeps this JVM from ever opening a lock
 * file it already holds (closing any descriptor of a file drops the JVM's POSIX locks on it).
 *
 * <p>The lock file is never deleted: deleting it would let two processes lock two different files of
 * the same name. Its content (holder's pid, host, start time) is for diagnostics only.
 */
final class LocalLocks {
    private static final Logger log = LoggerFactory.getLogger(LocalLocks.class);
    private static final String LOCK_FILE = ".lock";
    /** The state directory's own lock, held by a daemon for its whole life. */
    static final String DIRECTORY_LOCK_FILE = ".nkd-serve.lock";
    private static final int MAX_HOLDER_BYTES = 4096;
    private static final long MAX_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(250);

    /** Locks held in this JVM, by lock file (real path), whichever store instance took them. */
    private static final ConcurrentHashMap<Path, Held> HELD = new ConcurrentHashMap<>();

    private record Held(LockHolder holder, String thread) {
    }

    /** The outcome of one attempt. */
    private sealed interface Attempt permits Acquired, Refused {
    }

    private record Acquired(ClusterLock lock) implements Attempt {
    }

    /** {@code holder} is null when another process holds the lock but its file does not say who. */
    private record Refused(LockHolder holder, String inProcessThread) implements Attempt {
    }

    private final Path root;
    private final Clock clock;

    LocalLocks(Path root, Clock clock) {
        this.root = root;
        this.clock = clock;
    }

    /**
     * The lock of the whole state directory, for a daemon: refused at once if another process (or another
     * handle in this one) holds it. Cluster locks are separate, so read-only commands and cluster-scoped
     * writers (nkd import) keep working while a daemon runs.
     */
    DirectoryLock lockDirectory(String command) {
        Attempt attempt = attempt("the state directory", root.resolve(DIRECTORY_LOCK_FILE), command);
        if (attempt instanceof Acquired acquired) {
            return new DirectoryLock(root, acquired.lock());
        }
        Refused refused = (Refused) attempt;
        String who;
        if (refused.inProcessThread() != null) {
            who = "this process (thread '" + refused.inProcessThread() + "' since " + refused.holder().since() + ")";
        } else if (refused.holder() != null) {
            who = refused.holder().toString();
        } else {
            who = "another process (its lock file does not name it yet)";
        }
        return throwInUse(who, refused.holder());
    }

    private DirectoryLock throwInUse(String who, LockHolder holder) {
        throw new StateLockedException(null, holder, "state directory " + root + " is in use by " + who
                + ": only one nkd serve may use a state directory. Stop that one, or give this one another"
                + " --state-dir. (Read-only commands such as nkd status and nkd history work while it runs.)");
    }

    ClusterLock lock(String cluster, Path clusterDir) {
        Attempt attempt = attempt(cluster, clusterDir);
        if (attempt instanceof Acquired acquired) {
            return acquired.lock();
        }
        throw locked(cluster, (Refused) attempt, null);
    }

    ClusterLock lock(String cluster, Path clusterDir, Duration wait) throws InterruptedException {
        long deadline = System.nanoTime() + wait.toNanos();
        long pause = TimeUnit.MILLISECONDS.toNanos(10);
        while (true) {
            Attempt attempt = attempt(cluster, clusterDir);
            if (attempt instanceof Acquired acquired) {
                return acquired.lock();
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw locked(cluster, (Refused) attempt, wait);
            }
            // Polling: neither an OS lock held by another process nor this map can notify a waiter.
            TimeUnit.NANOSECONDS.sleep(Math.min(pause, left));
            pause = Math.min(pause * 2, MAX_PAUSE_NANOS);
        }
    }

    private Attempt attempt(String cluster, Path clusterDir) {
        try {
            AtomicFiles.createPrivateDirectory(clusterDir);
        } catch (IOException e) {
            throw new StateIOException("cannot create the state directory of cluster " + cluster + " ("
                    + clusterDir + ")", e);
        }
        return attempt(cluster, clusterDir.resolve(LOCK_FILE), null);
    }

    /** One try at {@code lockFile}; {@code subject} names what it guards in messages ("demo", "the state directory"). */
    private Attempt attempt(String cluster, Path lockFile, String command) {
        Held mine = new Held(new LockHolder(ProcessHandle.current().pid(), Host.NAME, clock.instant(), command),
                Thread.currentThread().getName());
        Held other = HELD.putIfAbsent(lockFile, mine);
        if (other != null) {
            return new Refused(other.holder(), other.thread());
        }
        FileChannel channel = null;
        try {
            channel = FileChannel.open(lockFile, EnumSet.of(StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE), PosixFilePermissions.asFileAttribute(Sensitivity.PUBLIC.permissions()));
            // No OverlappingFileLockException here: the map admits one attempt per lock file at a time, and
            // the store's API cannot name a lock file, so nothing else in this JVM locks it.
            FileLock fileLock = channel.tryLock();
            if (fileLock == null) {
                // Safe to read and close: the map guarantees this JVM holds no lock on this file.
                LockHolder holder = readHolder(channel, lockFile);
                channel.close();
                HELD.remove(lockFile, mine);
                return new Refused(holder, null);
            }
            recordHolder(channel, lockFile, mine.holder());
            log.debug("locked cluster {} ({})", cluster, lockFile);
            return new Acquired(new LocalClusterLock(cluster, mine, lockFile, channel, fileLock));
        } catch (IOException | RuntimeException e) {
            closeQuietly(channel);
            HELD.remove(lockFile, mine);
            if (e instanceof IOException io) {
                throw new StateIOException("cannot lock cluster " + cluster + " (" + lockFile + ")", io);
            }
            throw (RuntimeException) e;
        }
    }

    /**
     * Writes who holds the lock into its file. Diagnostics only: on a full disk the lock is held all the same
     * (failing it would stop every reconcile over a note), and others read "does not name it".
     */
    private static void recordHolder(FileChannel channel, Path lockFile, LockHolder holder) {
        try {
            channel.truncate(0);
            ByteBuffer bytes = ByteBuffer.wrap(JsonCodec.write(holder));
            while (bytes.hasRemaining()) {
                channel.write(bytes, bytes.position());
            }
            channel.force(false);
        } catch (IOException e) {
            log.warn("holding the lock {} without recording its holder in it: {}", lockFile, StateIOException.reason(e));
            try {
                channel.truncate(0);
            } catch (IOException ignored) {
                // an empty or partial holder reads as "does not name it"
            }
        }
    }

    /** Who the lock file names, or null: the holder may be between taking the lock and writing it. */
    private static LockHolder readHolder(FileChannel channel, Path lockFile) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(MAX_HOLDER_BYTES);
        while (buffer.hasRemaining() && channel.read(buffer, buffer.position()) > 0) {
            // keep reading
        }
        byte[] bytes = new byte[buffer.position()];
        buffer.flip().get(bytes);
        try {
            return JsonCodec.read(bytes, LockHolder.class, lockFile, Recovery.UNSPECIFIED);
        } catch (CorruptStateException e) {
            return null;
        }
    }

    private StateLockedException locked(String cluster, Refused refused, Duration waited) {
        String message;
        if (refused.inProcessThread() != null) {
            message = "cluster " + cluster + " is already locked in this process (by thread '"
                    + refused.inProcessThread() + "' since " + refused.holder().since() + "); close that"
                    + " ClusterState or ClusterLock first: cluster locks are not reentrant";
        } else if (refused.holder() != null) {
            message = "cluster " + cluster + " is locked by " + refused.holder()
                    + "; is another nkd running against this state directory (" + root + ")?";
        } else {
            message = "cluster " + cluster + " is locked by another process (its lock file does not name it"
                    + " yet); is another nkd running against this state directory (" + root + ")?";
        }
        if (waited != null) {
            message += " (waited " + humane(waited) + ")";
        }
        return new StateLockedException(cluster, refused.holder(), message);
    }

    private static String humane(Duration d) {
        long ms = d.toMillis();
        return ms % 1000 == 0 ? ms / 1000 + " s" : ms + " ms";
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException e) {
                log.debug("closing a lock file", e);
            }
        }
    }

    private static final class LocalClusterLock implements ClusterLock {
        private final String cluster;
        private final Held held;
        private final Path lockFile;
        private final FileChannel channel;
        private final FileLock fileLock;
        private final AtomicBoolean closed = new AtomicBoolean();

        LocalClusterLock(String cluster, Held held, Path lockFile, FileChannel channel, FileLock fileLock) {
            this.cluster = cluster;
            this.held = held;
            this.lockFile = lockFile;
            this.channel = channel;
            this.fileLock = fileLock;
        }

        @Override
        public String cluster() {
            return cluster;
        }

        @Override
        public LockHolder holder() {
            return held.holder();
        }

        @Override
        public boolean isValid() {
            return !closed.get() && fileLock.isValid();
        }

        @Override
        public void close() {
            if (!closed.compareAndSet(false, true)) {
                return;
            }
            try {
                // Empty the file first, so nobody reads this holder after it has gone.
                channel.truncate(0);
            } catch (IOException e) {
                log.debug("emptying {}", lockFile, e);
            }
            // The OS lock goes before the map entry: a thread admitted by the map must find the file free.
            closeQuietly(channel);
            HELD.remove(lockFile, held);
            log.debug("unlocked cluster {}", cluster);
        }

        @Override
        public String toString() {
            return "lock of cluster " + cluster + " held by " + held.holder();
        }
    }

    /** This machine's name for lock diagnostics, read once without a DNS lookup where possible. */
    private static final class Host {
        static final String NAME = find();

        private static String find() {
            try {
                String name = Files.readString(Path.of("/proc/sys/kernel/hostname")).trim();
                if (!name.isEmpty()) {
                    return name;
                }
            } catch (IOException | RuntimeException e) {
                // not Linux: ask Java
            }
            try {
                return InetAddress.getLocalHost().getHostName();
            } catch (IOException e) {
                return "unknown";
            }
        }
    }
}
