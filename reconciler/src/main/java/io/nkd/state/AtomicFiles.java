package io.nkd.state;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Crash-safe file operations: write to a temporary file beside the target, sync it, give it its final
 * mode, rename it over the target, sync the directory. A crash leaves the old file or the new one plus at
 * most a temporary file, which {@link #tidy} removes; a failed write (a full disk) removes its temporary
 * file at once.
 *
 * <p>Public for nkd's own files kept beside the store (the sandbox's machines): {@link #replace},
 * {@link #removeLeftovers}, {@link #createPrivateDirectory}.
 */
public final class AtomicFiles {
    private static final Logger log = LoggerFactory.getLogger(AtomicFiles.class);

    static final Set<PosixFilePermission> PRIVATE_DIRECTORY = Set.copyOf(PosixFilePermissions.fromString("rwx------"));
    private static final FileAttribute<Set<PosixFilePermission>> CREATE_DIRECTORY =
            PosixFilePermissions.asFileAttribute(PRIVATE_DIRECTORY);
    /** Temporary files are born owner-only: no moment exists in which a secret is readable by others. */
    private static final FileAttribute<Set<PosixFilePermission>> CREATE_TEMP =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));
    /** ".status.json.tmp-0123456789abcdef" (a write) or ".nodes.del-…" (a directory being deleted). */
    private static final Pattern LEFTOVER = Pattern.compile("\\..+\\.(tmp|del)-[0-9a-f]{16}");
    private static final AtomicBoolean DIRECTORY_SYNC_WARNED = new AtomicBoolean();

    /** Test seam: runs when the temporary file is complete, synced and has its final mode. */
    @FunctionalInterface
    interface BeforeRename {
        BeforeRename NONE = (temp, target) -> { };

        void run(Path temp, Path target) throws IOException;
    }

    private final BeforeRename beforeRename;
    private static final AtomicFiles PLAIN = new AtomicFiles(BeforeRename.NONE);

    AtomicFiles(BeforeRename beforeRename) {
        this.beforeRename = beforeRename;
    }

    /**
     * Replaces {@code target} atomically and durably with a file of exactly the mode {@code sensitivity} asks
     * for, from its first byte (a secret is never readable by others, not even while it is written). Its
     * directory must exist. On failure nothing is left behind but the old file.
     */
    public static void replace(Path target, byte[] content, Sensitivity sensitivity) throws IOException {
        PLAIN.write(target, content, sensitivity.permissions());
    }

    /**
     * Removes leftovers of interrupted writes directly in {@code dir} (not below it). Only safe when no other
     * process writes there, e.g. under the state directory's lock.
     *
     * @return how many were removed
     */
    public static int removeLeftovers(Path dir) throws IOException {
        int removed = 0;
        try (var entries = Files.newDirectoryStream(dir)) {
            for (Path p : entries) {
                if (isLeftover(p) && Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                    Files.deleteIfExists(p);
                    removed++;
                }
            }
        } catch (NoSuchFileException e) {
            return 0;
        }
        return removed;
    }

    /** Replaces {@code target} with {@code content}; its directory must exist. */
    void write(Path target, byte[] content, Set<PosixFilePermission> mode) throws IOException {
        Path dir = target.getParent();
        Path temp = null;
        boolean renamed = false;
        try {
            FileChannel channel;
            // A fresh random name per write: concurrent writers of one file never share a temporary file.
            while (true) {
                temp = sibling(target, "tmp");
                try {
                    channel = FileChannel.open(temp, EnumSet.of(StandardOpenOption.CREATE_NEW,
                            StandardOpenOption.WRITE), CREATE_TEMP);
                    break;
                } catch (FileAlreadyExistsException collision) {
                    // 64 random bits collided; draw again
                }
            }
            try (FileChannel out = channel) {
                // chmod, unlike the creation mode, ignores the umask: the mode is exactly the one asked for.
                Files.setPosixFilePermissions(temp, mode);
                ByteBuffer buffer = ByteBuffer.wrap(content);
                while (buffer.hasRemaining()) {
                    out.write(buffer);
                }
                out.force(true);
            }
            beforeRename.run(temp, target);
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            renamed = true;
        } finally {
            if (!renamed && temp != null) {
                deleteQuietly(temp);
            }
        }
        // Without this the rename may not survive a power loss, though the data would.
        syncDirectory(dir);
    }

    /**
     * Deletes a file, or a directory tree: the directory is first renamed to a leftover name (one atomic
     * step, after which it is gone for readers), then removed; a crash in between leaves a leftover that
     * {@link #tidy} removes.
     *
     * @return whether anything existed
     */
    boolean delete(Path target) throws IOException {
        BasicFileAttributes attributes;
        try {
            attributes = Files.readAttributes(target, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return false;
        }
        if (attributes.isDirectory()) {
            Path doomed = sibling(target, "del");
            Files.move(target, doomed, StandardCopyOption.ATOMIC_MOVE);
            syncDirectory(target.getParent());
            deleteTree(doomed);
            return true;
        }
        boolean existed = Files.deleteIfExists(target);
        syncDirectory(target.getParent());
        return existed;
    }

    /**
     * Creates one directory with mode 0700 (exactly: the umask does not apply), syncing its parent so the
     * new entry survives a crash. Nothing to do if it exists as a directory.
     *
     * @throws NotDirectoryException if something else exists there
     */
    public static void createPrivateDirectory(Path dir) throws IOException {
        try {
            Files.createDirectory(dir, CREATE_DIRECTORY);
        } catch (FileAlreadyExistsException e) {
            if (!Files.isDirectory(dir)) {
                throw new NotDirectoryException(dir.toString());
            }
            return;
        }
        Files.setPosixFilePermissions(dir, PRIVATE_DIRECTORY);
        syncDirectory(dir.getParent());
    }

    /** What {@link #tidy} did. */
    record Tidied(int leftoversRemoved, int directoriesTightened) {
    }

    /**
     * Removes leftovers of interrupted writes and deletes under {@code top}, and tightens directories
     * that group or others can access to 0700. Only safe while holding the lock of {@code top}: another
     * writer's temporary file would look like a leftover.
     */
    static Tidied tidy(Path top) throws IOException {
        int[] counts = new int[2];
        Files.walkFileTree(top, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                if (!dir.equals(top) && isLeftover(dir)) {
                    deleteTree(dir);
                    counts[0]++;
                    return FileVisitResult.SKIP_SUBTREE;
                }
                Set<PosixFilePermission> mode = Files.getPosixFilePermissions(dir, LinkOption.NOFOLLOW_LINKS);
                if (!PRIVATE_DIRECTORY.equals(mode)) {
                    log.warn("{} had mode {}; set it to rwx------ (state directories are private to nkd)",
                            dir, PosixFilePermissions.toString(mode));
                    Files.setPosixFilePermissions(dir, PRIVATE_DIRECTORY);
                    counts[1]++;
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                if (isLeftover(file)) {
                    Files.deleteIfExists(file);
                    counts[0]++;
                }
                return FileVisitResult.CONTINUE;
            }
        });
        return new Tidied(counts[0], counts[1]);
    }

    static boolean isLeftover(Path p) {
        return LEFTOVER.matcher(p.getFileName().toString()).matches();
    }

    /**
     * Syncs a directory's entries (fsync on the directory). Some file systems refuse to open or sync a
     * directory; the rename has happened all the same, so that is logged once, not failed.
     */
    static void syncDirectory(Path dir) {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException e) {
            if (DIRECTORY_SYNC_WARNED.compareAndSet(false, true)) {
                log.warn("cannot sync directory {} ({}); on a crash the latest state changes may be lost",
                        dir, StateIOException.reason(e));
            }
        }
    }

    private static Path sibling(Path target, String kind) {
        String random = String.format("%016x", ThreadLocalRandom.current().nextLong());
        return target.resolveSibling("." + target.getFileName() + "." + kind + "-" + random);
    }

    /** Deletes a tree without following symbolic links out of it. */
    private static void deleteTree(Path top) throws IOException {
        Files.walkFileTree(top, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.deleteIfExists(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                if (e != null) {
                    throw e;
                }
                Files.deleteIfExists(dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            log.debug("cannot remove temporary file {}; it is removed the next time the cluster is opened", p, e);
        }
    }
}
