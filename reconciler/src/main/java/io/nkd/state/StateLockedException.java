package io.nkd.state;

import java.util.Optional;

/**
 * A cluster's lock, or the state directory's (a daemon's), is held by another process, or by another handle
 * in this process.
 */
public final class StateLockedException extends StateException {
    private final String cluster;
    private final LockHolder holder;

    StateLockedException(String cluster, LockHolder holder, String message) {
        super(message, null);
        this.cluster = cluster;
        this.holder = holder;
    }

    /** The locked cluster; null when the lock refused is the state directory's. */
    public String cluster() {
        return cluster;
    }

    /** Who holds the lock, when the holder could be identified. */
    public Optional<LockHolder> holder() {
        return Optional.ofNullable(holder);
    }
}
