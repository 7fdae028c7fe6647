package io.nkd.reconcile;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.nkd.state.ClusterState;
import io.nkd.state.StateStore;
import io.nkd.status.ClusterStatus;
import io.nkd.status.Condition;
import io.nkd.status.HistoryEntry;
import io.nkd.status.StatusStore;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reconciles one cluster to one commit: runs the fixed list of steps, then computes and saves the status and a
 * history entry whatever happened (in a finally), under the cluster's lock in the state store.
 */
public final class ClusterReconciler {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterReconciler.class);

    /** How a reconcile ended, and when to try again (null: on the next commit or poll). */
    public record Outcome(ClusterStatus status, ReconcileResult result, Duration retryAfter) {
    }

    private final StateStore store;
    private final Collaborators.ConfigPublisher publisher;
    private final List<Step> steps;
    private final Clock clock;
    private final MeterRegistry metrics;
    private final AddonMetrics addonMetrics;
    /** Gauges read these; Micrometer holds gauge targets weakly, so they live here. */
    private final java.util.concurrent.ConcurrentMap<String, java.util.concurrent.atomic.AtomicLong> appliedTimestamps =
            new java.util.concurrent.ConcurrentHashMap<>();

    private final Collaborators.BootConfigs bootConfigs;
    /** nkd_cluster_api_ready and nkd_cluster_nodes: the cluster's own API, as ObserveCluster last saw it. */
    private final KubernetesGauges kubeGauges;
    private final Backoff backoff = new Backoff();
    private volatile io.nkd.ha.Leadership leadership = io.nkd.ha.Leadership.SOLE;
    /** nkd_machines{cluster,pool,phase} and nkd_reconcile_retry_seconds{cluster}: held here for the same reason. */
    private final java.util.concurrent.ConcurrentMap<java.util.List<String>, java.util.concurrent.atomic.AtomicLong> machineGauges =
            new java.util.concurrent.ConcurrentHashMap<>();
    /** nkd_certificate_expiry_timestamp_seconds{cluster,certificate}: the expiry of each certificate nkd keeps. */
    private final java.util.concurrent.ConcurrentMap<List<String>, java.util.concurrent.atomic.AtomicLong> certificateGauges =
            new java.util.concurrent.ConcurrentHashMap<>();
    private final java.util.concurrent.ConcurrentMap<String, java.util.concurrent.atomic.AtomicLong> retryGauges =
            new java.util.concurrent.ConcurrentHashMap<>();
    /** nkd_rollout_nodes{cluster,state} and nkd_rollout_phase{cluster,phase}. */
    private final java.util.concurrent.ConcurrentMap<java.util.List<String>, java.util.concurrent.atomic.AtomicLong> rolloutGauges =
            new java.util.concurrent.ConcurrentHashMap<>();
    /** The cluster.yaml of the last commit whose machines were reconciled, in the cluster's state ({@code nkd destroy} reads it). */
    public static final String APPLIED_CLUSTER_FILE = Steps.APPLIED_CLUSTER_FILE;
    /** Where the machines of a cluster are when no commit was fully applied yet (a first commit that failed midway). */
    public static final String PROVISIONING_CLUSTER_FILE = Steps.PROVISIONING_CLUSTER_FILE;
    /** How long a reconcile waits for the cluster's lock (held briefly by the Ignition server, or by nkd destroy). */
    static final Duration LOCK_WAIT = Duration.ofSeconds(30);

    public ClusterReconciler(StateStore store, Collaborators collaborators, Clock clock, MeterRegistry metrics) {
        this.store = store;
        this.steps = Steps.all(collaborators);
        this.bootConfigs = collaborators.bootConfigs();
        this.publisher = collaborators.publisher();
        this.clock = clock;
        this.metrics = metrics;
        this.kubeGauges = new KubernetesGauges(metrics);
        this.addonMetrics = new AddonMetrics(metrics);
    }

    /**
     * The election this reconciler acts under: asked before every step and before the status is saved; a reconcile that
     * meets lost leadership ends with {@link io.nkd.ha.NotLeaderException} and writes nothing more.
     */
    ClusterReconciler leadership(io.nkd.ha.Leadership leadership) {
        this.leadership = java.util.Objects.requireNonNull(leadership, "leadership");
        return this;
    }

    public Outcome reconcile(String cluster, DesiredRevision desired) {
        Timer.Sample sample = Timer.start(metrics);
        ReconcileResult result = ReconcileResult.ERROR;
        ClusterStatus status = null;
        // every log line of this reconcile (steps, providers) carries the cluster and commit (--log-format json)
        if (desired.config().cluster(cluster).isEmpty() && !store.view(cluster).exists("")) {
            // removed from Git and forgotten (nkd destroy) while a reconcile was queued: nothing to say, nothing to write
            LOG.debug("cluster={} is neither in Git nor in the state: nothing to reconcile", cluster);
            return new Outcome(ClusterStatus.initial(cluster), ReconcileResult.SUCCESS, null);
        }
        try (org.slf4j.MDC.MDCCloseable c = org.slf4j.MDC.putCloseable("cluster", cluster);
             org.slf4j.MDC.MDCCloseable r = org.slf4j.MDC.putCloseable("commit", Steps.shortId(desired.revision()));
             ClusterState state = openWaiting(cluster)) {
            if (desired.config().cluster(cluster).isEmpty() && state.list("").isEmpty()) {
                // forgotten (nkd destroy) while this reconcile waited for the lock: do not bring its state back, and
                // remove the empty directory taking the lock made, or the cluster would be listed again
                if (store instanceof io.nkd.state.LocalStateStore local) {
                    local.forget(state, false, clock.instant());
                }
                return new Outcome(ClusterStatus.initial(cluster), ReconcileResult.SUCCESS, null);
            }
            ClusterStatus previous = StatusStore.status(state).orElse(ClusterStatus.initial(cluster));
            Scope scope = new Scope(cluster, desired, state, previous, new ProviderCalls(cluster, desired.revision(), metrics, clock));
            LOG.info("reconcile started cluster={} commit={}", cluster, Steps.shortId(desired.revision()));
            try {
                runSteps(scope);
            } finally {
                if (scope.workload != null) {
                    scope.workload.close();
                }
            }
            leadership.ensureLeader(); // a step that failed because leadership was lost must not be reported as the cluster's failure
            readFetches(scope);
            retry(scope);
            status = StatusComputer.certificates(notServing(StatusComputer.compute(scope, clock.instant())), scope, clock.instant());
            try {
                StatusStore.save(state, status);
                HistoryEntry entry = history(scope, previous, status);
                StatusStore.record(state, entry);
                if (entry.outcome() == HistoryEntry.Outcome.UNCHANGED && settled(status) && !settled(previous)) {
                    // the commit applied earlier finished provisioning now: complete its entry
                    Condition ready = status.condition(StatusComputer.READY);
                    StatusStore.complete(state, status.updatedAt(), ready.reason(), ready.message());
                }
                rolloutHistory(state, scope, status);
            } catch (io.nkd.state.StateIOException e) {
                // a full disk: the status (shown from memory until it can be saved) must say so, and the reconcile retries
                if (scope.failure == null) {
                    scope.failedStep = "SaveStatus";
                    scope.failure = new ReconcileException.Transient(io.nkd.status.Reasons.STATE_WRITE_FAILED,
                            "cannot save the cluster's status: " + e.getMessage(), e);
                    retry(scope);
                    status = StatusComputer.certificates(notServing(StatusComputer.compute(scope, clock.instant())), scope, clock.instant());
                    try {
                        StatusStore.save(state, status);
                    } catch (io.nkd.state.StateIOException again) {
                        // kept in memory by StatusStore
                    }
                }
                LOG.warn("cluster={} commit={}: status not saved: {}", cluster, Steps.shortId(desired.revision()), e.getMessage());
            }
            result = scope.failure == null ? (scope.paused ? ReconcileResult.PAUSED : ReconcileResult.SUCCESS)
                    : scope.failure instanceof ReconcileException.Stalled ? ReconcileResult.STALLED : ReconcileResult.RETRY;
            LOG.info("reconcile finished cluster={} commit={} result={} phase={}{}", cluster, Steps.shortId(desired.revision()),
                    result.label(), status.phase(), scope.failure == null ? "" : " step=" + scope.failedStep + " reason=" + scope.failure.reason());
            Duration retry = scope.retryIn != null ? scope.retryIn
                    : scope.observed != null ? earliest(KubernetesGauges.observeAgain(status),
                    scope.failure == null ? scope.rolloutRecheck : null)
                    : status.phase() == ClusterStatus.Phase.PROVISIONING ? Duration.ofSeconds(5)
                    : scope.failure == null ? scope.rolloutRecheck : null;
            retry = ApplyAddons.nextPass(scope, retry);
            addonMetrics.record(scope);
            logTransitions(cluster, desired.revision(), previous, status);
            KubernetesGauges.logTransitions(cluster, desired.revision(), previous, status);
            gauges(cluster, status, scope.retryIn, scope.certificates);
            StatusComputer.kubeadmCertificates(scope).forEach((name, at) -> certificateGauges.computeIfAbsent(List.of(cluster, name),
                    k -> metrics.gauge("nkd_certificate_expiry_timestamp_seconds", io.micrometer.core.instrument.Tags.of("cluster",
                            k.get(0), "certificate", k.get(1)), new java.util.concurrent.atomic.AtomicLong())).set(at.getEpochSecond()));
            kubeGauges.update(cluster, status);
            rolloutGauges(cluster, status);
            return new Outcome(status, result, retry);
        } finally {
            sample.stop(Timer.builder("nkd_reconcile_duration_seconds").description("Duration of one cluster reconcile")
                    .tag("cluster", cluster).tag("result", result.label()).publishPercentileHistogram().register(metrics));
            metrics.counter("nkd_reconcile_total", "cluster", cluster, "result", result.label()).increment();
            if (status != null && status.appliedAt() != null) {
                appliedTimestamps.computeIfAbsent(cluster, c -> metrics.gauge("nkd_cluster_applied_timestamp_seconds",
                        io.micrometer.core.instrument.Tags.of("cluster", c), new java.util.concurrent.atomic.AtomicLong()))
                        .set(status.appliedAt().getEpochSecond());
            }
        }
    }

    private ClusterState openWaiting(String cluster) {
        try {
            return store.open(cluster, LOCK_WAIT);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the lock of cluster " + cluster, e);
        }
    }

    /**
     * Which nodes fetched their config (the Ignition server's record), once the machines step ran. A corrupt record
     * fails the reconcile with its file's name (the Ignition server goes on serving regardless).
     */
    private void readFetches(Scope scope) {
        if (scope.rendered == null || scope.loaded == null) {
            return;
        }
        try {
            scope.fetched = bootConfigs.fetched(scope.state);
        } catch (io.nkd.state.CorruptStateException e) {
            if (scope.failure == null) {
                scope.failedStep = "ReadFetches";
                scope.failure = new ReconcileException.Transient(io.nkd.status.Reasons.STATE_CORRUPT, e.getMessage(), e);
                LOG.warn("cluster={} commit={}: {}", scope.cluster, Steps.shortId(scope.revision), e.getMessage());
            }
        }
    }

    /** A failure nkd retries gets its place in the backoff (shown in status); anything else ends the run of failures. */
    private void retry(Scope scope) {
        if (scope.failure == null || scope.failure instanceof ReconcileException.Stalled) {
            backoff.succeeded(scope.cluster);
            scope.attempts = 0;
            scope.retryIn = null;
            return;
        }
        Backoff.Next next = backoff.failed(scope.cluster);
        scope.attempts = next.attempt();
        scope.retryIn = scope.failure instanceof ReconcileException.Waiting w ? w.retryAfter() : next.delay();
    }

    /** For tests: shorter retry delays than production's. */
    void backoff(Duration min, Duration max) {
        backoff.limits(min, max);
    }

    /** One log line per machine that changed phase: the machine's progress, greppable by cluster, commit and machine. */
    private static void logTransitions(String cluster, String revision, ClusterStatus before, ClusterStatus after) {
        java.util.Map<String, ClusterStatus.NodeStatus> old = new java.util.HashMap<>();
        before.nodes().forEach(n -> old.put(n.name(), n));
        for (ClusterStatus.NodeStatus n : after.nodes()) {
            ClusterStatus.NodeStatus o = old.get(n.name());
            if (n.phase() == null || o != null && o.phase() == n.phase()) {
                continue;
            }
            String line = "machine {} cluster={} commit={} machine={} pool={} config={}{}";
            Object[] args = {n.phase().name().toLowerCase(java.util.Locale.ROOT), cluster, Steps.shortId(revision), n.name(), n.pool(),
                    n.currentVersion() == null ? n.desiredVersion() : n.currentVersion(),
                    n.message() == null ? "" : ": " + n.message()};
            if (n.phase() == io.nkd.status.MachinePhase.FAILED
                    || n.phase() == io.nkd.status.MachinePhase.REQUESTED && n.message() != null && !n.message().equals("to be created")) {
                LOG.warn(line, args);
            } else {
                LOG.info(line, args);
            }
        }
    }

    /** nkd_machines{cluster,pool,phase}: every phase of every pool, 0 when none (so a graph drops to 0, not to nothing). */
    private void gauges(String cluster, ClusterStatus status, Duration retryIn, List<io.nkd.pki.CertificateInfo> certificates) {
        java.util.Map<java.util.List<String>, Long> counts = new java.util.HashMap<>();
        for (ClusterStatus.NodeStatus n : status.nodes()) {
            if (n.phase() != null) {
                counts.merge(java.util.List.of(cluster, n.pool(), n.phase().name().toLowerCase(java.util.Locale.ROOT)), 1L, Long::sum);
            }
        }
        java.util.Set<String> pools = new java.util.TreeSet<>();
        status.nodes().forEach(n -> pools.add(n.pool()));
        machineGauges.keySet().stream().filter(k -> k.get(0).equals(cluster)).forEach(k -> pools.add(k.get(1)));
        for (String pool : pools) {
            for (io.nkd.status.MachinePhase phase : io.nkd.status.MachinePhase.values()) {
                java.util.List<String> key = java.util.List.of(cluster, pool, phase.name().toLowerCase(java.util.Locale.ROOT));
                machineGauges.computeIfAbsent(key, k -> metrics.gauge("nkd_machines", io.micrometer.core.instrument.Tags.of(
                        "cluster", k.get(0), "pool", k.get(1), "phase", k.get(2)), new java.util.concurrent.atomic.AtomicLong()))
                        .set(counts.getOrDefault(key, 0L));
            }
        }
        for (io.nkd.pki.CertificateInfo cert : certificates) {
            // renewed certificates keep their path: the same series moves forward
            certificateGauges.computeIfAbsent(List.of(cluster, cert.path()), k -> metrics.gauge("nkd_certificate_expiry_timestamp_seconds",
                    io.micrometer.core.instrument.Tags.of("cluster", k.get(0), "certificate", k.get(1)),
                    new java.util.concurrent.atomic.AtomicLong())).set(cert.notAfter().getEpochSecond());
        }
        retryGauges.computeIfAbsent(cluster, c -> metrics.gauge("nkd_reconcile_retry_seconds",
                io.micrometer.core.instrument.Tags.of("cluster", c), new java.util.concurrent.atomic.AtomicLong()))
                .set(retryIn == null ? 0 : retryIn.toSeconds());
    }

    /**
     * A history entry per rollout: when nkd wrote a new target into the Update, and its completion when the Housekeeper
     * reported every node at it (from the Update's own times where it gives them).
     */
    /** The sooner of two delays, either may be null. */
    private static Duration earliest(Duration a, Duration b) {
        return a == null ? b : b == null ? a : a.compareTo(b) <= 0 ? a : b;
    }

    private void rolloutHistory(ClusterState state, Scope scope, ClusterStatus status) {
        io.nkd.status.RolloutStatus r = status.rollout();
        if (scope.rolloutStarted != null) {
            StatusStore.record(state, new HistoryEntry(scope.revision, status.updatedAt(), HistoryEntry.Outcome.ROLLOUT,
                    io.nkd.status.Reasons.ROLLING_OUT, scope.rolloutStarted));
            LOG.info("rollout started cluster={} commit={}: {}", scope.cluster, Steps.shortId(scope.revision), scope.rolloutStarted);
        }
        if (scope.rolloutCompleted && r != null) {
            java.time.Instant at = r.completedAt() != null ? r.completedAt() : status.updatedAt();
            String message = "every node runs " + r.targetImage() + " and Kubernetes " + r.targetKubernetes() + " (" + r.update() + ")";
            StatusStore.completeRollout(state, at, io.nkd.status.Reasons.SUCCEEDED, message);
            LOG.info("rollout completed cluster={} commit={}: {}", scope.cluster, Steps.shortId(scope.revision), message);
        }
    }

    /**
     * nkd_rollout_nodes{cluster,state}: the Update's nodes per state (pending, updating, updated, failed), 0 when none;
     * nkd_rollout_phase{cluster,phase}: 1 for the Update's current phase (and "waiting" while a window holds the
     * target, "none" without a rollout), 0 for the others.
     */
    private void rolloutGauges(String cluster, ClusterStatus status) {
        io.nkd.status.RolloutStatus r = status.rollout();
        java.util.Map<String, Long> counts = new java.util.HashMap<>();
        if (r != null) {
            r.nodes().forEach(n -> counts.merge(n.state() == null ? "pending" : n.state().name().toLowerCase(java.util.Locale.ROOT), 1L, Long::sum));
        }
        for (io.nkd.housekeeper.api.NodeUpdateState st : io.nkd.housekeeper.api.NodeUpdateState.values()) {
            String state = st.name().toLowerCase(java.util.Locale.ROOT);
            rolloutGauges.computeIfAbsent(java.util.List.of("nodes", cluster, state), k -> metrics.gauge("nkd_rollout_nodes",
                    io.micrometer.core.instrument.Tags.of("cluster", cluster, "state", state), new java.util.concurrent.atomic.AtomicLong()))
                    .set(counts.getOrDefault(state, 0L));
        }
        String current = r == null ? "none" : r.phase() == null ? (r.opensAt() != null || r.targetImage() == null ? "waiting" : "pending")
                : r.phase().name().toLowerCase(java.util.Locale.ROOT);
        java.util.List<String> phases = new java.util.ArrayList<>(java.util.List.of("none", "waiting"));
        for (io.nkd.housekeeper.api.RolloutPhase p : io.nkd.housekeeper.api.RolloutPhase.values()) {
            phases.add(p.name().toLowerCase(java.util.Locale.ROOT));
        }
        for (String phase : phases) {
            rolloutGauges.computeIfAbsent(java.util.List.of("phase", cluster, phase), k -> metrics.gauge("nkd_rollout_phase",
                    io.micrometer.core.instrument.Tags.of("cluster", cluster, "phase", phase), new java.util.concurrent.atomic.AtomicLong()))
                    .set(phase.equals(current) ? 1 : 0);
        }
    }

    private void runSteps(Scope scope) {
        for (Step step : steps) {
            leadership.ensureLeader();
            try {
                if (!step.run(scope)) {
                    return;
                }
            } catch (ReconcileException e) {
                leadership.ensureLeader(); // a failure met after losing the lease is not the cluster's
                scope.failedStep = step.name();
                scope.failure = e;
                LOG.warn("reconcile step failed cluster={} commit={} step={} reason={}: {}", scope.cluster,
                        Steps.shortId(scope.revision), step.name(), e.reason(), e.getMessage());
                return;
            } catch (io.nkd.state.CorruptStateException e) {
                leadership.ensureLeader();
                // e.g. node-tokens.json: every fetch would fail, so the cluster must not look fine; the message
                // names the file and what to do, and the retry picks up a restored file by itself
                fail(scope, step, new ReconcileException.Transient(io.nkd.status.Reasons.STATE_CORRUPT, e.getMessage(), e));
                return;
            } catch (io.nkd.state.StateIOException e) {
                leadership.ensureLeader();
                // a full disk, for one: retried with backoff until the space is back
                fail(scope, step, new ReconcileException.Transient(io.nkd.status.Reasons.STATE_WRITE_FAILED,
                        "step " + step.name() + ": " + e.getMessage(), e));
                return;
            } catch (RuntimeException e) {
                if (io.nkd.ha.NotLeaderException.causedBy(e)) {
                    // a guarded call refused: this reconcile ends here, whatever step wrapped the refusal
                    throw new io.nkd.ha.NotLeaderException(leadership.identity(), leadership.leader().orElse(null), leadership.describe());
                }
                scope.failedStep = step.name();
                scope.failure = new ReconcileException.Transient(io.nkd.status.Reasons.INTERNAL_ERROR,
                        "internal error in step " + step.name() + ": " + e, e);
                LOG.error("reconcile step crashed cluster={} commit={} step={}", scope.cluster, Steps.shortId(scope.revision),
                        step.name(), e);
                return;
            }
        }
    }

    /**
     * A status must not say Ready while booting nodes would get 404 for what it names: after a restart whose stored
     * configs were missing or damaged, a cluster held at its last good commit (not rendered again) is in that case.
     */
    private ClusterStatus notServing(ClusterStatus status) {
        List<String> versions = status.pools().stream().map(ClusterStatus.PoolStatus::renderedVersion)
                .filter(java.util.Objects::nonNull).toList();
        List<String> missing = versions.isEmpty() ? List.of() : publisher.unserved(status.name(), versions);
        if (missing.isEmpty()) {
            return status;
        }
        return StatusComputer.notServed(status, missing, clock.instant());
    }

    private static void fail(Scope scope, Step step, ReconcileException e) {
        scope.failedStep = step.name();
        scope.failure = e;
        LOG.warn("reconcile step failed cluster={} commit={} step={} reason={}: {}", scope.cluster,
                Steps.shortId(scope.revision), step.name(), e.reason(), e.getMessage());
    }

    private static java.util.List<String> nodeNames(ClusterStatus status) {
        return status.nodes().stream().map(ClusterStatus.NodeStatus::name).toList();
    }

    private HistoryEntry history(Scope s, ClusterStatus previous, ClusterStatus status) {
        if (s.failure != null) {
            return new HistoryEntry(s.revision, clock.instant(), s.failure instanceof ReconcileException.Stalled
                    && io.nkd.status.Reasons.CHANGE_REFUSED.equals(s.failure.reason()) ? HistoryEntry.Outcome.REFUSED
                    : HistoryEntry.Outcome.FAILED, s.failure.reason(), s.failure.getMessage());
        }
        // history lists the commits that changed this cluster's desired state: the same rendered versions (content
        // hashes of every pool config) and the same nodes as before mean the commit did not touch it
        boolean unchanged = s.revision.equals(previous.appliedRevision())
                || (previous.appliedRevision() != null && !s.paused && previous.pools().equals(status.pools())
                && nodeNames(previous).equals(nodeNames(status)));
        Condition ready = status.condition(StatusComputer.READY);
        // the status's own times, so that history and status name the same instant for the same event
        java.time.Instant applied = s.paused || status.appliedAt() == null ? status.updatedAt() : status.appliedAt();
        return new HistoryEntry(s.revision, applied, unchanged ? HistoryEntry.Outcome.UNCHANGED : HistoryEntry.Outcome.APPLIED,
                ready == null ? null : ready.reason(), s.paused ? "paused" : ready == null ? status.phase().name() : ready.message(),
                !s.paused && settled(status) ? status.updatedAt() : null);
    }

    /** Whether nkd's work on the applied commit is over: nothing is provisioning any more. */
    private static boolean settled(ClusterStatus status) {
        return switch (status.phase()) {
            case READY, ROLLOUT_PENDING -> true;
            case DEGRADED -> status.lastError() == null; // a failed machine, not a failed commit
            default -> false;
        };
    }
}
