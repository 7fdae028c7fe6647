package io.nkd.butane;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Reads {@code local:} references from the files directory given with {@code -d/--files-dir}. A reference
 * may never leave that directory: not lexically through {@code ..}, and (stricter than butane) not through
 * a symlink whose target lies outside it.
 */
final class LocalFiles {
    /** A problem reading a local reference; the message is the user-facing text. */
    static final class LocalFileException extends Exception {
        private final String code;

        LocalFileException(String code, String message) {
            super(message, null, false, false);
            this.code = code;
        }

        String code() {
            return code;
        }
    }

    private final Path filesDir;

    LocalFiles(Path filesDir) {
        this.filesDir = filesDir;
    }

    boolean configured() {
        return filesDir != null;
    }

    /** Resolves a reference inside the files directory, checking containment. */
    Path resolve(String reference) throws LocalFileException {
        if (filesDir == null) {
            throw new LocalFileException("ErrNoFilesDir", ButaneMessages.NO_FILES_DIR);
        }
        Path base = filesDir.toAbsolutePath().normalize();
        // Like filepath.Join: an absolute reference is still taken relative to the files directory.
        String relative = reference.replaceFirst("^/+", "");
        Path target = base.resolve(relative).normalize();
        if (!target.startsWith(base)) {
            throw new LocalFileException("ErrFilesDirEscape", ButaneMessages.FILES_DIR_ESCAPE);
        }
        try {
            if (Files.exists(target)) {
                Path realBase = base.toRealPath();
                Path real = target.toRealPath();
                if (!real.startsWith(realBase)) {
                    throw new LocalFileException("ErrFilesDirEscape", ButaneMessages.FILES_DIR_ESCAPE
                            + " (through a symbolic link)");
                }
            }
        } catch (IOException e) {
            throw new LocalFileException("ErrFileRead", "cannot resolve " + display(reference) + ": " + e.getMessage());
        }
        return target;
    }

    byte[] read(String reference) throws LocalFileException {
        Path target = resolve(reference);
        try {
            if (Files.isDirectory(target)) {
                throw new LocalFileException("ErrFileRead", "read " + display(reference) + ": is a directory");
            }
            return Files.readAllBytes(target);
        } catch (NoSuchFileException e) {
            throw new LocalFileException("ErrFileNotFound", "open " + display(reference) + ": no such file or directory");
        } catch (IOException e) {
            throw new LocalFileException("ErrFileRead", "read " + display(reference) + ": " + e.getMessage());
        }
    }

    boolean isDirectory(Path p) {
        return Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS);
    }

    /** The reference as the user sees it: relative to where nkd runs, like butane's messages. */
    String display(String reference) {
        Path p = filesDir.resolve(reference.replaceFirst("^/+", ""));
        return p.normalize().toString();
    }
}
