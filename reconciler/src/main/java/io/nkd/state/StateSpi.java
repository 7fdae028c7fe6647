package io.nkd.state;

import java.nio.file.Path;
import java.util.List;

/**
 * What another implementation of {@link StateStore} (in its own package, e.g. {@code io.nkd.state.kube}) needs from
 * this package to keep the same contract: the same name rules, the same JSON codec and the same exceptions, whose
 * constructors stay package-private so that callers outside the store cannot fake them. Not for callers of the store.
 */
public final class StateSpi {
    private StateSpi() {
    }

    /** The cluster name if it is a DNS-1123 label, else the {@link InvalidStatePathException} the local store throws. */
    public static String cluster(String name) {
        return StateNames.cluster(name);
    }

    /** The segments of a state path (see {@link ClusterView}); {@code ""} only when {@code allowTop}. */
    public static List<String> path(String path, boolean allowTop) {
        return StateNames.path(path, allowTop);
    }

    public static boolean isClusterName(String name) {
        return StateNames.isClusterName(name);
    }

    /** A name quoted for a message: control and non-ASCII characters escaped, long names shortened. */
    public static String quote(String s) {
        return StateNames.quote(s);
    }

    /** JSON as the local store writes it (pretty, final newline). */
    public static byte[] writeJson(Object value) {
        return JsonCodec.write(value);
    }

    /**
     * Parses {@code bytes} as the local store does; failures are {@link CorruptStateException}s naming
     * {@code where} (for a store without files: a path that names the object, e.g. its API path) and giving
     * {@code advice}.
     */
    public static <T> T readJson(byte[] bytes, Class<T> type, Path where, String advice) {
        try {
            return JsonCodec.read(bytes, type, where, Recovery.UNSPECIFIED);
        } catch (CorruptStateException e) {
            throw CorruptStateException.of(where, e.problem(), advice);
        }
    }

    public static StateLockedException locked(String cluster, LockHolder holder, String message) {
        return new StateLockedException(cluster, holder, message);
    }

    public static InvalidStatePathException invalidPath(String message) {
        return new InvalidStatePathException(message);
    }

    /** A failure of the store's backend (an API call refused or unreachable); {@code message} is the whole message. */
    public static StateIOException failed(String message, Throwable cause) {
        return new StateIOException(message, cause, true);
    }
}
