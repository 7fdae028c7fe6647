package io.nkd.reconcile;

import io.nkd.config.Topology;
import io.nkd.infra.ProvisionedMachine;
import io.nkd.status.ClusterStatus;
import io.nkd.status.ClusterStatus.NodeStatus;
import io.nkd.status.ClusterStatus.Phase;
import io.nkd.status.ClusterStatus.PoolStatus;
import io.nkd.status.Condition;
import io.nkd.status.MachinePhase;
import io.nkd.status.Condition.Status;
import io.nkd.status.Reasons;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The one place that turns what a reconcile learned (the {@link Scope}) into the cluster's status and
 * conditions. Every condition always has a reason. The phase comes from one {@link Standing}, and the Ready
 * condition's status from the phase alone ({@link #ready(Phase)}), so the two cannot contradict each other.
 * A failed commit never moves appliedRevision: the cluster stays on its last good commit, and the failure
 * shows in Stalled/Ready and lastError.
 */
final class StatusComputer {
    static final String READY = "Ready";
    static final String RECONCILING = "Reconciling";
    static final String STALLED = "Stalled";
    static final String CONFIG_VALID = "ConfigValid";
    static final String RENDERED = "Rendered";
    static final String MACHINES_READY = "MachinesReady";
    /** Whether every running node runs the config the applied commit asks for. */
    static final String UP_TO_DATE = "UpToDate";

    /** How a cluster stands after a reconcile; the only input of its phase. */
    enum Standing {
        /** Removed from Git. */
        UNMANAGED,
        /** spec.paused in Git. */
        PAUSED,
        /** The commit failed and no commit was ever applied. */
        FAILED_NOTHING_APPLIED,
        /** The commit failed; the last good commit stays applied. */
        FAILED_LAST_GOOD_KEPT,
        /** Applied, and a machine failed. */
        MACHINES_FAILED,
        /** Applied; machines are missing or booting. */
        PROVISIONING,
        /** Applied; every machine fetched its config; the API server or the nodes are not up yet in Kubernetes. */
        WAITING_FOR_KUBERNETES,
        /** Applied; the cluster was up, and its API or some of its nodes are not Ready any more. */
        KUBERNETES_DEGRADED,
        /** Applied; every machine runs, some on an older config that only a rollout would replace. */
        ROLLOUT_PENDING,
        /** Applied; every node runs its desired config. */
        READY
    }

    private StatusComputer() {
    }

    static Phase phase(Standing standing) {
        return switch (standing) {
            case UNMANAGED -> Phase.UNMANAGED;
            case PAUSED -> Phase.PAUSED;
            case FAILED_NOTHING_APPLIED -> Phase.FAILED;
            case FAILED_LAST_GOOD_KEPT, MACHINES_FAILED, KUBERNETES_DEGRADED -> Phase.DEGRADED;
            case PROVISIONING, WAITING_FOR_KUBERNETES -> Phase.PROVISIONING;
            case ROLLOUT_PENDING -> Phase.ROLLOUT_PENDING;
            case READY -> Phase.READY;
        };
    }

    /** The Ready condition's status in each phase: the one mapping nkd status, the API and metrics show. */
    static Status ready(Phase phase) {
        return switch (phase) {
            case READY -> Status.TRUE;
            case PENDING, PAUSED, UNMANAGED, UNKNOWN -> Status.UNKNOWN;
            case PROVISIONING, ROLLOUT_PENDING, DEGRADED, FAILED -> Status.FALSE;
        };
    }

    static ClusterStatus compute(Scope s, Instant now) {
        ClusterStatus prev = s.previous;
        if (s.removed) {
            String message = "the cluster is no longer in the repository at " + Steps.shortId(s.revision)
                    + "; nkd stopped managing it and deleted nothing (its machines keep running)";
            return settle(copy(prev, prev.appliedRevision(), s.revision, prev.pools(), prev.nodes(), prev.lastError(), prev.appliedAt(), now),
                    Standing.UNMANAGED, Reasons.CLUSTER_REMOVED, message, now, s.revision,
                    cond(RECONCILING, Status.FALSE, Reasons.CLUSTER_REMOVED, "not managed"),
                    cond(STALLED, Status.FALSE, Reasons.CLUSTER_REMOVED, "not managed"));
        }
        if (s.failure != null) {
            return failed(s, prev, now);
        }
        if (s.paused) {
            return settle(copy(prev, prev.appliedRevision(), s.revision, prev.pools(), prev.nodes(), prev.lastError(), prev.appliedAt(), now),
                    Standing.PAUSED, Reasons.PAUSED, "spec.paused is true in Git: nkd changes nothing until it is false", now, s.revision,
                    cond(RECONCILING, Status.FALSE, Reasons.PAUSED, "spec.paused is true in Git"),
                    cond(STALLED, Status.FALSE, Reasons.PAUSED, "paused"));
        }
        return applied(s, prev, now);
    }

    /** What the nodes of a reconcile add up to: one NodeStatus each, and the groups the conditions name. */
    private static final class NodeTally {
        final List<NodeStatus> nodes = new ArrayList<>();
        int upToDate;
        int fetched;
        /** Nodes whose machine is missing, building, running without a fetch, or failed with re-creations left. */
        final List<String> waiting = new ArrayList<>();
        /** Failed machines nkd gave up re-creating, with the provider's message. */
        final List<String> failed = new ArrayList<>();
        /** (pool, fetched version) → nodes, for one sentence per group of outdated nodes. */
        final Map<String, List<String>> outdated = new TreeMap<>();
    }

    /**
     * Each desired node's machine and progress: requested (no machine yet, or the provider refused it) → building →
     * active → fetched (from the Ignition server's record, or the provider's own knowledge of the config it booted),
     * or failed / deleting. A fetch counts only if it came after the machine was created (a machine re-created under
     * the same name starts unfetched).
     */
    private static NodeTally nodes(Scope s, List<ProvisionedMachine> machines, Instant now) {
        Map<String, ProvisionedMachine> byName = machines.stream().collect(Collectors.toMap(ProvisionedMachine::name, Function.identity(), (a, b) -> a));
        Map<String, NodeStatus> before = s.previous.nodes().stream().collect(Collectors.toMap(NodeStatus::name, Function.identity(), (a, b) -> a));
        Map<String, String> poolVersions = s.rendered.versions();
        Map<String, FailedMachines.Tries> tries = s.calls.failedMachineTries();
        NodeTally t = new NodeTally();
        for (Topology.PlannedNode n : Topology.nodes(s.cluster, s.loaded.spec())) {
            ProvisionedMachine m = byName.get(n.name());
            String desired = poolVersions.get(n.pool().name());
            Collaborators.NodeFetch fetch = s.fetched.get(n.name());
            if (fetch != null && m != null && m.createdAt() != null && fetch.last() != null && fetch.last().isBefore(m.createdAt())) {
                fetch = null;
            }
            String current = m == null ? null : fetch != null ? fetch.poolVersion() : m.currentConfig();
            MachinePhase phase;
            String message;
            if (m == null) {
                phase = MachinePhase.REQUESTED;
                var refused = s.calls.createFailure(n.name());
                message = refused.map(e -> ProviderCalls.describe("the provider", e)).orElse("to be created");
            } else {
                phase = switch (m.state()) {
                    case FAILED -> MachinePhase.FAILED;
                    case DELETING -> MachinePhase.DELETING;
                    // fetched only once the provider, too, calls it running: the steps are in order, and a replacement
                    // waits for every other machine to be ACTIVE, so Ready must not come before the provider says so
                    case BUILDING -> MachinePhase.BUILDING;
                    case ACTIVE -> current != null ? MachinePhase.FETCHED : MachinePhase.ACTIVE;
                };
                message = m.message();
            }
            FailedMachines.Tries tried = tries.get(n.name());
            if (phase == MachinePhase.FAILED && tried == null) {
                message = (m.message() == null ? "failed at the provider" : m.message()) + "; nkd deletes and re-creates it (at most "
                        + FailedMachines.MAX_RECREATIONS + " times, " + FailedMachines.FIRST_DELAY.toSeconds() + " s after the failure at first)";
            } else if (phase == MachinePhase.FAILED) {
                message = (m.message() == null ? "failed at the provider" : m.message()) + (tried.givenUp()
                        ? "; re-created " + tried.recreations() + " times already, nkd leaves it failed: delete it at the provider"
                        + " (nkd then creates it again) or fix the cause and push a commit"
                        : "; nkd deletes and re-creates it at " + tried.nextAt() + " (re-creation " + (tried.recreations() + 1)
                        + " of " + FailedMachines.MAX_RECREATIONS + ")");
            }
            NodeStatus old = before.get(n.name());
            // a machine made after the recorded time is another one under the same name (a replacement): its own time
            boolean sameMachine = m == null || m.createdAt() == null || old == null || old.since() == null
                    || !old.since().isBefore(m.createdAt());
            // after FETCHED, the node's own Node object tells how far it is (joined, Ready, NotReady again)
            KubernetesObservation.NodeView view = KubernetesObservation.refine(s, n.name(), phase, message, old);
            phase = view.phase();
            message = view.message();
            Instant since = old != null && old.phase() == phase && old.since() != null && sameMachine ? old.since() : now;
            t.nodes.add(new NodeStatus(n.name(), n.pool().name(), desired, current, phase, since, message, view.kubernetes()));
            if (phase == MachinePhase.FAILED && tried != null && tried.givenUp()) {
                t.failed.add(n.name() + (m.message() == null ? "" : " (" + m.message() + ")"));
            } else if (!KubernetesObservation.provisioned(phase)) {
                t.waiting.add(n.name() + " (" + phase.name().toLowerCase(java.util.Locale.ROOT) + (message == null ? "" : ": " + message) + ")");
            } else {
                t.fetched++;
                if (desired.equals(current)) {
                    t.upToDate++;
                } else {
                    t.outdated.computeIfAbsent("pool " + n.pool().name() + " fetched " + current + ", desired " + desired,
                            k -> new ArrayList<>()).add(n.name());
                }
            }
        }
        return t;
    }

    /**
     * What this pass did to machines and what it left alone on purpose, in the words of the plan: deletions are
     * made once their nodes are drained, orphans and held replacements are named with the
     * setting that would act on them; a machine deleted without draining its node is named as such.
     */
    private static String machineChanges(Scope s) {
        List<String> parts = new ArrayList<>();
        if (s.created > 0) {
            parts.add(s.created + " created");
        }
        if (s.deleted > 0) {
            parts.add(s.deleted + " deleted");
        }
        if (!s.undrained.isEmpty()) {
            parts.add("deleted WITHOUT draining (nkd could not reach the cluster's API): " + String.join(", ", s.undrained));
        }
        if (!s.replaced.isEmpty()) {
            parts.add("replaced: " + String.join(", ", s.replaced));
        }
        if (!s.pruned.isEmpty()) {
            parts.add("orphans pruned: " + String.join(", ", s.pruned));
        }
        if (!s.orphansKept.isEmpty()) {
            parts.add("orphans kept (their pool is not in Git; spec.machinePolicy.prune: true deletes them): "
                    + String.join(", ", s.orphansKept));
        }
        if (!s.replacementsHeld.isEmpty()) {
            parts.add("replacements held (spec.machinePolicy.replace is false, or a control-plane node): "
                    + String.join(", ", s.replacementsHeld));
        }
        if (s.replacementsWaiting != null) {
            parts.add(s.replacementsWaiting);
        }
        return parts.isEmpty() ? "" : " (" + String.join("; ", parts) + ")";
    }

    private static ClusterStatus applied(Scope s, ClusterStatus prev, Instant now) {
        List<PoolStatus> pools = s.rendered.versions().entrySet().stream().map(e -> new PoolStatus(e.getKey(), e.getValue())).toList();
        NodeTally tally = nodes(s, s.machines, now);
        List<NodeStatus> nodes = tally.nodes;
        int upToDate = tally.upToDate;
        int running = tally.fetched;
        List<String> notRunning = tally.waiting;
        // machines whose nodes are still being taken out of Kubernetes: the reconcile comes back soon
        s.draining.forEach((node, what) -> notRunning.add("draining " + node + ": " + what));
        s.drainBlocked.forEach((node, why) -> notRunning.add("draining " + node + " is blocked: " + why));
        List<String> failedMachines = tally.failed;
        Map<String, List<String>> outdated = tally.outdated;
        int total = nodes.size();
        KubernetesObservation.Verdict kube = KubernetesObservation.verdict(s, nodes, prev);
        Standing standing = !failedMachines.isEmpty() ? Standing.MACHINES_FAILED
                : !notRunning.isEmpty() ? Standing.PROVISIONING
                : kube.kind() == KubernetesObservation.Kind.DEGRADED ? Standing.KUBERNETES_DEGRADED
                : kube.kind() == KubernetesObservation.Kind.WAITING ? Standing.WAITING_FOR_KUBERNETES
                : !outdated.isEmpty() ? Standing.ROLLOUT_PENDING
                : Standing.READY;
        String machines = running + " of " + total + " machines fetched their config" + machineChanges(s);
        String rollout = outdated.entrySet().stream().map(e -> e.getValue().size() + " node(s) of " + e.getKey()
                        + " (" + String.join(", ", e.getValue()) + ")").collect(Collectors.joining("; "))
                + "; Ignition runs only at first boot and rolling updates go through the in-cluster Housekeeper, which nkd does not install or drive yet, "
                + "so these nodes stay as they are (machines created from now on boot the desired config)";
        String upToDateText = upToDate + " of " + total + " nodes run their desired config";

        Condition machinesReady = switch (standing) {
            case MACHINES_FAILED -> cond(MACHINES_READY, Status.FALSE, Reasons.MACHINES_FAILED,
                    "failed: " + String.join(", ", failedMachines) + "; " + machines);
            case PROVISIONING -> cond(MACHINES_READY, Status.FALSE, Reasons.WAITING_FOR_MACHINES,
                    machines + "; waiting for " + String.join("; ", notRunning));
            default -> cond(MACHINES_READY, Status.TRUE, Reasons.MACHINES_READY, machines);
        };
        // True only when every node runs its desired config: nodes that have not fetched any config yet (building,
        // failed) are not up to date either, and saying True with "0 of 3" would contradict the message
        Condition nodesUpToDate = !outdated.isEmpty()
                ? cond(UP_TO_DATE, Status.FALSE, Reasons.ROLLOUT_PENDING, rollout)
                : upToDate < total
                ? cond(UP_TO_DATE, Status.FALSE, Reasons.WAITING_FOR_MACHINES, upToDateText + "; the others have not fetched a config yet")
                : cond(UP_TO_DATE, Status.TRUE, Reasons.SUCCEEDED, upToDateText);
        String readyReason;
        String readyMessage;
        Condition reconciling;
        Condition stalled;
        switch (standing) {
            case MACHINES_FAILED -> {
                readyReason = Reasons.MACHINES_FAILED;
                readyMessage = machinesReady.message();
                reconciling = cond(RECONCILING, Status.FALSE, Reasons.MACHINES_FAILED, "nkd re-created the failed machines "
                        + FailedMachines.MAX_RECREATIONS + " times and leaves them failed");
                stalled = cond(STALLED, Status.TRUE, Reasons.MACHINES_FAILED, machinesReady.message());
            }
            case PROVISIONING -> {
                readyReason = Reasons.PROVISIONING;
                readyMessage = machinesReady.message();
                reconciling = cond(RECONCILING, Status.TRUE, Reasons.PROVISIONING, machinesReady.message());
                stalled = cond(STALLED, Status.FALSE, Reasons.SUCCEEDED, "no problems");
            }
            case WAITING_FOR_KUBERNETES -> {
                readyReason = kube.nodes().reason().equals(Reasons.WAITING_FOR_NODES) ? Reasons.WAITING_FOR_NODES
                        : kube.api().status() == Status.TRUE ? kube.nodes().reason() : Reasons.WAITING_FOR_API_SERVER;
                readyMessage = "machines created (" + machines + "); " + kube.message();
                reconciling = cond(RECONCILING, Status.TRUE, readyReason, kube.message());
                stalled = cond(STALLED, Status.FALSE, Reasons.SUCCEEDED, "no problems");
            }
            case KUBERNETES_DEGRADED -> {
                readyReason = kube.api().status() != Status.TRUE ? Reasons.WAITING_FOR_API_SERVER : kube.nodes().reason();
                readyMessage = kube.message();
                reconciling = cond(RECONCILING, Status.FALSE, readyReason, "nkd waits for the cluster's API and kubelets: " + kube.message());
                stalled = cond(STALLED, Status.FALSE, readyReason, "nothing nkd can change; it keeps watching");
            }
            case ROLLOUT_PENDING -> {
                readyReason = Reasons.ROLLOUT_PENDING;
                readyMessage = upToDateText + ": " + rollout;
                reconciling = cond(RECONCILING, Status.FALSE, Reasons.ROLLOUT_PENDING,
                        "nothing more nkd can do for this commit: the rollout waits for the Housekeeper");
                stalled = cond(STALLED, Status.FALSE, Reasons.ROLLOUT_PENDING, "no problems; waiting for a rollout nkd cannot do yet");
            }
            default -> {
                readyReason = Reasons.SUCCEEDED;
                readyMessage = "applied " + Steps.shortId(s.revision) + "; " + upToDateText
                        + (kube.kind() == KubernetesObservation.Kind.READY ? "; " + kube.message() : "");
                reconciling = cond(RECONCILING, Status.FALSE, Reasons.SUCCEEDED, upToDateText);
                stalled = cond(STALLED, Status.FALSE, Reasons.SUCCEEDED, "no problems");
            }
        }
        // the time this commit was first applied, not the time of the latest reconcile of it
        Instant appliedAt = s.revision.equals(prev.appliedRevision()) && prev.appliedAt() != null ? prev.appliedAt() : now;
        ClusterStatus base = copy(prev, s.revision, s.revision, pools, nodes, null, appliedAt, now);
        if (s.observed != null) {
            base = new ClusterStatus(base.name(), base.appliedRevision(), base.attemptedRevision(), base.phase(), base.conditions(),
                    base.pools(), base.nodes(), base.lastError(), base.appliedAt(), base.updatedAt(), s.observed, base.addons(),
                    base.rollout());
        }
        return settle(base, standing, readyReason, readyMessage, now, s.revision,
                cond(CONFIG_VALID, Status.TRUE, Reasons.SUCCEEDED, "commit " + Steps.shortId(s.revision) + " is valid"),
                cond(RENDERED, Status.TRUE, Reasons.SUCCEEDED, pools.size() + " pool config(s) rendered and published"),
                machinesReady, nodesUpToDate, kube.api(), kube.nodes(), stalled, reconciling);
    }

    private static ClusterStatus failed(Scope s, ClusterStatus prev, Instant now) {
        ReconcileException f = s.failure;
        boolean stalled = f instanceof ReconcileException.Stalled;
        Instant retryAt = s.retryIn == null ? null : now.plus(s.retryIn);
        ClusterStatus.LastError error = new ClusterStatus.LastError(s.revision, f.reason(), f.getMessage(), now, s.attempts, retryAt);
        boolean lastGoodKept = prev.appliedRevision() != null;
        // a provider failure still shows each machine's progress as far as this reconcile saw it
        List<NodeStatus> nodes = s.rendered != null && s.calls.listedAny() ? nodes(s, s.calls.observed(), now).nodes : prev.nodes();
        ClusterStatus base = copy(prev, prev.appliedRevision(), s.revision, prev.pools(), nodes, error, prev.appliedAt(), now);
        List<Condition> conditions = new ArrayList<>();
        if (Reasons.VALIDATION_FAILED.equals(f.reason())) {
            conditions.add(cond(CONFIG_VALID, Status.FALSE, f.reason(), f.getMessage()));
        }
        conditions.add(cond(STALLED, stalled ? Status.TRUE : Status.FALSE, stalled ? f.reason() : Reasons.PROGRESSING,
                stalled ? f.getMessage() : "retrying"));
        conditions.add(cond(RECONCILING, stalled ? Status.FALSE : Status.TRUE, stalled ? f.reason() : Reasons.PROGRESSING,
                stalled ? "waiting for a new commit" : (retryAt == null ? "retrying" : "attempt " + s.attempts
                        + " failed; next attempt at " + retryAt) + " after: " + f.getMessage()));
        return settle(base, lastGoodKept ? Standing.FAILED_LAST_GOOD_KEPT : Standing.FAILED_NOTHING_APPLIED, f.reason(),
                f.getMessage(), now, s.revision, conditions.toArray(Condition[]::new));
    }

    /**
     * The status of a cluster some of whose pool configs nkd cannot serve (their stored copy was missing or damaged
     * when nkd started): booting nodes would get 404, so a cluster that was Ready, rolling out or provisioning is
     * DEGRADED, and Ready follows that phase as everywhere else.
     */
    static ClusterStatus notServed(ClusterStatus status, List<String> missing, Instant now) {
        String message = "pool config(s) " + String.join(", ", missing) + " are not served: their stored copy was missing"
                + " or damaged when nkd started (see its log), so nodes booting now cannot fetch them. Push a valid commit"
                + " (its reconcile renders and serves them again) or restore the state directory from a backup.";
        Phase phase = switch (status.phase()) {
            case READY, ROLLOUT_PENDING, PROVISIONING -> Phase.DEGRADED;
            default -> status.phase();
        };
        ClusterStatus out = new ClusterStatus(status.name(), status.appliedRevision(), status.attemptedRevision(), phase,
                status.conditions(), status.pools(), status.nodes(), status.lastError(), status.appliedAt(), status.updatedAt(),
                status.kubernetes(), status.addons(), status.rollout());
        return out.withCondition(new Condition(READY, ready(phase), Reasons.CONFIGS_NOT_SERVED, message,
                status.attemptedRevision(), null), now);
    }

    /** Sets the phase of a standing, the given conditions, and the Ready condition that goes with that phase. */
    private static ClusterStatus settle(ClusterStatus base, Standing standing, String readyReason, String readyMessage, Instant now,
                                        String revision, Condition... conditions) {
        Phase phase = phase(standing);
        ClusterStatus out = new ClusterStatus(base.name(), base.appliedRevision(), base.attemptedRevision(), phase, base.conditions(),
                base.pools(), base.nodes(), base.lastError(), base.appliedAt(), base.updatedAt(), base.kubernetes(), base.addons(),
                base.rollout());
        for (Condition c : conditions) {
            out = out.withCondition(new Condition(c.type(), c.status(), c.reason(), c.message(), revision, null), now);
        }
        return out.withCondition(new Condition(READY, ready(phase), readyReason, readyMessage, revision, null), now);
    }

    private static Condition cond(String type, Status status, String reason, String message) {
        return new Condition(type, status, reason, message, null, null);
    }

    private static ClusterStatus copy(ClusterStatus prev, String applied, String attempted, List<PoolStatus> pools,
                                      List<NodeStatus> nodes, ClusterStatus.LastError error, Instant appliedAt, Instant now) {
        return new ClusterStatus(prev.name(), applied, attempted, prev.phase(), prev.conditions(), pools, nodes, error, appliedAt, now,
                prev.kubernetes(), prev.addons(), prev.rollout());
    }
}
