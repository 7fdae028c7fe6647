package io.nkd.state;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;

/**
 * The file system refused an operation (permission denied, disk full, I/O error), or, for a store on another backend,
 * the backend did (the Kubernetes API denied or did not answer). May be transient.
 */
public final class StateIOException extends StateException {
    StateIOException(String action, IOException cause) {
        super(action + ": " + reason(cause), cause);
    }

    /** A failure outside the file system (another store's backend), with its whole message. */
    StateIOException(String message, Throwable cause, boolean whole) {
        super(message, cause);
    }

    /**
     * NIO's messages are often only the path; say what went wrong instead. The cause stays attached for
     * --debug: I/O exceptions carry paths and errno texts, never file contents.
     */
    public static String reason(IOException e) {
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof NoSuchFileException) {
            return "no such file or directory";
        }
        if (e instanceof NotDirectoryException) {
            return "not a directory";
        }
        if (e instanceof FileSystemException fse && fse.getReason() != null) {
            return fse.getReason();
        }
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }
}
