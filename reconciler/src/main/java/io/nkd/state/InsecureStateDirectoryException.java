package io.nkd.state;

import java.nio.file.Path;

/**
 * The state directory is readable or writable by other users, or cannot carry POSIX permissions. nkd
 * refuses it rather than changing the mode of a directory it did not create (see {@link LocalStateStore}).
 */
public final class InsecureStateDirectoryException extends StateException {
    private final Path directory;

    InsecureStateDirectoryException(Path directory, String message) {
        super(message, null);
        this.directory = directory;
    }

    public Path directory() {
        return directory;
    }
}
