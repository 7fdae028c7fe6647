package io.nkd.server;

/** What an accepted bearer token may fetch: its node's overlay and its pool's config, in its cluster. */
public record TokenGrant(String cluster, String pool, String node, String tokenId) {

    /** Whether this token may fetch {@code config}. */
    public boolean allows(ServedConfig config) {
        if (!cluster.equals(config.cluster())) {
            return false;
        }
        return switch (config.kind()) {
            case POOL -> pool.equals(config.name());
            case NODE -> node.equals(config.name());
        };
    }
}
