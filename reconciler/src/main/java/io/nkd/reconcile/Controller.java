package io.nkd.reconcile;

import io.micrometer.core.instrument.MeterRegistry;
import io.nkd.config.LoadedCluster;
import io.nkd.config.Snapshot;
import io.nkd.ha.Leadership;
import io.nkd.ha.NotLeaderException;
import io.nkd.state.StateStore;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps every cluster reconciled to the head of the followed ref: polls the source (on a schedule and when a
 * webhook says so), and reconciles clusters in parallel (bounded), never two reconciles of one cluster at once;
 * a request for a cluster that is running is coalesced into one more run after it. Failed reconciles retry with
 * exponential backoff; stalled ones wait for a new commit.
 */
public final class Controller implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Controller.class);
    static final Duration MIN_BACKOFF = Duration.ofSeconds(10);
    static final Duration MAX_BACKOFF = Duration.ofMinutes(5);

    private final RevisionSource source;
    private final ClusterReconciler reconciler;
    private final StateStore store;
    private final MeterRegistry metrics;
    private final ExecutorService workers;
    /**
     * Clusters waiting for a worker; the clusters a new commit changed are put at the front. Guarded by this
     * controller's monitor together with {@link #queued}, {@link #running} and {@link #again}: a worker moves a
     * cluster from the queue to running in one step, so no request can see it in neither (and queue it twice).
     */
    private final java.util.ArrayDeque<String> queue = new java.util.ArrayDeque<>();
    private final Set<String> queued = new HashSet<>();
    /** Serialises polls without holding the monitor requests need: a slow fetch must not stall the queue. */
    private final Object pollLock = new Object();
    private volatile boolean closed;
    private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "nkd-retry"));
    private final AtomicReference<DesiredRevision> current = new AtomicReference<>();
    private final Set<String> running = new HashSet<>();
    private final Set<String> again = new HashSet<>();
    private final Map<String, Duration> backoff = new HashMap<>();
    /** The last commit whose outcome was recorded per cluster: one note per cluster and commit. */
    private final Map<String, String> notedRevision = new java.util.concurrent.ConcurrentHashMap<>();
    private volatile String lastSourceError;
    /** Retry delays after failures: MIN_BACKOFF doubling up to MAX_BACKOFF, shortened by tests ({@link #backoff}). */
    private volatile Duration minBackoff = MIN_BACKOFF;
    private volatile Duration maxBackoff = MAX_BACKOFF;
    /** Whether this process may follow Git and reconcile now ({@link Leadership#SOLE} for one process on a directory). */
    private final Leadership leadership;

    /** The only nkd of its state: always the leader. */
    public Controller(RevisionSource source, ClusterReconciler reconciler, StateStore store, int parallelism, MeterRegistry metrics) {
        this(source, reconciler, store, parallelism, metrics, Leadership.SOLE);
    }

    /**
     * One of several replicas: it polls and reconciles only while {@code leadership} says it leads. When it starts leading
     * it fetches and reconciles every cluster (what the previous leader left is read back from the shared state); when it
     * stops, queued work is dropped and no new reconcile starts (one in progress stops at its next check).
     */
    public Controller(RevisionSource source, ClusterReconciler reconciler, StateStore store, int parallelism, MeterRegistry metrics,
                      Leadership leadership) {
        this.source = source;
        this.reconciler = reconciler.leadership(leadership);
        this.store = store;
        this.metrics = metrics;
        this.leadership = leadership;
        this.workers = Executors.newFixedThreadPool(parallelism, r -> daemon(r, "nkd-reconcile"));
        for (int i = 0; i < parallelism; i++) {
            workers.submit(this::work);
        }
        if (leadership != Leadership.SOLE) {
            leadership.addListener(new Leadership.Listener() {
                @Override
                public void gained() {
                    // not on the election's thread: a fetch may take seconds
                    timers.execute(Controller.this::startLeading);
                }

                @Override
                public void lost(String why) {
                    stopLeading(why);
                }
            });
        }
    }

    /** The election this controller follows. */
    public Leadership leadership() {
        return leadership;
    }

    /** Newly leader: fetch (the head may have moved while following) and reconcile every cluster from the shared state. */
    private void startLeading() {
        if (closed || !leadership.isLeader()) {
            return;
        }
        LOG.info("leading: fetching {} and reconciling every cluster", source.describe());
        if (!poll()) {
            reconcileAll();
        }
    }

    /** No longer leader: queued and retried work is dropped; the new leader reconciles every cluster anyway. */
    private synchronized void stopLeading(String why) {
        int dropped = queue.size();
        queue.clear();
        queued.clear();
        again.clear();
        backoff.clear();
        LOG.warn("not leading any more ({}): {} queued reconcile(s) dropped{}", why, dropped,
                running.isEmpty() ? "" : "; running ones stop at their next check: " + new TreeSet<>(running));
    }

    /** For tests: the retry delays after failures, shorter than production's. */
    Controller backoff(Duration min, Duration max) {
        this.minBackoff = min;
        this.maxBackoff = max;
        reconciler.backoff(min, max);
        return this;
    }

    /** A worker: takes the next queued cluster and reconciles it, until the controller closes. */
    private void work() {
        try {
            while (!Thread.currentThread().isInterrupted()) {
                String cluster;
                synchronized (this) {
                    while (queue.isEmpty()) {
                        if (closed) {
                            return;
                        }
                        wait();
                    }
                    cluster = queue.pollFirst();
                    queued.remove(cluster);
                    running.add(cluster);
                }
                run(cluster);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /** Polls the source; on a new head, loads it once and reconciles every cluster. Returns whether it moved. */
    public boolean poll() {
        synchronized (pollLock) {
            return pollOnce();
        }
    }

    private boolean pollOnce() {
        if (!leadership.isLeader()) {
            LOG.debug("poll skipped: this replica does not lead ({})", leadership.describe());
            return false;
        }
        DesiredRevision known = current.get();
        try {
            Optional<Snapshot> head = source.poll(known == null ? null : known.revision());
            lastSourceError = null;
            if (head.isEmpty()) {
                LOG.debug("poll: {} unchanged", source.describe());
                return false;
            }
            DesiredRevision desired = DesiredRevision.of(head.get());
            current.set(desired);
            LOG.info("new commit {} on {}: {} cluster(s)", Steps.shortId(desired.revision()), source.describe(),
                    desired.config().clusters().size());
            // clusters whose files changed go first: with many clusters, the one a push was about is applied at once
            java.util.List<String> first = changed(known, desired);
            first.forEach(c -> request(c, true));
            reconcileAll(new HashSet<>(first));
            return true;
        } catch (RevisionSource.SourceException e) {
            lastSourceError = e.getMessage();
            metrics.counter("nkd_source_errors_total", "reason", e.reason()).increment();
            LOG.warn("poll of {} failed ({}): {}", source.describe(), e.reason(), e.getMessage());
            return false;
        }
    }

    /** Clusters whose directory (or the image catalogs) differ between two revisions. */
    private static java.util.List<String> changed(DesiredRevision before, DesiredRevision after) {
        if (before == null) {
            return java.util.List.of();
        }
        boolean imagesChanged = !sameFiles(before.snapshot(), after.snapshot(), io.nkd.config.ConfigLoader.IMAGES);
        return after.config().clusters().stream().map(LoadedCluster::name)
                .filter(n -> imagesChanged || !sameFiles(before.snapshot(), after.snapshot(), io.nkd.config.ConfigLoader.CLUSTERS + "/" + n))
                .toList();
    }

    private static boolean sameFiles(Snapshot a, Snapshot b, String dir) {
        java.util.List<String> pa = a.under(dir);
        if (!pa.equals(b.under(dir))) {
            return false;
        }
        return pa.stream().allMatch(p -> java.util.Arrays.equals(a.files().get(p), b.files().get(p)));
    }

    /** Every cluster of the current revision, plus clusters nkd has state for (so removals are noticed). */
    public void reconcileAll() {
        reconcileAll(Set.of());
    }

    private void reconcileAll(Set<String> alreadyRequested) {
        DesiredRevision desired = current.get();
        if (desired == null) {
            return;
        }
        TreeSet<String> names = new TreeSet<>(io.nkd.config.ReservedNames.userClusters(store.listClusters()));
        desired.config().clusters().stream().map(LoadedCluster::name).forEach(names::add);
        names.removeAll(alreadyRequested);
        names.forEach(this::request);
    }

    /** Asks for a reconcile of one cluster (coalesced with one already queued or running). */
    public void request(String cluster) {
        request(cluster, false);
    }

    /** @param urgent put it ahead of the queue (a cluster a new commit changed, or one a user asked for) */
    public synchronized void request(String cluster, boolean urgent) {
        if (current.get() == null || !leadership.isLeader()) {
            return;
        }
        if (running.contains(cluster)) {
            again.add(cluster);
            return;
        }
        if (queued.contains(cluster)) {
            if (urgent) {
                queue.remove(cluster);
                queue.addFirst(cluster);
            }
            return;
        }
        queued.add(cluster);
        if (urgent) {
            queue.addFirst(cluster);
        } else {
            queue.addLast(cluster);
        }
        notifyAll();
    }

    private void run(String cluster) {
        DesiredRevision desired = current.get();
        ClusterReconciler.Outcome outcome = null;
        boolean notLeader = false;
        try {
            leadership.ensureLeader();
            outcome = reconciler.reconcile(cluster, desired);
            if (!outcome.result().retries() && !desired.revision().equals(notedRevision.get(cluster))) {
                notedRevision.put(cluster, desired.revision());
                source.recordOutcome(desired.revision(), cluster, outcome.result().label() + " (" + outcome.status().phase()
                        + (outcome.status().lastError() != null && desired.revision().equals(outcome.status().lastError().revision())
                        ? ": " + outcome.status().lastError().reason() : "") + ")");
            }
        } catch (NotLeaderException e) {
            // not an error of the cluster: the new leader reconciles it from the shared state (nothing to retry here)
            notLeader = true;
            LOG.warn("reconcile of cluster={} commit={} stopped: this replica no longer leads ({}); the leader resumes it",
                    cluster, Steps.shortId(desired.revision()), leadership.leader().map(l -> "leader: " + l).orElse("no leader known"));
        } catch (RuntimeException e) {
            // a locked or corrupt state, for instance: logged with the cluster, retried with backoff
            LOG.error("reconcile of cluster={} commit={} could not run: {}", cluster, Steps.shortId(desired.revision()), e.getMessage());
        } finally {
            if (notLeader) {
                synchronized (this) {
                    running.remove(cluster);
                    again.remove(cluster);
                }
            } else {
                finished(cluster, outcome);
            }
        }
    }

    private synchronized void finished(String cluster, ClusterReconciler.Outcome outcome) {
        running.remove(cluster);
        if (again.remove(cluster)) {
            request(cluster, true);
            return;
        }
        Duration delay = null;
        if (outcome != null && outcome.result().retries() && outcome.retryAfter() != null) {
            // the reconciler counted the failure and put the time of the next attempt in the status
            backoff.remove(cluster);
            delay = outcome.retryAfter();
        } else if (outcome == null || outcome.result().retries()) {
            Duration previous = backoff.getOrDefault(cluster, Duration.ZERO);
            delay = previous.isZero() ? minBackoff : previous.multipliedBy(2).compareTo(maxBackoff) > 0 ? maxBackoff : previous.multipliedBy(2);
            backoff.put(cluster, delay);
        } else {
            backoff.remove(cluster);
            delay = outcome.retryAfter();
        }
        if (delay != null) {
            timers.schedule(() -> request(cluster), delay.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /** Names of the clusters in the current revision. */
    public java.util.List<String> currentClusters() {
        DesiredRevision d = current.get();
        return d == null ? java.util.List.of() : d.config().clusters().stream().map(LoadedCluster::name).toList();
    }

    public Optional<String> currentRevision() {
        DesiredRevision d = current.get();
        return d == null ? Optional.empty() : Optional.of(d.revision());
    }

    /** Ready once a revision of the source has been read. */
    public boolean ready() {
        return current.get() != null;
    }

    public Optional<String> lastSourceError() {
        return Optional.ofNullable(lastSourceError);
    }

    public String sourceDescription() {
        return source.describe();
    }

    /** Waits for running reconciles (for tests and clean shutdown). */
    public boolean awaitIdle(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            synchronized (this) {
                if (running.isEmpty() && again.isEmpty() && queued.isEmpty()) {
                    return true;
                }
            }
            Thread.sleep(20);
        }
        return false;
    }

    /**
     * How long {@link #close()} lets reconciles in progress finish before interrupting them. A reconcile never waits for
     * the cluster, so it ends within seconds; interrupting one mid-pass fails its state writes (NIO channels close on
     * interrupt) and left a StateWriteFailed warning and an unsaved status behind on every stop.
     */
    static final Duration CLOSE_GRACE = Duration.ofSeconds(10);

    @Override
    public void close() {
        synchronized (this) {
            closed = true;
            queue.clear(); // queued reconciles are not started: they run again after the next start
            queued.clear();
            notifyAll();
        }
        timers.shutdownNow();
        workers.shutdown();
        try {
            if (!workers.awaitTermination(CLOSE_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
                workers.shutdownNow();
                workers.awaitTermination(30, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            workers.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
