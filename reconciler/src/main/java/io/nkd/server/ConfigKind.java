package io.nkd.server;

import java.util.Optional;

/** The two kinds of config nkd serves, named by their URL segment ({@code /ignition/v1/<cluster>/<segment>/<version>}). */
public enum ConfigKind {
    /** A node pool's config, version {@code rendered-<pool>-<hash>}. */
    POOL("pools"),
    /** A node's overlay (host name, static address), version {@code rendered-<host>-<hash>}. */
    NODE("nodes");

    private final String segment;

    ConfigKind(String segment) {
        this.segment = segment;
    }

    public String segment() {
        return segment;
    }

    public static Optional<ConfigKind> fromSegment(String segment) {
        for (ConfigKind k : values()) {
            if (k.segment.equals(segment)) {
                return Optional.of(k);
            }
        }
        return Optional.empty();
    }
}
