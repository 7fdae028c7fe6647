package io.nkd.plan;

import io.nkd.config.ClusterSpec;
import io.nkd.config.NodePool;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Infrastructure changes between two revisions of a cluster: machines are identified by node name
 * ({@code <cluster>-<pool>-<n>} for replicas, the host name for listed machines), so a replica count change
 * creates or deletes the highest-numbered nodes, and a machine whose address, MAC, size, pool role or provider
 * changed is replaced.
 */
final class MachinePlanner {
    /** The machine actions, and the nodes that stay as they are (the ones an upgrade rolls through in place). */
    record Result(List<Action> actions, Set<String> kept) {
    }

    private MachinePlanner() {
    }

    /** The machines of a pool, in node order. */
    static List<Machine> machines(String cluster, NodePool pool) {
        String size = Machine.size(pool.machine());
        List<Machine> machines = new ArrayList<>();
        if (!pool.machines().isEmpty()) {
            pool.machines().forEach(m -> machines.add(new Machine(m.hostname(), m.ip(), m.mac(), size)));
        } else {
            for (int i = 1; i <= pool.replicas(); i++) {
                machines.add(new Machine(cluster + "-" + pool.name() + "-" + i, null, null, size));
            }
        }
        return machines;
    }

    static List<Machine> machines(String cluster, ClusterSpec spec) {
        return spec.pools().stream().flatMap(p -> machines(cluster, p).stream()).toList();
    }

    static Result changes(String cluster, ClusterSpec base, ClusterSpec head) {
        Map<String, NodePool> basePools = byName(base);
        Map<String, NodePool> headPools = byName(head);
        Set<String> poolNames = new LinkedHashSet<>(headPools.keySet());
        poolNames.addAll(basePools.keySet());
        String fromProvider = base.infrastructure().provider().wire();
        String toProvider = head.infrastructure().provider().wire();
        List<Action> actions = new ArrayList<>();
        Set<String> kept = new LinkedHashSet<>();
        for (String name : poolNames) {
            NodePool from = basePools.get(name);
            NodePool to = headPools.get(name);
            Map<String, Machine> before = byName(from == null ? List.of() : machines(cluster, from));
            Map<String, Machine> after = byName(to == null ? List.of() : machines(cluster, to));
            for (Machine m : before.values()) {
                if (!after.containsKey(m.name())) {
                    actions.add(new Action.DeleteMachine(cluster, name, m, deleteReason(name, from, to, m)));
                }
            }
            for (Machine m : after.values()) {
                Machine old = before.get(m.name());
                if (old == null) {
                    continue;
                }
                List<String> changed = differences(old, m, from, to, fromProvider, toProvider);
                if (changed.isEmpty()) {
                    kept.add(m.name());
                } else {
                    actions.add(new Action.ReplaceMachine(cluster, name, old, m, "changed: " + String.join("; ", changed)
                            + " (a machine cannot change these in place, so it is drained, deleted and created again)"));
                }
            }
            for (Machine m : after.values()) {
                if (!before.containsKey(m.name())) {
                    actions.add(new Action.CreateMachine(cluster, name, m, createReason(name, from, to, m)));
                }
            }
        }
        return new Result(List.copyOf(actions), Set.copyOf(kept));
    }

    private static List<String> differences(Machine old, Machine now, NodePool from, NodePool to, String fromProvider,
                                            String toProvider) {
        List<String> changed = new ArrayList<>();
        change(changed, "provider", fromProvider, toProvider);
        change(changed, "pool role", from.role().wire(), to.role().wire());
        change(changed, "address", old.ip(), now.ip());
        change(changed, "MAC", old.mac(), now.mac());
        change(changed, "size", old.size(), now.size());
        return changed;
    }

    private static void change(List<String> changed, String what, String from, String to) {
        String a = from == null || from.isEmpty() ? "none" : from;
        String b = to == null || to.isEmpty() ? "none" : to;
        if (!a.equals(b)) {
            changed.add(what + " " + a + " → " + b);
        }
    }

    private static String deleteReason(String pool, NodePool from, NodePool to, Machine m) {
        if (to == null) {
            return "pool " + pool + " was removed from spec.pools";
        }
        if (from.machines().isEmpty() && to.machines().isEmpty()) {
            return "pool " + pool + " shrinks from " + from.replicas() + " to " + to.replicas()
                    + " replicas; the highest-numbered nodes go";
        }
        return m.name() + " is no longer a machine of pool " + pool;
    }

    private static String createReason(String pool, NodePool from, NodePool to, Machine m) {
        if (from == null) {
            return "pool " + pool + " is new";
        }
        if (from.machines().isEmpty() && to.machines().isEmpty()) {
            return "pool " + pool + " grows from " + from.replicas() + " to " + to.replicas() + " replicas";
        }
        return m.name() + " is newly listed in pool " + pool + "'s machines";
    }

    private static Map<String, NodePool> byName(ClusterSpec spec) {
        Map<String, NodePool> m = new LinkedHashMap<>();
        spec.pools().forEach(p -> m.put(p.name(), p));
        return m;
    }

    private static Map<String, Machine> byName(List<Machine> machines) {
        Map<String, Machine> m = new LinkedHashMap<>();
        machines.forEach(x -> m.put(x.name(), x));
        return m;
    }
}
