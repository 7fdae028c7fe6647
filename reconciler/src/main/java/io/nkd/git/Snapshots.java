package io.nkd.git;

import io.nkd.config.Snapshot;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.TreeMap;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectLoader;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.eclipse.jgit.treewalk.TreeWalk;

/** Reads a {@link Snapshot} of the config repository from a directory or from a Git revision. */
public final class Snapshots {
    static final long MAX_FILE_BYTES = Snapshot.MAX_FILE_BYTES;

    private Snapshots() {
    }

    /** The working tree of a directory, without .git and other dot-directories. */
    public static Snapshot fromDirectory(Path root) {
        TreeMap<String, byte[]> files = new TreeMap<>();
        TreeMap<String, Long> tooLarge = new TreeMap<>();
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                    return !dir.equals(root) && dir.getFileName().toString().startsWith(".")
                            ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    String path = root.relativize(file).toString().replace('\\', '/');
                    if (attrs.isRegularFile() && attrs.size() <= MAX_FILE_BYTES) {
                        files.put(path, Files.readAllBytes(file));
                    } else if (attrs.isRegularFile()) {
                        tooLarge.put(path, attrs.size());
                    }
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + root + ": " + e.getMessage(), e);
        }
        return new Snapshot("working tree of " + root, files, tooLarge);
    }

    /** The tree of a revision (branch, tag, commit id, or any rev-parse expression) of a local repository. */
    public static Snapshot fromGit(Path repoDir, String revision) throws IOException {
        try (Repository repo = new FileRepositoryBuilder().findGitDir(repoDir.toFile()).setMustExist(true).build()) {
            return fromGit(repo, revision);
        }
    }

    public static Snapshot fromGit(Repository repo, String revision) throws IOException {
        ObjectId id = repo.resolve(revision + "^{commit}");
        if (id == null) {
            throw new IOException("revision \"" + revision + "\" does not exist in " + repo.getDirectory());
        }
        TreeMap<String, byte[]> files = new TreeMap<>();
        TreeMap<String, Long> tooLarge = new TreeMap<>();
        try (RevWalk walk = new RevWalk(repo)) {
            RevCommit commit = walk.parseCommit(id);
            try (TreeWalk tree = new TreeWalk(repo)) {
                tree.addTree(commit.getTree());
                tree.setRecursive(true);
                while (tree.next()) {
                    FileMode mode = tree.getFileMode(0);
                    if (mode.equals(FileMode.REGULAR_FILE) || mode.equals(FileMode.EXECUTABLE_FILE)) {
                        ObjectLoader loader = repo.open(tree.getObjectId(0));
                        if (loader.getSize() <= MAX_FILE_BYTES) {
                            files.put(tree.getPathString(), loader.getBytes());
                        } else {
                            tooLarge.put(tree.getPathString(), loader.getSize());
                        }
                    }
                }
            }
            return new Snapshot(commit.getName(), files, tooLarge);
        }
    }
}
