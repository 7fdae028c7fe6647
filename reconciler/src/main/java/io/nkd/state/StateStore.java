package io.nkd.state;

import java.time.Duration;
import java.util.List;

/**
 * Where nkd keeps per-cluster state that must never go into Git: generated PKI, tokens, applied
 * revisions, status. An SPI: {@link LocalStateStore} keeps it in a directory; a Kubernetes-backed store
 * (Secrets and ConfigMaps, Leases for locks) will implement the same contract:
 *
 * <ul>
 *   <li>cluster names are DNS-1123 labels; paths follow {@link ClusterView}'s rules; anything else is an
 *       {@link InvalidStatePathException};</li>
 *   <li>a write replaces a whole file atomically; reads need no lock;</li>
 *   <li>writes need the cluster's lock, which at most one holder in any process has at a time;</li>
 *   <li>failures are {@link StateException}s.</li>
 * </ul>
 */
public interface StateStore {
    /** Names of the clusters that have state, sorted. */
    List<String> listClusters();

    /** Read access to a cluster, without its lock. The cluster need not have state yet. */
    ClusterView view(String cluster);

    /**
     * Takes the cluster's lock and returns a handle for reading and writing; closing it releases the lock.
     * Leftovers of interrupted writes are removed first.
     *
     * @throws StateLockedException at once if another process or handle holds the lock
     */
    ClusterState open(String cluster);

    /**
     * As {@link #open(String)}, waiting up to {@code wait} for the lock.
     *
     * @throws StateLockedException if the lock is still held after {@code wait}
     */
    ClusterState open(String cluster, Duration wait) throws InterruptedException;

    /**
     * Takes the cluster's lock alone, for work that must not overlap another nkd's but does not write
     * state through this store.
     *
     * @throws StateLockedException at once if another process or handle holds the lock
     */
    ClusterLock lock(String cluster);

    /**
     * As {@link #lock(String)}, waiting up to {@code wait} for the lock.
     *
     * @throws StateLockedException if the lock is still held after {@code wait}
     */
    ClusterLock lock(String cluster, Duration wait) throws InterruptedException;
}
