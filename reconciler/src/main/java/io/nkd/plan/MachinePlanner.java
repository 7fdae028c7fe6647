package io.nkd.plan;

import io.nkd.config.ClusterSpec;
import io.nkd.config.NodePool;
import io.nkd.config.Topology;
import io.nkd.config.Topology.PlannedNode;
import io.nkd.infra.MachineChanges;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Machine changes between two revisions of a cluster, computed by {@link MachineChanges}, the computation the
 * daemon's ReconcileMachines step runs against what its provider lists: machines are matched by node name
 * ({@code <cluster>-<pool>-<n>} for replicas, the host name for listed machines), so a replica count change
 * creates or deletes the highest-numbered nodes. A machine whose address, MAC, size or pool changed under the
 * same name is kept as it is by the daemon, and the plan says so ({@link Action.MachineNotReplaced}).
 */
final class MachinePlanner {
    /** The machine actions, and the nodes that stay (the ones an upgrade would roll through in place). */
    record Result(List<Action> actions, Set<String> kept) {
    }

    private MachinePlanner() {
    }

    static DesiredMachine machine(PlannedNode n) {
        return new DesiredMachine(n.name(), n.ip(), n.mac(), DesiredMachine.size(n.pool().machine()));
    }

    /** The machines of a pool, in node order. */
    static List<DesiredMachine> machines(String cluster, NodePool pool) {
        return Topology.nodes(cluster, pool).stream().map(MachinePlanner::machine).toList();
    }

    static List<DesiredMachine> machines(String cluster, ClusterSpec spec) {
        return Topology.nodes(cluster, spec).stream().map(MachinePlanner::machine).toList();
    }

    /** Changes from the base nodes (taken to be what exists after the base was applied) to the head's. */
    static Result changes(String cluster, ClusterSpec base, ClusterSpec head) {
        List<PlannedNode> before = Topology.nodes(cluster, base);
        Map<String, PlannedNode> baseNodes = new LinkedHashMap<>();
        before.forEach(n -> baseNodes.put(n.name(), n));
        MachineChanges changes = MachineChanges.of(
                before.stream().map(n -> new MachineChanges.Existing(n.name(), n.pool().name())).toList(),
                Topology.nodes(cluster, head));
        Map<String, NodePool> basePools = byName(base);
        Map<String, NodePool> headPools = byName(head);
        Action.Effect effect = DaemonEffects.machines(head);
        List<Action> actions = new ArrayList<>();
        Set<String> kept = new LinkedHashSet<>();
        for (MachineChanges.Existing gone : changes.delete()) {
            PlannedNode n = baseNodes.get(gone.name());
            actions.add(new Action.DeleteMachine(cluster, gone.pool(), machine(n), effect, DaemonEffects.machinesReason(head,
                    deleteReason(gone.pool(), basePools.get(gone.pool()), headPools.get(gone.pool()), gone.name())
                            + "; its node token is revoked")));
        }
        for (MachineChanges.Kept k : changes.keep()) {
            kept.add(k.desired().name());
            PlannedNode old = baseNodes.get(k.existing().name());
            List<String> changed = differences(old, k.desired());
            if (!changed.isEmpty()) {
                actions.add(new Action.MachineNotReplaced(cluster, k.desired().pool().name(), machine(old), machine(k.desired()),
                        changed, "nkd matches machines by node name and does not replace running machines yet (replacing "
                        + "one means draining it first, which needs the Housekeeper): the existing machine keeps its old "
                        + "settings" + (k.poolChanged() ? " and the config of pool " + k.existing().pool() : "")
                        + "; the change applies only if a machine of this name is created again"));
            }
        }
        for (PlannedNode n : changes.create()) {
            String pool = n.pool().name();
            actions.add(new Action.CreateMachine(cluster, pool, machine(n), effect,
                    DaemonEffects.machinesReason(head, createReason(pool, basePools.get(pool), n.pool(), n.name()))));
        }
        return new Result(List.copyOf(actions), Set.copyOf(kept));
    }

    private static List<String> differences(PlannedNode old, PlannedNode now) {
        List<String> changed = new ArrayList<>();
        change(changed, "pool", old.pool().name(), now.pool().name());
        change(changed, "pool role", old.pool().role().wire(), now.pool().role().wire());
        change(changed, "address", old.ip(), now.ip());
        change(changed, "MAC", old.mac(), now.mac());
        change(changed, "size", DesiredMachine.size(old.pool().machine()), DesiredMachine.size(now.pool().machine()));
        return changed;
    }

    private static void change(List<String> changed, String what, String from, String to) {
        String a = from == null || from.isEmpty() ? "none" : from;
        String b = to == null || to.isEmpty() ? "none" : to;
        if (!a.equals(b)) {
            changed.add(what + " " + a + " → " + b);
        }
    }

    private static String deleteReason(String pool, NodePool from, NodePool to, String node) {
        if (to == null) {
            return "pool " + pool + " was removed from spec.pools";
        }
        if (from != null && from.machines().isEmpty() && to.machines().isEmpty()) {
            return "pool " + pool + " shrinks from " + from.replicas() + " to " + to.replicas()
                    + " replicas; the highest-numbered nodes go";
        }
        return node + " is no longer a machine of pool " + pool;
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
}
