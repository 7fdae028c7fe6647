package io.nkd.server;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A request path {@code /ignition/v1/<cluster>/<pools|nodes>/<version>}, parsed strictly: names are
 * allow-listed, so whatever reaches a log line or a lookup is a plain name (no encoding, no traversal,
 * no control characters).
 */
record IgnitionPath(String cluster, ConfigKind kind, String version) {
    static final String PREFIX = "/ignition/v1/";
    private static final Pattern CLUSTER = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
    private static final Pattern VERSION = Pattern.compile("[a-z0-9]([-a-z0-9.]{0,298}[a-z0-9])?");

    static Optional<IgnitionPath> parse(String rawPath) {
        if (rawPath == null || !rawPath.startsWith(PREFIX)) {
            return Optional.empty();
        }
        String[] parts = rawPath.substring(PREFIX.length()).split("/", -1);
        if (parts.length != 3 || !CLUSTER.matcher(parts[0]).matches() || !VERSION.matcher(parts[2]).matches()) {
            return Optional.empty();
        }
        return ConfigKind.fromSegment(parts[1]).map(k -> new IgnitionPath(parts[0], k, parts[2]));
    }

    /** The path for a config, the inverse of {@link #parse}. */
    static String of(String cluster, ConfigKind kind, String version) {
        return PREFIX + cluster + "/" + kind.segment() + "/" + version;
    }
}
