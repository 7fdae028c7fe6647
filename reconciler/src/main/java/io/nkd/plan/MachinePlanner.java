package io.nkd.plan;

import io.nkd.config.ClusterSpec;
import io.nkd.config.NodePool;
import io.nkd.config.Topology;
import io.nkd.config.Topology.PlannedNode;
import io.nkd.infra.MachineChanges;
import io.nkd.infra.MachineChanges.Existing;
import io.nkd.infra.MachineSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Machine actions between two revisions of a cluster, computed by {@link MachineChanges}, the computation the daemon's
 * ReconcileMachines step runs against what its provider lists. Here the machines that exist are taken to be the base
 * revision's nodes, built with the base's specs; the actions come in the order the daemon carries them out (deletes
 * newest first, orphans, creates, replacements).
 */
final class MachinePlanner {
    /** The machine actions, and the nodes that stay as they are (the ones an upgrade would roll through in place). */
    record Result(List<Action> actions, Set<String> kept) {
    }

    private MachinePlanner() {
    }

    /** Changes from the base nodes (taken to be what exists after the base was applied) to the head's. */
    static Result changes(String cluster, ClusterSpec base, ClusterSpec head) {
        List<Existing> existing = Topology.nodes(cluster, base).stream()
                .map(n -> new Existing(n.name(), n.pool().name(), MachineSpec.of(n, base.infrastructure()), null)).toList();
        return actions(cluster, existing, byName(base), head);
    }

    /** A new cluster: every node is created. */
    static Result added(String cluster, ClusterSpec head) {
        return actions(cluster, List.of(), Map.of(), head);
    }

    private static Result actions(String cluster, List<Existing> existing, Map<String, NodePool> basePools, ClusterSpec head) {
        MachineChanges changes = MachineChanges.of(existing, MachineChanges.Desired.of(Topology.nodes(cluster, head),
                head.infrastructure()), head.pools(), head.machinePolicy());
        Map<String, NodePool> headPools = byName(head);
        Action.Effect effect = DaemonEffects.machines(head);
        List<Action> actions = new ArrayList<>();
        Set<String> kept = new LinkedHashSet<>();
        Map<String, List<String>> goingByPool = new LinkedHashMap<>();
        changes.delete().forEach(e -> goingByPool.computeIfAbsent(e.pool(), p -> new ArrayList<>()).add(e.name()));
        for (Existing gone : changes.delete()) {
            String why = deleteReason(gone.pool(), basePools.get(gone.pool()), headPools.get(gone.pool()), gone.name(),
                    goingByPool.get(gone.pool()));
            actions.add(new Action.DeleteMachine(cluster, gone.pool(), DesiredMachine.of(gone.name(), gone.spec()), effect,
                    DaemonEffects.machinesReason(head, why + "; " + DRAINED_FIRST + "; its node token is revoked")));
        }
        for (Existing orphan : changes.orphans()) {
            boolean prune = head.machinePolicy().prune();
            String why = "pool " + orphan.pool() + " was removed from spec.pools, so this machine nkd created for the cluster is "
                    + "an orphan";
            actions.add(new Action.OrphanMachine(cluster, orphan.pool(), DesiredMachine.of(orphan.name(), orphan.spec()),
                    prune ? effect : Action.Effect.NOT_APPLIED, prune
                    ? DaemonEffects.machinesReason(head, why + " and spec.machinePolicy.prune is true: the daemon deletes it; "
                            + DRAINED_FIRST + "; its node token is revoked")
                    : why + "; NOT applied: spec.machinePolicy.prune is false (the default), so it keeps running, unmanaged "
                            + "(no longer scaled or updated), and status lists it as an orphan; set spec.machinePolicy.prune: "
                            + "true to delete it"));
        }
        for (MachineChanges.Desired d : changes.create()) {
            String pool = d.pool();
            String why = basePools.isEmpty() && existing.isEmpty() ? "cluster " + cluster + " is new"
                    : createReason(pool, basePools.get(pool), d.node().pool(), d.name());
            if (!existing.isEmpty()) {
                why += "; " + JOINS_RUNNING_CLUSTER;
            }
            actions.add(new Action.CreateMachine(cluster, pool, DesiredMachine.of(d.name(), d.spec()), effect,
                    DaemonEffects.machinesReason(head, why)));
        }
        for (MachineChanges.Replacement r : changes.replace()) {
            Action.Effect replaced = r.allowed() ? effect : Action.Effect.NOT_APPLIED;
            actions.add(new Action.ReplaceMachine(cluster, r.desired().pool(), DesiredMachine.of(r.existing().name(), r.existing().spec()),
                    DesiredMachine.of(r.desired().name(), r.desired().spec()), r.changes(), replaced, replaceReason(head, r)));
            if (replaced == Action.Effect.NOT_APPLIED) {
                kept.add(r.desired().name());
            }
        }
        changes.keep().forEach(k -> kept.add(k.desired().name()));
        return new Result(List.copyOf(actions), Set.copyOf(kept));
    }

    /** How a machine created on a running cluster joins it (EnsureJoinToken in the daemon). */
    static final String JOINS_RUNNING_CLUSTER = "it joins the running cluster with a fresh bootstrap token (valid 4 h) that "
            + "nkd creates in kube-system when the cluster's API answers and writes into the machine's own node config (the "
            + "pool config and its version do not change); while the API does not answer it joins with the cluster's first "
            + "token";

    /** What happens to a node before its machine is deleted (NodeDrains in the daemon). */
    static final String DRAINED_FIRST = "its node is drained first: when the cluster's API answers, nkd cordons the node, evicts "
            + "its pods through the Eviction API (PodDisruptionBudgets respected; DaemonSet and mirror pods stay; past "
            + "spec.upgrade.drainTimeout the pods left are deleted if spec.upgrade.evictPodForce is true, else the drain waits "
            + "for a person and status says what blocks it) and deletes the Node from Kubernetes (for a control-plane node, "
            + "its etcd member first, refused while that would lose etcd quorum), and only then deletes the "
            + "machine; if the API does not answer for 10 minutes, the machine is deleted WITHOUT draining and status says so, "
            + "and its Node (and etcd member) are removed once the API answers again, unless a new machine carries the name by then";

    private static String replaceReason(ClusterSpec head, MachineChanges.Replacement r) {
        String what = "its spec changed in Git (" + String.join("; ", r.changes()) + "), which a machine cannot change in place";
        return switch (r.hold()) {
            case NONE -> DaemonEffects.machinesReason(head, what + "; spec.machinePolicy.replace is true: the daemon deletes "
                    + "the machine, then creates it again under the same node name (a name cannot be held by two machines) with "
                    + "the pool's current config and a new node token, one machine at a time, each after the previous one is "
                    + "active; " + DRAINED_FIRST);
            case POLICY -> what + "; NOT applied: spec.machinePolicy.replace is false (the default), so the machine keeps "
                    + "running as it is and the change reaches only a machine created again under this name; set "
                    + "spec.machinePolicy.replace: true to replace it";
            case CONTROL_PLANE -> what + "; NOT applied: nkd does not replace control-plane nodes yet, whatever "
                    + "spec.machinePolicy.replace says (a control-plane node's etcd member must be removed first, and the first "
                    + "node would run kubeadm init again): the machine keeps running as it is";
        };
    }

    private static String deleteReason(String pool, NodePool from, NodePool to, String node, List<String> going) {
        if (from != null && from.machines().isEmpty() && to.machines().isEmpty() && from.replicas() > to.replicas()) {
            return "pool " + pool + " shrinks from " + from.replicas() + " to " + to.replicas() + " replicas: "
                    + String.join(", ", going) + " go, newest first (the highest-numbered nodes; the nodes that stay keep "
                    + "their names, which are their host names and Kubernetes node names)";
        }
        return node + " is no longer " + (to.machines().isEmpty() ? "a node" : "listed in the machines") + " of pool " + pool;
    }

    private static String createReason(String pool, NodePool from, NodePool to, String node) {
        if (from == null) {
            return "pool " + pool + " is new";
        }
        if (from.machines().isEmpty() && to.machines().isEmpty()) {
            return "pool " + pool + " grows from " + from.replicas() + " to " + to.replicas() + " replicas";
        }
        return node + " is newly listed in pool " + pool + "'s machines";
    }

    private static Map<String, NodePool> byName(ClusterSpec spec) {
        Map<String, NodePool> m = new LinkedHashMap<>();
        spec.pools().forEach(p -> m.put(p.name(), p));
        return m;
    }

    /** The node names of a pool, in node order. */
    static List<String> names(String cluster, NodePool pool) {
        return Topology.nodes(cluster, pool).stream().map(PlannedNode::name).toList();
    }
}
