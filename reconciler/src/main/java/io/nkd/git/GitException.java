package io.nkd.git;

/**
 * Why following the config repository failed. The family is closed so the reconcile loop handles every
 * kind, and each kind says whether waiting can help ({@link #needsOperator()}): a rejected credential,
 * an unknown host key or a missing ref stays broken until someone acts, a network failure may pass.
 *
 * <p>Messages are for the operator: they name the repository URL (which never holds a password, see
 * {@link RepoSource}), the credential's source and the file to fix, never a secret.
 */
public abstract sealed class GitException extends Exception {
    private final boolean needsOperator;

    GitException(String message, boolean needsOperator, Throwable cause) {
        super(message, cause, false, true);
        this.needsOperator = needsOperator;
    }

    /** True when retrying cannot succeed until the operator changes something. */
    public final boolean needsOperator() {
        return needsOperator;
    }

    /** The server refused the credentials, or the credentials could not be read. */
    public static final class AuthenticationFailed extends GitException {
        AuthenticationFailed(String message, Throwable cause) {
            super(message, true, cause);
        }
    }

    /** The SSH server's host key is not the one the known_hosts file names (or the host is not there at all). */
    public static final class HostKeyRejected extends GitException {
        private final String host;
        private final String knownHostsFile;
        private final String fingerprint;

        HostKeyRejected(String message, String host, String knownHostsFile, String fingerprint, Throwable cause) {
            super(message, true, cause);
            this.host = host;
            this.knownHostsFile = knownHostsFile;
            this.fingerprint = fingerprint;
        }

        /** As written in known_hosts: {@code host} or {@code [host]:port}. */
        public String host() {
            return host;
        }

        public String knownHostsFile() {
            return knownHostsFile;
        }

        /** The offered key's SHA256 fingerprint, to compare with what the server's operator publishes. */
        public String fingerprint() {
            return fingerprint;
        }
    }

    /** The server could not be reached (DNS, refused connection, timeout). */
    public static final class Unreachable extends GitException {
        Unreachable(String message, Throwable cause) {
            super(message, false, cause);
        }
    }

    /** The selected branch or tag does not exist, no tag matches the range, or the repository does not exist. */
    public static final class RefNotFound extends GitException {
        RefNotFound(String message) {
            super(message, true, null);
        }
    }

    /**
     * The server or the protocol failed in another way: a server error or a broken connection (may pass),
     * or a TLS certificate nkd does not trust (needs the operator).
     */
    public static final class RemoteFailure extends GitException {
        RemoteFailure(String message, Throwable cause) {
            this(message, false, cause);
        }

        RemoteFailure(String message, boolean needsOperator, Throwable cause) {
            super(message, needsOperator, cause);
        }
    }

    /** nkd's own clone could not be read or written (disk full, permissions, a missing object). */
    public static final class LocalFailure extends GitException {
        LocalFailure(String message, Throwable cause) {
            super(message, true, cause);
        }
    }
}
