package io.nkd.state;

/**
 * A cluster name or a path inside a cluster that the store refuses: it could leave the state directory,
 * or it is not a name the store can keep (also in a Kubernetes-backed store), or it names a directory
 * where a file is expected (or the reverse).
 */
public final class InvalidStatePathException extends StateException {
    InvalidStatePathException(String message) {
        super(message, null);
    }
}
