package io.nkd.infra;

import io.nkd.config.Infrastructure;
import io.nkd.config.MachinePolicy;
import io.nkd.config.NodePool;
import io.nkd.config.Topology.PlannedNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What a reconcile does to a cluster's machines: the one computation behind both the daemon's ReconcileMachines step
 * (existing = what the provider lists, from its metadata) and {@code nkd plan} (existing = the base revision's nodes
 * with the base's specs), so the plan cannot promise what the daemon does not do. Pure.
 *
 * <p>Machines are matched by node name. Names are stable ({@code <cluster>-<pool>-<n>} for replicas, the listed host
 * name otherwise) because they are the host names in the rendered Ignition, the Kubernetes node names and the key of
 * each node's token. That decides every list:
 * <ul>
 *   <li><b>create</b>: desired nodes no machine exists for, in topology order.</li>
 *   <li><b>delete</b>: machines of a pool still in Git whose name Git no longer asks for (a lower replica count, a
 *       listed machine removed), newest first: by creation time when known, then by the highest node number. Which
 *       machines go is decided by name (scaling 4 → 2 removes nodes 3 and 4, whatever their age), because a
 *       surviving node must keep a name Git still asks for.</li>
 *   <li><b>replace</b>: a machine under a desired name whose immutable spec ({@link MachineSpec#differences}) or
 *       pool changed. It keeps its name, so a replacement is the old machine deleted, then the new one created: a
 *       new machine cannot be made first under the same name (the provider finds machines by node name, and the
 *       host name, fixed address, MAC and node token would be held twice). Each carries whether the daemon may do
 *       it ({@link Hold}).</li>
 *   <li><b>orphans</b>: machines carrying nkd's marker for the cluster whose pool is not in Git (or unknown), under
 *       a name Git does not ask for. Deleted only when {@link MachinePolicy#prune()} is on ({@link #prune()}),
 *       otherwise kept and reported ({@link #orphansKept()}).</li>
 *   <li><b>keep</b>: machines that are as Git asks, in topology order.</li>
 * </ul>
 */
public record MachineChanges(List<Desired> create, List<Existing> delete, List<Replacement> replace, List<Existing> orphans,
                             List<Kept> keep, MachinePolicy policy) {

    /**
     * A machine that exists.
     *
     * @param pool      the pool it was created for, or null when unknown
     * @param createdAt when nkd created it, or null when unknown (the plan's base, older metadata)
     */
    public record Existing(String name, String pool, MachineSpec spec, Instant createdAt) {
        public static Existing of(ProvisionedMachine m) {
            return new Existing(m.name(), m.pool(), m.spec(), m.createdAt());
        }

        /** The number after the last dash of the name ({@code 3} for {@code lab-workers-3}), or 0. */
        public int number() {
            int dash = name.lastIndexOf('-');
            String tail = name.substring(dash + 1);
            if (tail.isEmpty() || tail.length() > 9 || !tail.chars().allMatch(Character::isDigit)) {
                return 0;
            }
            return Integer.parseInt(tail);
        }
    }

    /** A node Git asks for and the spec its machine is built from. */
    public record Desired(PlannedNode node, MachineSpec spec) {
        public static List<Desired> of(List<PlannedNode> nodes, Infrastructure infrastructure) {
            return nodes.stream().map(n -> new Desired(n, MachineSpec.of(n, infrastructure))).toList();
        }

        public String name() {
            return node.name();
        }

        public String pool() {
            return node.pool().name();
        }
    }

    /** A machine that stays as it is. */
    public record Kept(Existing existing, Desired desired) {
    }

    /** Why a planned replacement is not carried out. */
    public enum Hold {
        /** Nothing holds it: the daemon replaces the machine. */
        NONE,
        /** {@code spec.machinePolicy.replace} is false (the default). */
        POLICY,
        /**
         * A control-plane node. Replacing one needs its etcd member removed first, and the first one would run
         * {@code kubeadm init} again and start a second cluster: both need the Kubernetes side, which comes later.
         */
        CONTROL_PLANE
    }

    /**
     * A machine to replace: same node name, a changed spec or pool.
     *
     * @param changes what changed, e.g. {@code size flavor m1.small → flavor m1.large}, pool first
     */
    public record Replacement(Existing existing, Desired desired, List<String> changes, Hold hold) {
        public Replacement {
            changes = List.copyOf(changes);
        }

        public boolean allowed() {
            return hold == Hold.NONE;
        }
    }

    /** The daemon's next step with replacements, given how the cluster's machines stand now. */
    public sealed interface Turn permits Turn.Replace, Turn.Wait, Turn.Done {
        /** Replace this machine now. */
        record Replace(Replacement replacement) implements Turn {
        }

        /** Replacements remain, but another machine must become active first; {@code reason} says which. */
        record Wait(String reason) implements Turn {
        }

        /** No replacement the daemon may do. */
        record Done() implements Turn {
        }
    }

    public MachineChanges {
        create = List.copyOf(create);
        delete = List.copyOf(delete);
        replace = List.copyOf(replace);
        orphans = List.copyOf(orphans);
        keep = List.copyOf(keep);
    }

    /** Newest first: created later first (unknown times last), then the higher node number, then the name. */
    static final Comparator<Existing> NEWEST_FIRST = Comparator
            .comparing(Existing::createdAt, Comparator.nullsLast(Comparator.<Instant>reverseOrder()))
            .thenComparing(Comparator.comparingInt(Existing::number).reversed())
            .thenComparing(Existing::name, Comparator.reverseOrder());

    /**
     * @param existing the machines that exist (a name listed twice counts once)
     * @param desired  the nodes Git asks for, in topology order
     * @param pools    the pools in Git (their names and roles)
     * @param policy   the cluster's machine policy
     */
    public static MachineChanges of(Collection<Existing> existing, List<Desired> desired, Collection<NodePool> pools,
                                    MachinePolicy policy) {
        Map<String, Existing> byName = new LinkedHashMap<>();
        existing.forEach(e -> byName.putIfAbsent(e.name(), e));
        Map<String, NodePool.Role> roles = pools.stream().collect(Collectors.toMap(NodePool::name, NodePool::role, (a, b) -> a));
        Set<String> wanted = desired.stream().map(Desired::name).collect(Collectors.toSet());
        List<Desired> create = new ArrayList<>();
        List<Replacement> replace = new ArrayList<>();
        List<Kept> keep = new ArrayList<>();
        for (Desired d : desired) {
            Existing e = byName.get(d.name());
            if (e == null) {
                create.add(d);
                continue;
            }
            List<String> changes = new ArrayList<>();
            if (e.pool() != null && !e.pool().equals(d.pool())) {
                changes.add("pool " + e.pool() + " → " + d.pool());
            }
            changes.addAll(e.spec().differences(d.spec()));
            if (changes.isEmpty()) {
                keep.add(new Kept(e, d));
            } else {
                boolean controlPlane = d.node().controlPlane() || roles.get(e.pool()) == NodePool.Role.CONTROL_PLANE;
                Hold hold = controlPlane ? Hold.CONTROL_PLANE : policy.replace() ? Hold.NONE : Hold.POLICY;
                replace.add(new Replacement(e, d, changes, hold));
            }
        }
        List<Existing> gone = byName.values().stream().filter(e -> !wanted.contains(e.name())).sorted(NEWEST_FIRST).toList();
        List<Existing> delete = gone.stream().filter(e -> e.pool() != null && roles.containsKey(e.pool())).toList();
        List<Existing> orphans = gone.stream().filter(e -> e.pool() == null || !roles.containsKey(e.pool())).toList();
        return new MachineChanges(create, delete, replace, orphans, keep, policy);
    }

    /** The orphans the daemon deletes: all of them when pruning is on, none otherwise. */
    public List<Existing> prune() {
        return policy.prune() ? orphans : List.of();
    }

    /** The orphans that keep running: all of them when pruning is off. */
    public List<Existing> orphansKept() {
        return policy.prune() ? List.of() : orphans;
    }

    public List<Replacement> allowedReplacements() {
        return replace.stream().filter(Replacement::allowed).toList();
    }

    /** Whether the daemon has nothing to do to machines (held replacements and kept orphans are not work). */
    public boolean isEmpty() {
        return create.isEmpty() && delete.isEmpty() && prune().isEmpty() && allowedReplacements().isEmpty();
    }

    /**
     * The next replacement, one machine at a time: only when every other machine Git asks for is active (none
     * building, deleting or failed), so a replacement that fails to come up halts the rest instead of taking every
     * node down with it. A failed machine awaiting replacement does not hold the others and goes first: replacing it
     * is how a bad spec (a flavor no host fits) is fixed.
     *
     * @param states the state of each machine that exists now, by node name
     */
    public Turn nextReplacement(Map<String, ProvisionedMachine.State> states) {
        List<Replacement> allowed = allowedReplacements();
        if (allowed.isEmpty()) {
            return new Turn.Done();
        }
        Set<String> pending = allowed.stream().map(r -> r.existing().name()).collect(Collectors.toSet());
        Set<String> orphanNames = orphans.stream().map(Existing::name).collect(Collectors.toSet());
        // a machine whose replacement began and whose delete is still running (asynchronous at some providers) holds
        // the others as well: its new machine comes first
        List<String> busy = states.entrySet().stream()
                .filter(e -> pending.contains(e.getKey()) ? e.getValue() == ProvisionedMachine.State.DELETING
                        : !orphanNames.contains(e.getKey()) && e.getValue() != ProvisionedMachine.State.ACTIVE)
                .map(e -> e.getKey() + " is " + e.getValue().name().toLowerCase(java.util.Locale.ROOT))
                .sorted().toList();
        List<String> missing = create.stream().map(Desired::name).filter(n -> !states.containsKey(n)).toList();
        if (!busy.isEmpty() || !missing.isEmpty()) {
            List<String> why = new ArrayList<>(busy);
            missing.forEach(n -> why.add(n + " does not exist yet"));
            return new Turn.Wait(allowed.size() + " replacement(s) wait until every other machine is active ("
                    + String.join(", ", why) + ")");
        }
        Replacement next = allowed.stream()
                .filter(r -> states.get(r.existing().name()) == ProvisionedMachine.State.FAILED)
                .findFirst().orElse(allowed.get(0));
        return new Turn.Replace(next);
    }
}
