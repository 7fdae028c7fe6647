package io.nkd.testsupport;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** File helpers for tests. */
public final class TestFiles {
    private TestFiles() {
    }

    /** Copies a directory tree (files and directories; the copies are writable). */
    public static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : s.sorted().toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
                target.toFile().setWritable(true);
            }
        }
    }

    /** Replaces {@code from} by {@code to} in a file, failing if the file does not contain {@code from}. */
    public static void edit(Path file, String from, String to) throws IOException {
        String text = Files.readString(file);
        org.junit.jupiter.api.Assertions.assertTrue(text.contains(from), () -> file + " does not contain " + from);
        Files.writeString(file, text.replace(from, to));
    }

    /** Commits every change of the work tree (unsigned, as a fixed test identity). */
    public static org.eclipse.jgit.revwalk.RevCommit commitAll(org.eclipse.jgit.api.Git git, String message) throws Exception {
        git.add().addFilepattern(".").call();
        org.eclipse.jgit.lib.PersonIdent who = new org.eclipse.jgit.lib.PersonIdent("test", "test@example.com");
        return git.commit().setMessage(message).setAuthor(who).setCommitter(who).setSign(false).call();
    }
}
