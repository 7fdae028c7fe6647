package io.nkd.server;

import io.nkd.ha.Leadership;
import io.nkd.state.StateStore;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a replica that does not lead serving what the leader renders: every {@link #INTERVAL} it takes the configs
 * the leader stored ({@link NodeBootstrap#refresh}) for each cluster whose index changed (a version check per cluster,
 * no content read when nothing changed). Tokens need nothing of the kind: {@link NodeTokens} checks the registry's
 * version on every request. On becoming leader it refreshes once more, synchronously, before the first reconcile
 * renders; while leading it only checks that the store answers, for readiness. Each run also writes the fetch records
 * this replica could not write when the node fetched (the leader held the cluster's lock then).
 *
 * <p><b>Readiness</b> ({@link #notReady()}): this replica can serve Ignition when the store answered within
 * {@link #STALE_AFTER}, the configs were taken from it at least once, and the API server behind it answered recently
 * (a store that reads from a watch cache keeps answering from memory when cut off; the election's requests tell). A
 * follower is as ready as the leader: booting nodes reach any replica through the Service. A replica cut off from the
 * API server is taken out of the Service, so nodes fetch from one whose fetch records reach the shared state.
 */
public final class SharedStateRefresh implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SharedStateRefresh.class);
    public static final Duration INTERVAL = Duration.ofSeconds(2);
    public static final Duration STALE_AFTER = Duration.ofSeconds(15);
    private static final long NEVER = Long.MIN_VALUE;

    private final NodeBootstrap boot;
    private final StateStore store;
    private final Leadership leadership;
    private final LongSupplier nanoTime;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "nkd-state-refresh");
        t.setDaemon(true);
        return t;
    });
    private volatile long lastContact = NEVER;
    private volatile String lastError;

    /** Why the shared state cannot be reached now (e.g. the election has had no answer from the API server), or empty. */
    private final java.util.function.Supplier<Optional<String>> reachable;

    private SharedStateRefresh(NodeBootstrap boot, StateStore store, Leadership leadership, LongSupplier nanoTime,
                               java.util.function.Supplier<Optional<String>> reachable) {
        this.reachable = reachable;
        this.boot = boot;
        this.store = store;
        this.leadership = leadership;
        this.nanoTime = nanoTime;
    }

    /**
     * Refreshes once now (the caller has restored at start) and then every {@link #INTERVAL}; a refresh also runs when
     * this replica starts leading, before the listeners added after this one (the controller's) hear of it.
     */
    public static SharedStateRefresh start(NodeBootstrap boot, StateStore store, Leadership leadership,
                                           java.util.function.Supplier<Optional<String>> unreachable) {
        SharedStateRefresh r = new SharedStateRefresh(boot, store, leadership, System::nanoTime, unreachable);
        r.runOnce(true);
        leadership.addListener(new Leadership.Listener() {
            @Override
            public void gained() {
                r.runOnce(true); // what the last leader rendered, before this replica renders on top of it
            }

            @Override
            public void lost(String why) {
            }
        });
        r.timer.scheduleWithFixedDelay(() -> r.runOnce(false), INTERVAL.toMillis(), INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
        return r;
    }

    private void runOnce(boolean evenIfLeading) {
        try {
            if (leadership.isLeader() && !evenIfLeading) {
                store.listClusters(); // the leader's content is its own; only check that the store answers
            } else {
                List<String> changed;
                refreshing.lock();
                try {
                    changed = boot.refresh(store);
                } finally {
                    refreshing.unlock();
                }
                if (!changed.isEmpty()) {
                    LOG.info("serving the configs the leader stored for cluster(s) {}", changed);
                }
            }
            lastContact = nanoTime.getAsLong();
            // a follower's records of nodes that fetched while the leader held the cluster's lock; outside the lock above,
            // since a write may wait for the API server and a node's request must not wait behind it
            boot.retryFetchRecords();
            if (lastError != null) {
                LOG.info("the shared state answers again");
            }
            lastError = null;
        } catch (RuntimeException e) { // a StateException, or the client's own failure
            if (lastError == null) {
                LOG.warn("cannot read the shared state ({}): Ignition serves what it has; readiness fails after {} s", e.getMessage(),
                        STALE_AFTER.toSeconds());
            }
            lastError = e.getMessage() == null ? e.toString() : e.getMessage();
        }
    }

    /** The last on-demand reload per cluster (monotonic nanos): at most one per {@link #RELOAD_SPACING} and cluster. */
    private final java.util.concurrent.ConcurrentHashMap<String, Long> reloads = new java.util.concurrent.ConcurrentHashMap<>();
    static final Duration RELOAD_SPACING = Duration.ofMillis(200);

    /**
     * For {@link IgnitionContent#reloadOnMiss}: a follower asked for a version it does not have yet (the leader rendered
     * it since the last refresh) reads that cluster again at once, at most every {@link #RELOAD_SPACING}. Only
     * requests with a valid node token get this far, so it costs nothing to anyone else. The leader never reloads: it
     * rendered what it serves.
     */
    public boolean reloadOnMiss(String cluster) {
        if (leadership.isLeader()) {
            return false;
        }
        long now = nanoTime.getAsLong();
        Long last = reloads.get(cluster);
        if (last != null && now - last < RELOAD_SPACING.toNanos()) {
            return false;
        }
        reloads.put(cluster, now);
        try {
            // a node's request: never queue behind a long refresh, serve what there is instead
            if (!refreshing.tryLock(RELOAD_SPACING.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
                return false;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        try {
            return boot.refresh(store, cluster);
        } finally {
            refreshing.unlock();
        }
    }

    /** One refresh of the served configs at a time (the timer's, a new leader's, a node's miss). */
    private final java.util.concurrent.locks.ReentrantLock refreshing = new java.util.concurrent.locks.ReentrantLock();

    /** Why this replica cannot serve Ignition from the shared state now; empty when it can. */
    public Optional<String> notReady() {
        Optional<String> cut = reachable.get();
        if (cut.isPresent()) {
            return cut;
        }
        long last = lastContact;
        if (last == NEVER) {
            return Optional.of("the shared state was not read yet" + (lastError == null ? "" : ": " + lastError));
        }
        if (nanoTime.getAsLong() - last > STALE_AFTER.toNanos()) {
            return Optional.of("the shared state did not answer for " + Duration.ofNanos(nanoTime.getAsLong() - last).toSeconds()
                    + " s" + (lastError == null ? "" : ": " + lastError));
        }
        return Optional.empty();
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
