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
    /** Gauges read these; Micrometer holds gauge targets weakly, so they live here. */
    private final java.util.concurrent.ConcurrentMap<String, java.util.concurrent.atomic.AtomicLong> appliedTimestamps =
            new java.util.concurrent.ConcurrentHashMap<>();

    public ClusterReconciler(StateStore store, Collaborators collaborators, Clock clock, MeterRegistry metrics) {
        this.store = store;
        this.steps = Steps.all(collaborators);
        this.publisher = collaborators.publisher();
        this.clock = clock;
        this.metrics = metrics;
    }

    public Outcome reconcile(String cluster, DesiredRevision desired) {
        Timer.Sample sample = Timer.start(metrics);
        ReconcileResult result = ReconcileResult.ERROR;
        ClusterStatus status = null;
        // every log line of this reconcile (steps, providers) carries the cluster and commit (--log-format json)
        try (org.slf4j.MDC.MDCCloseable c = org.slf4j.MDC.putCloseable("cluster", cluster);
             org.slf4j.MDC.MDCCloseable r = org.slf4j.MDC.putCloseable("commit", Steps.shortId(desired.revision()));
             ClusterState state = store.open(cluster)) {
            ClusterStatus previous = StatusStore.status(state).orElse(ClusterStatus.initial(cluster));
            Scope scope = new Scope(cluster, desired, state, previous);
            LOG.info("reconcile started cluster={} commit={}", cluster, Steps.shortId(desired.revision()));
            runSteps(scope);
            status = notServing(StatusComputer.compute(scope, clock.instant()));
            try {
                StatusStore.save(state, status);
                HistoryEntry entry = history(scope, previous, status);
                StatusStore.record(state, entry);
                if (entry.outcome() == HistoryEntry.Outcome.UNCHANGED && settled(status) && !settled(previous)) {
                    // the commit applied earlier finished provisioning now: complete its entry
                    Condition ready = status.condition(StatusComputer.READY);
                    StatusStore.complete(state, status.updatedAt(), ready.reason(), ready.message());
                }
            } catch (io.nkd.state.StateIOException e) {
                // a full disk: the status (shown from memory until it can be saved) must say so, and the reconcile retries
                if (scope.failure == null) {
                    scope.failedStep = "SaveStatus";
                    scope.failure = new ReconcileException.Transient(io.nkd.status.Reasons.STATE_WRITE_FAILED,
                            "cannot save the cluster's status: " + e.getMessage(), e);
                    status = notServing(StatusComputer.compute(scope, clock.instant()));
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
            Duration retry = scope.failure instanceof ReconcileException.Waiting w ? w.retryAfter()
                    : scope.failure instanceof ReconcileException.Transient ? Duration.ofSeconds(10)
                    : status.phase() == ClusterStatus.Phase.PROVISIONING ? Duration.ofSeconds(5) : null;
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

    private void runSteps(Scope scope) {
        for (Step step : steps) {
            try {
                if (!step.run(scope)) {
                    return;
                }
            } catch (ReconcileException e) {
                scope.failedStep = step.name();
                scope.failure = e;
                LOG.warn("reconcile step failed cluster={} commit={} step={} reason={}: {}", scope.cluster,
                        Steps.shortId(scope.revision), step.name(), e.reason(), e.getMessage());
                return;
            } catch (io.nkd.state.CorruptStateException e) {
                // e.g. node-tokens.json: every fetch would fail, so the cluster must not look fine; the message
                // names the file and what to do, and the retry picks up a restored file by itself
                fail(scope, step, new ReconcileException.Transient(io.nkd.status.Reasons.STATE_CORRUPT, e.getMessage(), e));
                return;
            } catch (io.nkd.state.StateIOException e) {
                // a full disk, for one: retried with backoff until the space is back
                fail(scope, step, new ReconcileException.Transient(io.nkd.status.Reasons.STATE_WRITE_FAILED,
                        "step " + step.name() + ": " + e.getMessage(), e));
                return;
            } catch (RuntimeException e) {
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
