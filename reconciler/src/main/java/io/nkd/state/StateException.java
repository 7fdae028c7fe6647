package io.nkd.state;

/**
 * A failure of the state store. The family is closed so that callers (the reconcile loop, the CLI) can
 * handle every kind: a corrupt file needs a human, a locked cluster means another nkd is at work, an
 * invalid path is a bug in the caller, an I/O failure may pass, an insecure directory needs a chmod.
 *
 * <p>Messages are written for the operator and never contain file contents: state files hold secrets.
 */
public abstract sealed class StateException extends RuntimeException
        permits CorruptStateException, StateLockedException, InvalidStatePathException, StateIOException,
        InsecureStateDirectoryException {

    StateException(String message, Throwable cause) {
        super(message, cause);
    }
}
