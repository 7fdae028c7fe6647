package io.nkd.state;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The state store in a local directory ({@code --state-dir}), the default:
 *
 * <pre>
 * ROOT/                      0700, must not be accessible to group or others
 *   .nkd-serve.lock          the daemon's lock (pid, host, start time, command of the holder)
 *   clusters/                0700
 *     demo/                  0700, one directory per cluster (DNS-1123 name)
 *       .lock                the cluster's lock (pid, host, start time of the holder)
 *       pki/ca.key           0600 (Sensitivity.SECRET)
 *       status.json          0644 (Sensitivity.PUBLIC)
 * </pre>
 *
 * <p><b>Permissions.</b> nkd creates every directory 0700 and every file with the mode its sensitivity
 * asks for, whatever the umask. An existing root that group or others can access is refused unless it is
 * empty: nkd will not chmod a directory that already holds files, because a mistaken {@code --state-dir}
 * (a home directory, {@code /var/lib}) would then be silently locked down and break other software, and
 * because files others could read or plant there need a human's judgement. The message says which
 * {@code chmod} to run. Directories below the root are nkd's alone, so an open one (restored from a
 * backup, chmodded by hand) is tightened with a warning when its cluster is opened.
 *
 * <p><b>Crashes.</b> Writes are atomic ({@link AtomicFiles}); leftovers of interrupted writes are removed
 * when a cluster is opened, under its lock, because only then can no other writer's temporary file be
 * mistaken for one.
 */
public final class LocalStateStore implements StateStore {
    private static final Logger log = LoggerFactory.getLogger(LocalStateStore.class);
    private static final Set<PosixFilePermission> GROUP_OR_OTHERS = Set.of(
            PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE,
            PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);

    private final Path root;
    private final Path clusters;
    private final LocalLocks locks;
    private final AtomicFiles files;

    /** A store in {@code root}, created (mode 0700) if missing; times come from the system clock (UTC). */
    public LocalStateStore(Path root) {
        this(root, Clock.systemUTC());
    }

    /** As {@link #LocalStateStore(Path)}, with the clock that stamps lock holders. */
    public LocalStateStore(Path root, Clock clock) {
        this(root, clock, AtomicFiles.BeforeRename.NONE);
    }

    /** Tests hook into writes between the temporary file's completion and its rename. */
    LocalStateStore(Path root, Clock clock, AtomicFiles.BeforeRename beforeRename) {
        Objects.requireNonNull(root, "root");
        Objects.requireNonNull(clock, "clock");
        this.root = prepareRoot(root);
        this.clusters = this.root.resolve("clusters");
        prepareClusters(clusters);
        this.locks = new LocalLocks(this.root, clock);
        this.files = new AtomicFiles(beforeRename);
    }

    /** The state directory (its real path: symbolic links resolved). */
    public Path root() {
        return root;
    }

    @Override
    public List<String> listClusters() {
        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(clusters)) {
            for (Path entry : entries) {
                String name = entry.getFileName().toString();
                if (StateNames.isClusterName(name) && Files.isDirectory(entry)) {
                    names.add(name);
                } else {
                    log.debug("ignoring {}: not a cluster's state directory", entry);
                }
            }
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            throw new StateIOException("cannot list " + clusters, e);
        }
        names.sort(null);
        return List.copyOf(names);
    }

    @Override
    public ClusterView view(String cluster) {
        String name = StateNames.cluster(cluster);
        return new LocalClusterView(name, clusters.resolve(name));
    }

    @Override
    public ClusterState open(String cluster) {
        String name = StateNames.cluster(cluster);
        return handle(name, locks.lock(name, clusters.resolve(name)));
    }

    @Override
    public ClusterState open(String cluster, Duration wait) throws InterruptedException {
        String name = StateNames.cluster(cluster);
        return handle(name, locks.lock(name, clusters.resolve(name), checkWait(wait)));
    }

    @Override
    public ClusterLock lock(String cluster) {
        String name = StateNames.cluster(cluster);
        return locks.lock(name, clusters.resolve(name));
    }

    @Override
    public ClusterLock lock(String cluster, Duration wait) throws InterruptedException {
        String name = StateNames.cluster(cluster);
        return locks.lock(name, clusters.resolve(name), checkWait(wait));
    }

    /**
     * Takes this state directory for a daemon ({@code nkd serve}) until the lock is closed or the process
     * dies: a second daemon on the same directory is refused at once, naming the holder (pid, host, start
     * time and {@code command}). Cluster locks, reads and read-only commands are not affected.
     *
     * @param command what this process runs, recorded for the message another daemon gets (no secrets)
     * @throws StateLockedException if another process, or another handle in this one, holds it
     */
    public DirectoryLock lockDirectory(String command) {
        return locks.lockDirectory(command);
    }

    /** Where {@link #forget} keeps what it takes away: {@code ROOT/backups/}, 0700. */
    public Path backups() {
        return root.resolve("backups");
    }

    /**
     * Forgets a cluster: its whole state directory leaves {@code clusters/} in one atomic rename, so the cluster is
     * gone for every reader at once and a daemon's next poll no longer lists it. With {@code keepBackup} the directory
     * (PKI, keys, tokens, status, history, the last applied cluster.yaml) is kept as
     * {@code ROOT/backups/<cluster>-<UTC time>} (0700 like everything here, its files keep their 0600 modes); without,
     * it is deleted. {@code held} must be this cluster's open handle: the lock stays held until the caller closes it.
     *
     * @return the backup directory, or empty when none was kept (or the cluster had no state)
     */
    public java.util.Optional<Path> forget(ClusterState held, boolean keepBackup, java.time.Instant now) {
        String name = StateNames.cluster(held.cluster());
        Path dir = clusters.resolve(name);
        if (!held.location().equals(dir.toString())) {
            throw new IllegalArgumentException("the handle of cluster " + name + " is not of " + this);
        }
        try {
            if (!Files.isDirectory(dir)) {
                return java.util.Optional.empty();
            }
            if (!keepBackup) {
                files.delete(dir);
                return java.util.Optional.empty();
            }
            Path backups = backups();
            AtomicFiles.createPrivateDirectory(backups);
            String stamp = java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
                    .withZone(java.time.ZoneOffset.UTC).format(now);
            Path target = backups.resolve(name + "-" + stamp);
            for (int i = 2; Files.exists(target); i++) {
                target = backups.resolve(name + "-" + stamp + "-" + i);
            }
            Files.move(dir, target, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            Files.setPosixFilePermissions(target, AtomicFiles.PRIVATE_DIRECTORY);
            return java.util.Optional.of(target);
        } catch (IOException e) {
            throw new StateIOException("cannot forget the state of cluster " + name + " (" + dir + ")", e);
        }
    }

    @Override
    public String toString() {
        return "local state store " + root;
    }

    private ClusterState handle(String name, ClusterLock lock) {
        Path dir = clusters.resolve(name);
        try {
            AtomicFiles.Tidied tidied = AtomicFiles.tidy(dir);
            if (tidied.leftoversRemoved() > 0) {
                log.info("cluster {}: removed {} leftover(s) of interrupted writes", name, tidied.leftoversRemoved());
            }
            SecretModes secrets = SecretModes.enforce(dir, files);
            return new LocalClusterState(name, dir, files, lock, secrets);
        } catch (IOException | RuntimeException e) {
            lock.close();
            if (e instanceof IOException io) {
                throw new StateIOException("cannot open the state of cluster " + name + " (" + dir + ")", io);
            }
            throw (RuntimeException) e;
        }
    }

    private static Duration checkWait(Duration wait) {
        Objects.requireNonNull(wait, "wait");
        if (wait.isNegative()) {
            throw new IllegalArgumentException("a lock wait cannot be negative: " + wait);
        }
        return wait;
    }

    private static Path prepareRoot(Path given) {
        Path dir = given.toAbsolutePath().normalize();
        try {
            if (Files.notExists(dir)) {
                if (dir.getParent() != null) {
                    Files.createDirectories(dir.getParent());
                }
                AtomicFiles.createPrivateDirectory(dir);
                log.info("created state directory {}", dir);
            }
            Path real = dir.toRealPath();
            if (!Files.isDirectory(real)) {
                throw new InvalidStatePathException("state directory " + dir + " is not a directory");
            }
            PosixFileAttributeView view = Files.getFileAttributeView(real, PosixFileAttributeView.class);
            if (view == null) {
                throw new InsecureStateDirectoryException(real, "state directory " + real + " is on a file system"
                        + " without POSIX permissions; nkd keeps secrets there with mode 0600 in 0700 directories:"
                        + " choose a directory on a Linux file system");
            }
            Set<PosixFilePermission> mode = view.readAttributes().permissions();
            if (mode.stream().anyMatch(GROUP_OR_OTHERS::contains)) {
                if (!isEmpty(real)) {
                    throw new InsecureStateDirectoryException(real, insecureMessage(real, mode));
                }
                // Nothing in it yet could have leaked or been planted: it is a fresh directory for nkd.
                Files.setPosixFilePermissions(real, AtomicFiles.PRIVATE_DIRECTORY);
                log.info("set mode rwx------ on the empty state directory {} (was {})", real,
                        PosixFilePermissions.toString(mode));
            }
            return real;
        } catch (IOException e) {
            throw new StateIOException("cannot use state directory " + dir, e);
        }
    }

    private static String insecureMessage(Path dir, Set<PosixFilePermission> mode) {
        return "state directory " + dir + " has mode " + PosixFilePermissions.toString(mode) + ": group or others"
                + " can access it, and it holds cluster secrets. nkd does not change the mode of a directory that"
                + " already holds files. Check that it is nkd's state directory and that nobody else could have"
                + " read or changed it, then run: chmod 700 " + shellQuote(dir.toString())
                + " (under systemd, set StateDirectoryMode=0700)";
    }

    private static void prepareClusters(Path clusters) {
        try {
            AtomicFiles.createPrivateDirectory(clusters);
            Set<PosixFilePermission> mode = Files.getPosixFilePermissions(clusters);
            if (!AtomicFiles.PRIVATE_DIRECTORY.equals(mode)) {
                log.warn("{} had mode {}; set it to rwx------ (state directories are private to nkd)", clusters,
                        PosixFilePermissions.toString(mode));
                Files.setPosixFilePermissions(clusters, AtomicFiles.PRIVATE_DIRECTORY);
            }
        } catch (IOException e) {
            throw new StateIOException("cannot prepare " + clusters, e);
        }
    }

    private static boolean isEmpty(Path dir) throws IOException {
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            return !entries.iterator().hasNext();
        }
    }

    private static String shellQuote(String s) {
        return s.matches("[A-Za-z0-9_./=:@+-]+") ? s : "'" + s.replace("'", "'\\''") + "'";
    }
}
