package io.nkd.server;

import java.time.Instant;
import java.util.Objects;

/**
 * One entry of the node token registry, as stored: the token's SHA-256 (never the token), whom it belongs
 * to, and whether it was revoked. A token is 256 random bits, so its hash is not a secret worth guarding
 * (it cannot be reversed); the file is still written 0600.
 *
 * @param sha256    hex SHA-256 of the token's UTF-8 bytes
 * @param revokedAt null while the token is valid
 * @param poolVersion the pool config version the node's pointer names (null for tokens issued without one); the
 *                    served configs a live token names are kept, whatever else is garbage-collected
 * @param nodeVersion the node overlay version the pointer names, likewise
 */
public record TokenRecord(String id, String sha256, String pool, String node, Instant issuedAt, Instant revokedAt,
                          String poolVersion, String nodeVersion) {

    /** A token that names no config versions. */
    public TokenRecord(String id, String sha256, String pool, String node, Instant issuedAt, Instant revokedAt) {
        this(id, sha256, pool, node, issuedAt, revokedAt, null, null);
    }

    public TokenRecord {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(sha256, "sha256");
        Objects.requireNonNull(pool, "pool");
        Objects.requireNonNull(node, "node");
    }

    public boolean revoked() {
        return revokedAt != null;
    }

    TokenRecord revoke(Instant at) {
        return revoked() ? this : new TokenRecord(id, sha256, pool, node, issuedAt, at, poolVersion, nodeVersion);
    }
}
