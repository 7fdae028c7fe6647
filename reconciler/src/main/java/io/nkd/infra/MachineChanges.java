package io.nkd.infra;

import io.nkd.config.Topology.PlannedNode;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Which machines a reconcile creates, deletes and keeps: the one computation behind both the daemon's
 * ReconcileMachines step (existing = what the provider lists) and {@code nkd plan} (existing = the base
 * revision's nodes), so the plan cannot promise what the daemon does not do.
 *
 * <p>Machines are matched by node name only. A machine that exists under a desired name is kept as it is, even
 * when its address, MAC, size or pool changed in Git: replacing a node needs draining it first, which needs the
 * in-cluster Housekeeper, so nkd does not do it yet. Pure.
 *
 * @param create desired nodes no machine exists for, in topology order
 * @param delete existing machines no desired node names, in the order given
 * @param keep   machines that exist and are still desired, in topology order
 */
public record MachineChanges(List<PlannedNode> create, List<Existing> delete, List<Kept> keep) {

    /** A machine that exists: its node name and the pool it was created for. */
    public record Existing(String name, String pool) {
        public static Existing of(ProvisionedMachine m) {
            return new Existing(m.name(), m.pool());
        }
    }

    /** A machine that stays, with the node Git now asks for under its name. */
    public record Kept(Existing existing, PlannedNode desired) {
        /** Whether Git moved the node to another pool (the machine keeps the old pool's config). */
        public boolean poolChanged() {
            return !existing.pool().equals(desired.pool().name());
        }
    }

    public MachineChanges {
        create = List.copyOf(create);
        delete = List.copyOf(delete);
        keep = List.copyOf(keep);
    }

    public static MachineChanges of(Collection<Existing> existing, List<PlannedNode> desired) {
        Map<String, Existing> byName = new LinkedHashMap<>();
        existing.forEach(e -> byName.putIfAbsent(e.name(), e));
        Set<String> wanted = desired.stream().map(PlannedNode::name).collect(Collectors.toSet());
        List<PlannedNode> create = new ArrayList<>();
        List<Kept> keep = new ArrayList<>();
        for (PlannedNode n : desired) {
            Existing e = byName.get(n.name());
            if (e == null) {
                create.add(n);
            } else {
                keep.add(new Kept(e, n));
            }
        }
        List<Existing> delete = byName.values().stream().filter(e -> !wanted.contains(e.name())).toList();
        return new MachineChanges(create, delete, keep);
    }

    public boolean isEmpty() {
        return create.isEmpty() && delete.isEmpty();
    }
}
