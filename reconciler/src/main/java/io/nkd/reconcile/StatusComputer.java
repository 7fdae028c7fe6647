package io.nkd.reconcile;

import io.nkd.config.Topology;
import io.nkd.infra.Machine;
import io.nkd.status.ClusterStatus;
import io.nkd.status.ClusterStatus.NodeStatus;
import io.nkd.status.ClusterStatus.Phase;
import io.nkd.status.ClusterStatus.PoolStatus;
import io.nkd.status.Condition;
import io.nkd.status.Condition.Status;
import io.nkd.status.Reasons;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The one place that turns what a reconcile learned (the {@link Scope}) into the cluster's status and
 * conditions. Every condition always has a reason. A failed commit never moves appliedRevision: the cluster
 * stays on its last good commit, and the failure shows in Stalled/Ready and lastError.
 */
final class StatusComputer {
    static final String READY = "Ready";
    static final String RECONCILING = "Reconciling";
    static final String STALLED = "Stalled";
    static final String CONFIG_VALID = "ConfigValid";
    static final String RENDERED = "Rendered";
    static final String MACHINES_READY = "MachinesReady";

    private StatusComputer() {
    }

    static ClusterStatus compute(Scope s, Instant now) {
        ClusterStatus prev = s.previous;
        if (s.removed) {
            return withConditions(copy(prev, prev.appliedRevision(), s.revision, prev.phase(), prev.pools(), prev.nodes(),
                            prev.lastError(), prev.appliedAt(), now), now, s.revision,
                    cond(READY, Status.UNKNOWN, Reasons.CLUSTER_REMOVED, "the cluster is no longer in the repository at "
                            + Steps.shortId(s.revision) + "; nkd stopped managing it and deleted nothing"),
                    cond(RECONCILING, Status.FALSE, Reasons.CLUSTER_REMOVED, "not managed"),
                    cond(STALLED, Status.FALSE, Reasons.CLUSTER_REMOVED, "not managed"));
        }
        if (s.failure != null) {
            return failed(s, prev, now);
        }
        if (s.paused) {
            return withConditions(copy(prev, prev.appliedRevision(), s.revision, Phase.PAUSED, prev.pools(), prev.nodes(),
                            prev.lastError(), prev.appliedAt(), now), now, s.revision,
                    cond(RECONCILING, Status.FALSE, Reasons.PAUSED, "spec.paused is true in Git"),
                    cond(STALLED, Status.FALSE, Reasons.PAUSED, "paused"),
                    cond(READY, prev.condition(READY) == null ? Status.UNKNOWN : prev.condition(READY).status(), Reasons.PAUSED,
                            "reconciliation is paused"));
        }
        List<PoolStatus> pools = s.rendered.versions().entrySet().stream().map(e -> new PoolStatus(e.getKey(), e.getValue())).toList();
        Map<String, Machine> byName = s.machines.stream().collect(Collectors.toMap(Machine::name, Function.identity(), (a, b) -> a));
        Map<String, String> poolVersions = s.rendered.versions();
        List<NodeStatus> nodes = new ArrayList<>();
        int ready = 0;
        for (Topology.PlannedNode n : Topology.nodes(s.cluster, s.loaded.spec())) {
            Machine m = byName.get(n.name());
            String desired = poolVersions.get(n.pool().name());
            String current = m == null ? null : m.currentConfig();
            boolean nodeReady = m != null && m.isRunning() && desired.equals(current);
            ready += nodeReady ? 1 : 0;
            nodes.add(new NodeStatus(n.name(), n.pool().name(), desired, current, m == null ? "Missing" : m.state().name()));
        }
        boolean allReady = ready == nodes.size();
        String machines = ready + " of " + nodes.size() + " nodes run their desired config";
        ClusterStatus base = copy(prev, s.revision, s.revision, allReady ? Phase.READY : Phase.PROVISIONING, pools, nodes, null, now, now);
        return withConditions(base, now, s.revision,
                cond(CONFIG_VALID, Status.TRUE, Reasons.SUCCEEDED, "commit " + Steps.shortId(s.revision) + " is valid"),
                cond(RENDERED, Status.TRUE, Reasons.SUCCEEDED, pools.size() + " pool config(s) rendered and published"),
                cond(MACHINES_READY, allReady ? Status.TRUE : Status.FALSE, allReady ? Reasons.MACHINES_READY : Reasons.WAITING_FOR_MACHINES,
                        machines + (s.created + s.deleted > 0 ? " (" + s.created + " created, " + s.deleted + " deleted)" : "")),
                cond(STALLED, Status.FALSE, Reasons.SUCCEEDED, "no problems"),
                cond(RECONCILING, allReady ? Status.FALSE : Status.TRUE, allReady ? Reasons.SUCCEEDED : Reasons.PROVISIONING, machines),
                cond(READY, allReady ? Status.TRUE : Status.FALSE, allReady ? Reasons.SUCCEEDED : Reasons.PROVISIONING,
                        allReady ? "applied " + Steps.shortId(s.revision) + "; " + machines : machines));
    }

    private static ClusterStatus failed(Scope s, ClusterStatus prev, Instant now) {
        ReconcileException f = s.failure;
        boolean stalled = f instanceof ReconcileException.Stalled;
        ClusterStatus.LastError error = new ClusterStatus.LastError(s.revision, f.reason(), f.getMessage(), now);
        Phase phase = prev.appliedRevision() == null ? Phase.FAILED : prev.phase() == Phase.PENDING ? Phase.FAILED : prev.phase();
        ClusterStatus base = copy(prev, prev.appliedRevision(), s.revision, phase, prev.pools(), prev.nodes(), error, prev.appliedAt(), now);
        List<Condition> conditions = new ArrayList<>();
        if (Reasons.VALIDATION_FAILED.equals(f.reason())) {
            conditions.add(cond(CONFIG_VALID, Status.FALSE, f.reason(), f.getMessage()));
        }
        conditions.add(cond(STALLED, stalled ? Status.TRUE : Status.FALSE, stalled ? f.reason() : Reasons.PROGRESSING,
                stalled ? f.getMessage() : "retrying"));
        conditions.add(cond(RECONCILING, stalled ? Status.FALSE : Status.TRUE, stalled ? f.reason() : Reasons.PROGRESSING,
                stalled ? "waiting for a new commit" : "retrying after: " + f.getMessage()));
        conditions.add(cond(READY, Status.FALSE, f.reason(), f.getMessage()));
        return withConditions(base, now, s.revision, conditions.toArray(Condition[]::new));
    }

    private static Condition cond(String type, Status status, String reason, String message) {
        return new Condition(type, status, reason, message, null, null);
    }

    private static ClusterStatus withConditions(ClusterStatus base, Instant now, String revision, Condition... conditions) {
        ClusterStatus out = base;
        for (Condition c : conditions) {
            out = out.withCondition(new Condition(c.type(), c.status(), c.reason(), c.message(), revision, null), now);
        }
        return out;
    }

    private static ClusterStatus copy(ClusterStatus prev, String applied, String attempted, Phase phase, List<PoolStatus> pools,
                                      List<NodeStatus> nodes, ClusterStatus.LastError error, java.time.Instant appliedAt, Instant now) {
        return new ClusterStatus(prev.name(), applied, attempted, phase, prev.conditions(), pools, nodes, error, appliedAt, now);
    }
}
