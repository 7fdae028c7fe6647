package io.nkd.cluster;

/**
 * The answer of the API server's {@code /readyz}.
 *
 * @param message when not ready: why, in the API server's or the network's words (connection refused, TLS error, the
 *                failing checks); null when ready
 */
public record ApiReadiness(boolean ready, String message) {
    public static ApiReadiness up() {
        return new ApiReadiness(true, null);
    }

    public static ApiReadiness down(String message) {
        return new ApiReadiness(false, message);
    }
}
