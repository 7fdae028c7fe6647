package io.nkd.reconcile;

import io.nkd.config.Topology;
import io.nkd.infra.ProvisionedMachine;
import io.nkd.config.Infrastructure;
import io.nkd.status.AddonsStatus;
import io.nkd.status.ClusterStatus;
import io.nkd.status.ClusterStatus.NodeStatus;
import io.nkd.status.ClusterStatus.Phase;
import io.nkd.status.ClusterStatus.PoolStatus;
import io.nkd.status.Condition;
import io.nkd.status.MachinePhase;
import io.nkd.status.Condition.Status;
import io.nkd.status.Reasons;
import io.nkd.status.RolloutStatus;
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
    /** Whether the certificates nkd watches stay valid for more than {@link io.nkd.secrets.ClusterSecrets#RENEW_BEFORE}. */
    static final String CERTIFICATES_VALID = "CertificatesValid";
    /** Whether every running node runs the config the applied commit asks for. */
    static final String UP_TO_DATE = "UpToDate";
    /** Whether the add-ons (the Housekeeper's included) are applied: see {@link #addonsApplied}. */
    static final String ADDONS_APPLIED = "AddonsApplied";

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
        /** Applied; the Housekeeper halted the rollout of the applied target (a node failed). */
        ROLLOUT_FAILED,
        /**
         * Applied; every machine runs, some not yet at the applied commit: the Housekeeper moves them (RollingOut), the
         * target waits for a window or spec.upgrade.paused (WaitingForMaintenanceWindow, RolloutPaused), or no Update
         * carries the change and only a replacement would apply it (RolloutPending).
         */
        ROLLOUT_PENDING,
        /** Applied; every node runs its desired config. */
        READY,
        /** Applied and every node runs its config, but add-on objects failed to apply (retried). */
        ADDONS_FAILED,
        /** Applied and every node runs its config; custom resources wait for their definitions (next pass). */
        ADDONS_WAITING
    }

    private StatusComputer() {
    }

    static Phase phase(Standing standing) {
        return switch (standing) {
            case UNMANAGED -> Phase.UNMANAGED;
            case PAUSED -> Phase.PAUSED;
            case FAILED_NOTHING_APPLIED -> Phase.FAILED;
            case FAILED_LAST_GOOD_KEPT, MACHINES_FAILED, KUBERNETES_DEGRADED, ADDONS_FAILED, ROLLOUT_FAILED -> Phase.DEGRADED;
            case PROVISIONING, WAITING_FOR_KUBERNETES, ADDONS_WAITING -> Phase.PROVISIONING;
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
            return settle(copy(s, prev, prev.appliedRevision(), s.revision, prev.pools(), prev.nodes(), prev.lastError(), prev.appliedAt(), now),
                    Standing.UNMANAGED, Reasons.CLUSTER_REMOVED, message, now, s.revision,
                    cond(RECONCILING, Status.FALSE, Reasons.CLUSTER_REMOVED, "not managed"),
                    cond(STALLED, Status.FALSE, Reasons.CLUSTER_REMOVED, "not managed"));
        }
        if (s.failure != null) {
            return failed(s, prev, now);
        }
        if (s.paused) {
            return settle(copy(s, prev, prev.appliedRevision(), s.revision, prev.pools(), prev.nodes(), prev.lastError(), prev.appliedAt(), now),
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
        /** Nodes the Housekeeper is moving to the applied target: "name (state, step)". */
        final List<String> rolling = new ArrayList<>();
        /** Nodes whose change the Update carries but whose target is not written yet (a window, a pause). */
        final List<String> held = new ArrayList<>();
    }

    /**
     * Whether the Update carries a node's change: nkd wrote (or waits to write) a target with the pool config the node
     * should now run. A config changed since (Butane snippets) is not in any Update: only a replacement applies it.
     */
    private static boolean rolledOut(Scope s, String pool, String desired) {
        return s.rollout != null && s.loaded.spec().housekeeper().enabled() && desired.equals(s.rollout.poolVersions().get(pool));
    }

    /**
     * Whether a node runs the Update's target as the Housekeeper last reported it (booted image, kubelet version), when
     * that target is the applied commit's and the node was reported with an image; null when nkd cannot tell.
     */
    private static Boolean runsTarget(Scope s, io.nkd.status.RolloutStatus.Node progress) {
        if (progress == null || progress.currentImage() == null || progress.state() == null || !targetApplied(s)
                || "nestos".equals(s.rollout.flavor())) {
            return null;
        }
        return sameImage(progress.currentImage(), s.rollout.targetImage())
                && java.util.Objects.equals(progress.currentKubernetes(), s.rollout.targetKubernetes());
    }

    /** Two image references name the same image: by digest when both carry one, else as written. */
    static boolean sameImage(String a, String b) {
        try {
            var x = io.nkd.housekeeper.api.ImageReference.parse(a);
            var y = io.nkd.housekeeper.api.ImageReference.parse(b);
            return x.digest() != null && y.digest() != null ? x.digest().equals(y.digest()) : a.equals(b);
        } catch (IllegalArgumentException e) {
            return a.equals(b);
        }
    }

    /** Whether the Update in the cluster asks for the applied commit's target (not an older one while a window waits). */
    private static boolean targetApplied(Scope s) {
        var spec = s.loaded.spec();
        try {
            return s.rollout != null && s.rollout.targetImage() != null
                    && s.rollout.targetImage().equals(io.nkd.upgrade.DesiredUpdate.osImageURL(spec, s.config.images()))
                    && s.rollout.targetKubernetes().equals(spec.kubernetes().version());
        } catch (IllegalArgumentException e) {
            return false;
        }
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
                var progress = s.rollout == null ? null : s.rollout.node(n.name()).orElse(null);
                Boolean runsTarget = runsTarget(s, progress);
                if (runsTarget != null && !runsTarget) {
                    // the Housekeeper's report of what the node booted beats the config it fetched at first boot (after
                    // a revert the two agree while the node still runs the newer image)
                    t.rolling.add(n.name() + " (" + rolloutState(progress) + ")");
                } else if (runsTarget != null && rolledOut(s, n.pool().name(), desired)) {
                    t.upToDate++; // at the target, and the target carries the pool's change
                } else if (desired.equals(current)) {
                    t.upToDate++;
                } else if (rolledOut(s, n.pool().name(), desired) && targetApplied(s) && s.rollout.observed() && progress != null
                        && progress.state() == io.nkd.housekeeper.api.NodeUpdateState.UPDATED) {
                    t.upToDate++; // the Housekeeper verified it at the target: booted image and kubelet version
                } else if (rolledOut(s, n.pool().name(), desired) && targetApplied(s)) {
                    t.rolling.add(n.name() + " (" + (progress == null ? "not reported yet" : rolloutState(progress)) + ")");
                } else if (rolledOut(s, n.pool().name(), desired)) {
                    t.held.add(n.name());
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
        if (!s.leftovers.isEmpty()) {
            parts.add("left in Kubernetes: " + s.leftovers.entrySet().stream().map(e -> e.getKey() + " (" + e.getValue() + ")")
                    .collect(Collectors.joining(", ")));
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
        KubernetesObservation.Verdict kube = KubernetesObservation.verdict(s, nodes, prev, now);
        boolean rolloutHalted = s.rollout != null && s.rollout.phase() == io.nkd.housekeeper.api.RolloutPhase.DEGRADED && targetApplied(s);
        Standing standing = !failedMachines.isEmpty() ? Standing.MACHINES_FAILED
                : !notRunning.isEmpty() ? Standing.PROVISIONING
                : rolloutHalted ? Standing.ROLLOUT_FAILED
                // a node the Housekeeper reboots is NotReady for a while: that is the rollout, not a degraded cluster
                : kube.kind() == KubernetesObservation.Kind.DEGRADED && !tally.rolling.isEmpty() && kube.api().status() == Status.TRUE
                ? Standing.ROLLOUT_PENDING
                : kube.kind() == KubernetesObservation.Kind.DEGRADED ? Standing.KUBERNETES_DEGRADED
                : kube.kind() == KubernetesObservation.Kind.WAITING ? Standing.WAITING_FOR_KUBERNETES
                : !outdated.isEmpty() || !tally.rolling.isEmpty() || !tally.held.isEmpty() ? Standing.ROLLOUT_PENDING
                : Standing.READY;
        Condition addons = addonsApplied(s);
        if (standing == Standing.READY && s.addons != null && !s.addons.errors().isEmpty()) {
            standing = Standing.ADDONS_FAILED;
        } else if (standing == Standing.READY && s.addons != null && !s.addons.waiting().isEmpty()) {
            standing = Standing.ADDONS_WAITING;
        }
        String machines = running + " of " + total + " machines fetched their config" + machineChanges(s);
        String rollout = rolloutMessage(s, tally);
        String rolloutReason = !tally.rolling.isEmpty() ? Reasons.ROLLING_OUT
                : s.rolloutError != null ? Reasons.UPDATE_WRITE_FAILED
                : !tally.held.isEmpty() ? (s.loaded.spec().upgrade().paused() ? Reasons.ROLLOUT_PAUSED : Reasons.WAITING_FOR_MAINTENANCE_WINDOW)
                : Reasons.ROLLOUT_PENDING;
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
        Condition nodesUpToDate = rolloutHalted && notRunning.isEmpty() && failedMachines.isEmpty()
                ? cond(UP_TO_DATE, Status.FALSE, Reasons.ROLLOUT_DEGRADED, s.rollout.message() + "; " + rollout)
                : !outdated.isEmpty() || !tally.rolling.isEmpty() || !tally.held.isEmpty()
                ? cond(UP_TO_DATE, Status.FALSE, rolloutReason, rollout)
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
            case ROLLOUT_FAILED -> {
                readyReason = Reasons.ROLLOUT_DEGRADED;
                readyMessage = "the Housekeeper halted the rollout of " + s.rollout.update() + ": " + s.rollout.message()
                        + "; fix the cause, then kubectl annotate node NODE housekeeper.io/retry=1 (or push a new target)";
                reconciling = cond(RECONCILING, Status.FALSE, Reasons.ROLLOUT_DEGRADED, "no node moves until the failed one is retried");
                stalled = cond(STALLED, Status.TRUE, Reasons.ROLLOUT_DEGRADED, readyMessage);
            }
            case ROLLOUT_PENDING -> {
                readyReason = rolloutReason;
                readyMessage = upToDateText + ": " + rollout;
                boolean moving = Reasons.ROLLING_OUT.equals(rolloutReason);
                reconciling = cond(RECONCILING, moving ? Status.TRUE : Status.FALSE, rolloutReason, moving
                        ? "the Housekeeper moves the nodes; nkd follows " + s.rollout.update()
                        : Reasons.ROLLOUT_PENDING.equals(rolloutReason) ? "nothing more nkd does for this commit: only a replacement "
                        + "of these machines applies their config" : rollout);
                stalled = cond(STALLED, Status.FALSE, rolloutReason, "no problems");
            }
            case ADDONS_FAILED -> {
                // as Flux's Ready=False on an apply error: the machines are fine, the commit stays applied, and the
                // failed objects are tried again every 30 s until a commit fixes them or the API server takes them
                readyReason = Reasons.ADDONS_NOT_APPLIED;
                readyMessage = upToDateText + "; " + addons.message();
                reconciling = cond(RECONCILING, Status.TRUE, Reasons.ADDONS_NOT_APPLIED, "retrying the add-ons every "
                        + ApplyAddons.RETRY_FAILED.toSeconds() + " s");
                stalled = cond(STALLED, Status.FALSE, Reasons.ADDONS_NOT_APPLIED, addons.message());
            }
            case ADDONS_WAITING -> {
                readyReason = Reasons.WAITING_FOR_ADDONS;
                readyMessage = upToDateText + "; " + addons.message();
                reconciling = cond(RECONCILING, Status.TRUE, Reasons.WAITING_FOR_ADDONS, addons.message());
                stalled = cond(STALLED, Status.FALSE, Reasons.SUCCEEDED, "no problems");
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
        ClusterStatus base = copy(s, prev, s.revision, s.revision, pools, nodes, null, appliedAt, now);
        base = base.withInside(s.observed != null ? s.observed : base.kubernetes(), s.addons != null ? s.addons : base.addons(),
                s.rollout);
        List<Condition> conditions = new ArrayList<>(List.of(
                cond(CONFIG_VALID, Status.TRUE, Reasons.SUCCEEDED, "commit " + Steps.shortId(s.revision) + " is valid"),
                cond(RENDERED, Status.TRUE, Reasons.SUCCEEDED, pools.size() + " pool config(s) rendered and published"),
                machinesReady, nodesUpToDate, kube.api(), kube.nodes(), stalled, reconciling));
        if (addons != null) {
            conditions.add(addons);
        }
        return settle(base, standing, readyReason, readyMessage, now, s.revision, conditions.toArray(Condition[]::new));
    }

    /**
     * AddonsApplied, from what ApplyAddons did: True (Applied) when every object was applied; False with ApplyFailed
     * naming the first failures (object, file:line, the API server's words) or WaitingForDefinitions; Unknown with
     * WaitingForApiServer while the cluster's API does not answer. Null (left as it was) when nkd cannot reach the
     * cluster's API at all or the cluster has no add-ons.
     */
    static Condition addonsApplied(Scope s) {
        if (s.addons != null) {
            AddonsStatus a = s.addons;
            String pruned = a.pruned().isEmpty() ? "" : "; pruned " + String.join(", ", a.pruned());
            if (!a.errors().isEmpty()) {
                return cond(ADDONS_APPLIED, Status.FALSE, Reasons.ADDONS_APPLY_FAILED, a.errors().size() + " of " + a.objects()
                        + " add-on object(s) not applied: " + a.errors().stream().limit(3).map(Object::toString)
                        .collect(Collectors.joining("; ")) + (a.errors().size() > 3 ? "; …" : "") + pruned);
            }
            if (!a.waiting().isEmpty()) {
                return cond(ADDONS_APPLIED, Status.FALSE, Reasons.ADDONS_WAITING_FOR_DEFINITIONS, a.applied() + " of " + a.objects()
                        + " add-on object(s) applied; " + a.waiting().get(0) + (a.waiting().size() > 1 ? " (and " + (a.waiting().size() - 1)
                        + " more)" : "") + pruned);
            }
            return cond(ADDONS_APPLIED, Status.TRUE, Reasons.ADDONS_APPLIED, a.applied() + " add-on object(s) applied from "
                    + Steps.shortId(a.revision()) + pruned);
        }
        boolean hasAddons = s.loaded != null && (s.loaded.spec().housekeeper().enabled() || !s.loaded.spec().addons().isEmpty());
        if (s.workload != null && hasAddons && !ApplyAddons.apiUp(s)) {
            String why = s.observed == null ? "not observed yet" : s.observed.apiMessage();
            return cond(ADDONS_APPLIED, Status.UNKNOWN, Reasons.ADDONS_WAITING_FOR_API, "the cluster's API server does not answer yet ("
                    + why + "); add-ons are applied once it does");
        }
        return null;
    }

    /**
     * "updating, draining", and while budgets refuse its evictions ", blocked by PodDisruptionBudget shop/web": the
     * part of the Ready message an operator scanning the cluster list needs to see why a rollout stands still.
     */
    private static String rolloutState(RolloutStatus.Node progress) {
        String state = progress.state().name().toLowerCase(java.util.Locale.ROOT)
                + (progress.step() == null ? "" : ", " + progress.step().name().toLowerCase(java.util.Locale.ROOT));
        if (progress.blockedBy().isEmpty()) {
            return state;
        }
        return state + ", blocked by " + progress.blockedBy().stream().map(b -> b.budget() == null
                ? "an unreadable PodDisruptionBudget" : "PodDisruptionBudget " + b.budget()).collect(Collectors.joining(", "));
    }

    /** One sentence per group of nodes not at the applied commit, with what moves them (or what would). */
    private static String rolloutMessage(Scope s, NodeTally t) {
        List<String> parts = new ArrayList<>();
        if (!t.rolling.isEmpty()) {
            parts.add("the Housekeeper moves " + t.rolling.size() + " node(s) to " + s.rollout.targetImage() + " and Kubernetes "
                    + s.rollout.targetKubernetes() + " through " + s.rollout.update() + ": " + String.join(", ", t.rolling)
                    + (s.rollout.waiting() == null ? "" : "; " + s.rollout.waiting()));
        }
        if (!t.held.isEmpty()) {
            parts.add(t.held.size() + " node(s) wait for the new target (" + String.join(", ", t.held) + "): "
                    + (s.rollout.waiting() == null ? "the Update is not written yet" : s.rollout.waiting()));
        }
        if (!t.outdated.isEmpty()) {
            String groups = t.outdated.entrySet().stream().map(e -> e.getValue().size() + " node(s) of " + e.getKey()
                    + " (" + String.join(", ", e.getValue()) + ")").collect(Collectors.joining("; "));
            parts.add(groups + (s.rolloutError != null
                    ? "; nkd cannot write the Housekeeper's Update that would move them: " + s.rolloutError + " (tried again every "
                    + RolloutUpdates.WHILE_ROLLING.toSeconds() + " s)"
                    : s.loaded.spec().housekeeper().enabled() && s.rollout == null
                    ? "; nkd has not written the Housekeeper's Update of this cluster yet: a new OS image or Kubernetes version "
                    + "reaches these nodes once nkd reaches the cluster's API (status.kubernetes says whether it is up) and writes "
                    + "it, a change of Butane snippets only through a replacement of the machine (Ignition runs only at first "
                    + "boot); machines created from now on boot the desired config"
                    : s.loaded.spec().housekeeper().enabled()
                    ? "; their pool config changed without a new OS image or Kubernetes version (Butane snippets): Ignition runs "
                    + "only at first boot and no Update carries it, so only a replacement of these machines applies it (machines "
                    + "created from now on boot the desired config)"
                    : "; spec.housekeeper.enabled is false, so nkd writes no Update and these nodes stay as they are (Ignition runs "
                    + "only at first boot; machines created from now on boot the desired config)"));
        }
        return String.join("; ", parts);
    }

    private static ClusterStatus failed(Scope s, ClusterStatus prev, Instant now) {
        ReconcileException f = s.failure;
        boolean stalled = f instanceof ReconcileException.Stalled;
        Instant retryAt = s.retryIn == null ? null : now.plus(s.retryIn);
        ClusterStatus.LastError error = new ClusterStatus.LastError(s.revision, f.reason(), f.getMessage(), now, s.attempts, retryAt);
        boolean lastGoodKept = prev.appliedRevision() != null;
        // a provider failure still shows each machine's progress as far as this reconcile saw it
        List<NodeStatus> nodes = s.rendered != null && s.calls.listedAny() ? nodes(s, s.calls.observed(), now).nodes : prev.nodes();
        // add-ons applied before a later step failed were applied all the same: their status says so
        ClusterStatus base = copy(s, prev, prev.appliedRevision(), s.revision, prev.pools(), nodes, error, prev.appliedAt(), now);
        if (s.addons != null) {
            base = base.withInside(base.kubernetes(), s.addons, base.rollout());
        }
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
                status.kubernetes(), status.addons(), status.rollout(), status.provider());
        return out.withCondition(new Condition(READY, ready(phase), Reasons.CONFIGS_NOT_SERVED, message,
                status.attemptedRevision(), null), now);
    }

    /** Sets the phase of a standing, the given conditions, and the Ready condition that goes with that phase. */
    private static ClusterStatus settle(ClusterStatus base, Standing standing, String readyReason, String readyMessage, Instant now,
                                        String revision, Condition... conditions) {
        Phase phase = phase(standing);
        ClusterStatus out = new ClusterStatus(base.name(), base.appliedRevision(), base.attemptedRevision(), phase, base.conditions(),
                base.pools(), base.nodes(), base.lastError(), base.appliedAt(), base.updatedAt(), base.kubernetes(), base.addons(),
                base.rollout(), base.provider());
        for (Condition c : conditions) {
            out = out.withCondition(new Condition(c.type(), c.status(), c.reason(), c.message(), revision, null), now);
        }
        return out.withCondition(new Condition(READY, ready(phase), readyReason, readyMessage, revision, null), now);
    }

    /**
     * The CertificatesValid condition: a warning, not a phase (the cluster still works), from the certificates nkd keeps
     * (it renews the leaves and kubeconfigs itself, so what shows up here is a CA, or a renewal that failed) and from
     * what kubeadm issued on the control-plane nodes, seen from outside ({@link #kubeadmCertificates}: the API server's
     * serving certificate, and each node's earliest expiry its Housekeeper agent reported after a renewal), 30 days
     * ahead. Left as it was when the reconcile did not get as far as the secrets or the cluster's API.
     */
    static ClusterStatus certificates(ClusterStatus status, Scope s, Instant now) {
        Map<String, Instant> kubeadm = kubeadmCertificates(s);
        if (s.certificates.isEmpty() && kubeadm.isEmpty()) {
            return status;
        }
        Instant soon = now.plus(io.nkd.secrets.ClusterSecrets.RENEW_BEFORE);
        List<io.nkd.pki.CertificateInfo> expired = s.certificates.stream().filter(c -> !c.notAfter().isAfter(now)).toList();
        // CAs a month ahead; the leaves and kubeconfigs nkd renews itself only once their renewal is overdue
        List<io.nkd.pki.CertificateInfo> expiring = s.certificates.stream().filter(c -> c.notAfter().isAfter(now)
                && (c.ca() ? c.notAfter().isBefore(soon)
                : io.nkd.secrets.ClusterSecrets.due(c.notBefore(), c.notAfter(), now, io.nkd.secrets.ClusterSecrets.RENEW_BEFORE))).toList();
        Map<String, Instant> kubeadmExpired = new java.util.TreeMap<>();
        Map<String, Instant> kubeadmExpiring = new java.util.TreeMap<>();
        kubeadm.forEach((name, at) -> {
            if (!at.isAfter(now)) {
                kubeadmExpired.put(name, at);
            } else if (at.isBefore(soon)) {
                kubeadmExpiring.put(name, at);
            }
        });
        Condition c;
        if (!expired.isEmpty() || !kubeadmExpired.isEmpty()) {
            c = cond(CERTIFICATES_VALID, Status.FALSE, Reasons.CERTIFICATE_EXPIRED,
                    findings(expired, kubeadmExpired, s, now));
        } else if (!expiring.isEmpty() || !kubeadmExpiring.isEmpty()) {
            c = cond(CERTIFICATES_VALID, Status.FALSE, Reasons.CERTIFICATE_EXPIRING,
                    findings(expiring, kubeadmExpiring, s, now));
        } else {
            String nextName = null;
            Instant nextAt = null;
            for (io.nkd.pki.CertificateInfo x : s.certificates) {
                if (nextAt == null || x.notAfter().isBefore(nextAt)) {
                    nextName = x.path();
                    nextAt = x.notAfter();
                }
            }
            for (Map.Entry<String, Instant> e : kubeadm.entrySet()) {
                if (nextAt == null || e.getValue().isBefore(nextAt)) {
                    nextName = describeKubeadm(e.getKey());
                    nextAt = e.getValue();
                }
            }
            c = cond(CERTIFICATES_VALID, Status.TRUE, Reasons.CERTIFICATES_VALID, "the next to expire is " + nextName + " on "
                    + nextAt + "; nkd renews its leaves and kubeconfigs " + io.nkd.secrets.ClusterSecrets.RENEW_BEFORE.toDays()
                    + " days ahead");
        }
        return status.withCondition(new Condition(c.type(), c.status(), c.reason(), c.message(), s.revision, null), now);
    }

    /**
     * What kubeadm issued on the control-plane nodes, as nkd sees it from outside: {@code apiserver-serving} (the
     * certificate the API server presented in a TLS handshake) and {@code node/NAME} (the earliest expiry of the node's
     * kubeadm certificates, as its agent reported after the last renewal through the cluster). Also the
     * {@code certificate} labels of nkd_certificate_expiry_timestamp_seconds.
     */
    static Map<String, Instant> kubeadmCertificates(Scope s) {
        Map<String, Instant> out = new java.util.TreeMap<>();
        if (s.servingCertificateExpiry != null) {
            out.put("apiserver-serving", s.servingCertificateExpiry);
        }
        if (s.rollout != null && s.rollout.certificateRenewal() != null) {
            for (io.nkd.housekeeper.api.CertificateRenewalNode n : s.rollout.certificateRenewal().nodes()) {
                if (n.notAfter() != null) {
                    try {
                        out.put("node/" + n.name(), java.time.OffsetDateTime.parse(n.notAfter()).toInstant());
                    } catch (java.time.format.DateTimeParseException e) {
                        // an agent's unreadable date is no finding; the status shows the text as reported
                    }
                }
            }
        }
        return out;
    }

    private static String describeKubeadm(String name) {
        return name.equals("apiserver-serving") ? "the API server's serving certificate"
                : "the kubeadm certificates of node " + name.substring("node/".length());
    }

    private static String findings(List<io.nkd.pki.CertificateInfo> nkd, Map<String, Instant> kubeadm, Scope s, Instant now) {
        List<String> parts = new ArrayList<>();
        if (!nkd.isEmpty()) {
            parts.add(describe(nkd, now) + ". " + certificateAdvice(nkd));
        }
        if (!kubeadm.isEmpty()) {
            String what = kubeadm.entrySet().stream().map(e -> describeKubeadm(e.getKey()) + (e.getValue().isAfter(now)
                    ? " expire" + (e.getKey().equals("apiserver-serving") ? "s" : "") + " on " + e.getValue() + " ("
                    + java.time.Duration.between(now, e.getValue()).toDays() + " days)" : " expired on " + e.getValue()))
                    .collect(Collectors.joining("; "));
            boolean throughCluster = s.loaded != null && s.loaded.spec().housekeeper().enabled()
                    && s.loaded.spec().housekeeper().flavor() == io.nkd.config.HousekeeperSettings.Flavor.NKD;
            parts.add(what + ". " + (throughCluster
                    ? "Renew them through the cluster: nkd certs renew " + s.cluster + " --state-dir DIR (the Housekeeper renews "
                    + "the control-plane nodes one at a time)"
                    : "nkd cannot renew them through this cluster's Housekeeper: run kubeadm certs renew all on each control-plane "
                    + "node, one at a time, then restart its control-plane static pods (docs/state-and-secrets.md, "
                    + "\"Certificate lifetimes\")"));
        }
        return String.join(" ", parts);
    }

    private static String describe(List<io.nkd.pki.CertificateInfo> certs, Instant now) {
        return certs.stream().map(c -> c.path() + (c.notAfter().isAfter(now) ? " expires on " + c.notAfter() + " ("
                        + java.time.Duration.between(now, c.notAfter()).toDays() + " days)" : " expired on " + c.notAfter()))
                .collect(Collectors.joining("; "));
    }

    private static String certificateAdvice(List<io.nkd.pki.CertificateInfo> certs) {
        return certs.stream().anyMatch(io.nkd.pki.CertificateInfo::ca)
                ? "nkd does not rotate CAs: plan a CA rotation (docs/state-and-secrets.md, \"Certificate lifetimes\")"
                : "nkd renews these itself; a renewal failed — see the log, or run nkd certs renew CLUSTER --state-dir DIR";
    }

    private static Condition cond(String type, Status status, String reason, String message) {
        return new Condition(type, status, reason, message, null, null);
    }

    private static ClusterStatus copy(Scope s, ClusterStatus prev, String applied, String attempted, List<PoolStatus> pools,
                                      List<NodeStatus> nodes, ClusterStatus.LastError error, Instant appliedAt, Instant now) {
        return new ClusterStatus(prev.name(), applied, attempted, prev.phase(), prev.conditions(), pools, nodes, error, appliedAt, now,
                prev.kubernetes(), prev.addons(), prev.rollout(), provider(s, prev));
    }

    /**
     * The provider of the commit this reconcile read, else the one the status already names (a commit that could not be
     * read; a cluster cannot change provider, so the two never disagree).
     */
    private static Infrastructure.ProviderType provider(Scope s, ClusterStatus prev) {
        // a commit whose cluster.yaml could not be read has a document without a value
        if (s.loaded != null && s.loaded.document().value() != null && s.loaded.spec() != null
                && s.loaded.spec().infrastructure() != null) {
            return s.loaded.spec().infrastructure().provider();
        }
        return prev.provider();
    }
}
