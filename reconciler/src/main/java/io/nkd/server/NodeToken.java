package io.nkd.server;

import java.util.Objects;

/**
 * A node's bearer token as issued: the only time its value exists outside the node's pointer config (the
 * registry keeps only its SHA-256). {@link #toString()} never shows the value.
 *
 * @param id    names the token for listing and revoking; not secret
 * @param value the bearer token (URL-safe base64 of 256 random bits)
 */
public record NodeToken(String cluster, String pool, String node, String id, String value) {

    public NodeToken {
        Objects.requireNonNull(cluster, "cluster");
        Objects.requireNonNull(pool, "pool");
        Objects.requireNonNull(node, "node");
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(value, "value");
    }

    @Override
    public String toString() {
        return "NodeToken[cluster=" + cluster + ", pool=" + pool + ", node=" + node + ", id=" + id + ", value=<redacted>]";
    }
}
