package io.nkd.infra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nkd.config.MachinePolicy;
import io.nkd.config.NodePool;
import io.nkd.config.Topology;
import io.nkd.infra.MachineChanges.Desired;
import io.nkd.infra.MachineChanges.Existing;
import io.nkd.infra.MachineChanges.Hold;
import io.nkd.infra.MachineChanges.Turn;
import io.nkd.infra.ProvisionedMachine.State;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The one machine computation of plan and daemon, table by table. */
class MachineChangesTest {
    private static final NodePool.MachineSize SMALL = new NodePool.MachineSize(null, null, null, "m1.small");
    private static final NodePool.MachineSize LARGE = new NodePool.MachineSize(null, null, null, "m1.large");
    private static final MachinePolicy DEFAULTS = new MachinePolicy(null, null);
    private static final MachinePolicy REPLACE = new MachinePolicy(true, false);
    private static final MachinePolicy PRUNE = new MachinePolicy(false, true);

    private static NodePool pool(String name, NodePool.Role role, int replicas, NodePool.MachineSize size) {
        return new NodePool(name, role, replicas, null, size, null, null);
    }

    private static final NodePool CP = pool("cp", NodePool.Role.CONTROL_PLANE, 1, SMALL);

    private static List<Desired> desired(NodePool... pools) {
        List<Desired> all = new ArrayList<>();
        for (NodePool p : pools) {
            all.addAll(Desired.of(Topology.nodes("c", p), null));
        }
        return all;
    }

    private static Existing machine(String name, String pool, NodePool.MachineSize size, Instant created) {
        return new Existing(name, pool, new MachineSpec(MachineSpec.size(size), "", "", ""), created);
    }

    /** The machines of these pools as they exist when created with their own spec, without creation times. */
    private static List<Existing> existing(NodePool... pools) {
        return desired(pools).stream().map(d -> new Existing(d.name(), d.pool(), d.spec(), null)).toList();
    }

    private static List<String> names(List<Existing> machines) {
        return machines.stream().map(Existing::name).toList();
    }

    @Test
    void missingNodesAreCreatedInTopologyOrderAndMatchingOnesKept() {
        NodePool workers = pool("w", NodePool.Role.WORKER, 3, SMALL);
        MachineChanges ch = MachineChanges.of(existing(CP, pool("w", NodePool.Role.WORKER, 1, SMALL)), desired(CP, workers),
                List.of(CP, workers), DEFAULTS);
        assertEquals(List.of("c-w-2", "c-w-3"), ch.create().stream().map(Desired::name).toList());
        assertEquals(List.of("c-cp-1", "c-w-1"), ch.keep().stream().map(k -> k.desired().name()).toList());
        assertTrue(ch.delete().isEmpty() && ch.replace().isEmpty() && ch.orphans().isEmpty());
        assertFalse(ch.isEmpty());
    }

    @Test
    void scaleDownDeletesByNameNewestFirstByCreationTimeThenNodeNumber() {
        NodePool one = pool("w", NodePool.Role.WORKER, 1, SMALL);
        Instant t = Instant.parse("2026-01-01T00:00:00Z");
        // created out of name order: w-3 is the newest, w-10 and w-2 have no recorded time
        List<Existing> machines = List.of(machine("c-cp-1", "cp", SMALL, t), machine("c-w-1", "w", SMALL, t.plusSeconds(50)),
                machine("c-w-2", "w", SMALL, null), machine("c-w-3", "w", SMALL, t.plusSeconds(30)),
                machine("c-w-4", "w", SMALL, t.plusSeconds(20)), machine("c-w-10", "w", SMALL, null));
        MachineChanges ch = MachineChanges.of(machines, desired(CP, one), List.of(CP, one), DEFAULTS);
        assertEquals(List.of("c-w-3", "c-w-4", "c-w-10", "c-w-2"), names(ch.delete()),
                "which machines go is decided by name (c-w-1, the newest, stays: Git asks for it); their order is newest first");
        assertEquals(List.of("c-cp-1", "c-w-1"), ch.keep().stream().map(k -> k.existing().name()).toList());
    }

    @Test
    void withoutCreationTimesTheHighestNumberGoesFirst() {
        NodePool two = pool("w", NodePool.Role.WORKER, 2, SMALL);
        MachineChanges ch = MachineChanges.of(existing(CP, pool("w", NodePool.Role.WORKER, 12, SMALL)), desired(CP, two),
                List.of(CP, two), DEFAULTS);
        assertEquals(List.of("c-w-12", "c-w-11", "c-w-10", "c-w-9", "c-w-8", "c-w-7", "c-w-6", "c-w-5", "c-w-4", "c-w-3"),
                names(ch.delete()), "numerically, not as text");
    }

    @Test
    void machinesOfPoolsNotInGitAreOrphansPrunedOnlyWhenAllowed() {
        NodePool gone = pool("old", NodePool.Role.WORKER, 2, SMALL);
        List<Existing> machines = new ArrayList<>(existing(CP, gone));
        machines.add(machine("c-unknown-1", null, SMALL, null));
        MachineChanges kept = MachineChanges.of(machines, desired(CP), List.of(CP), DEFAULTS);
        assertEquals(List.of("c-old-2", "c-unknown-1", "c-old-1"), names(kept.orphans()));
        assertTrue(kept.delete().isEmpty(), "an orphan is never a plain delete");
        assertTrue(kept.prune().isEmpty());
        assertEquals(kept.orphans(), kept.orphansKept());
        assertTrue(kept.isEmpty(), "kept orphans are no work for the daemon");

        MachineChanges pruned = MachineChanges.of(machines, desired(CP), List.of(CP), PRUNE);
        assertEquals(pruned.orphans(), pruned.prune());
        assertTrue(pruned.orphansKept().isEmpty());
        assertFalse(pruned.isEmpty());
    }

    @Test
    void aChangedSpecOrPoolPlansAReplacementHeldByPolicyAndAlwaysForTheControlPlane() {
        NodePool cpLarge = pool("cp", NodePool.Role.CONTROL_PLANE, 1, LARGE);
        NodePool workers = pool("w", NodePool.Role.WORKER, 2, LARGE);
        List<Existing> machines = List.of(machine("c-cp-1", "cp", SMALL, null), machine("c-w-1", "w", SMALL, null),
                machine("c-w-2", "other", LARGE, null));
        MachineChanges held = MachineChanges.of(machines, desired(cpLarge, workers), List.of(cpLarge, workers), DEFAULTS);
        assertEquals(List.of("c-cp-1", "c-w-1", "c-w-2"), held.replace().stream().map(r -> r.existing().name()).toList());
        assertEquals(List.of(Hold.CONTROL_PLANE, Hold.POLICY, Hold.POLICY), held.replace().stream().map(MachineChanges.Replacement::hold).toList());
        assertEquals(List.of("size flavor m1.small → flavor m1.large"), held.replace().get(1).changes());
        assertEquals(List.of("pool other → w"), held.replace().get(2).changes());
        assertTrue(held.allowedReplacements().isEmpty());
        assertTrue(held.isEmpty(), "held replacements are no work for the daemon");

        MachineChanges allowed = MachineChanges.of(machines, desired(cpLarge, workers), List.of(cpLarge, workers), REPLACE);
        assertEquals(List.of(Hold.CONTROL_PLANE, Hold.NONE, Hold.NONE), allowed.replace().stream().map(MachineChanges.Replacement::hold).toList());
        assertEquals(List.of("c-w-1", "c-w-2"), allowed.allowedReplacements().stream().map(r -> r.existing().name()).toList());
        assertTrue(allowed.keep().isEmpty() && allowed.create().isEmpty() && allowed.delete().isEmpty());
    }

    @Test
    void aWorkerMovedFromTheControlPlanePoolIsHeldToo() {
        NodePool workers = pool("w", NodePool.Role.WORKER, 1, SMALL);
        List<Existing> machines = List.of(machine("c-w-1", "cp", SMALL, null));
        MachineChanges ch = MachineChanges.of(machines, desired(workers), List.of(CP, workers), REPLACE);
        assertEquals(Hold.CONTROL_PLANE, ch.replace().get(0).hold());
    }

    @Test
    void replacementsGoOneAtATimeOnlyWhileEveryOtherMachineIsActive() {
        NodePool workers = pool("w", NodePool.Role.WORKER, 3, LARGE);
        List<Existing> machines = new ArrayList<>(List.of(machine("c-cp-1", "cp", SMALL, null), machine("c-w-1", "w", SMALL, null),
                machine("c-w-2", "w", SMALL, null), machine("c-w-3", "w", LARGE, null), machine("c-old-1", "old", SMALL, null)));
        MachineChanges ch = MachineChanges.of(machines, desired(CP, workers), List.of(CP, workers), REPLACE);
        assertEquals(List.of("c-w-1", "c-w-2"), ch.allowedReplacements().stream().map(r -> r.existing().name()).toList());

        Map<String, State> states = new LinkedHashMap<>(Map.of("c-cp-1", State.ACTIVE, "c-w-1", State.ACTIVE, "c-w-2", State.ACTIVE,
                "c-w-3", State.ACTIVE, "c-old-1", State.BUILDING));
        Turn first = ch.nextReplacement(states);
        assertEquals("c-w-1", assertInstanceOf(Turn.Replace.class, first).replacement().existing().name(),
                "an orphan's state holds nothing");

        states.put("c-w-3", State.BUILDING);
        Turn.Wait wait = assertInstanceOf(Turn.Wait.class, ch.nextReplacement(states));
        assertEquals("2 replacement(s) wait until every other machine is active (c-w-3 is building)", wait.reason());

        states.put("c-w-3", State.FAILED);
        assertInstanceOf(Turn.Wait.class, ch.nextReplacement(states), "a failed machine of the new spec halts the replacements");

        states.put("c-w-3", State.ACTIVE);
        states.put("c-w-2", State.FAILED);
        assertEquals("c-w-2", assertInstanceOf(Turn.Replace.class, ch.nextReplacement(states)).replacement().existing().name(),
                "a failed machine awaiting replacement goes first: replacing it is the fix");

        states.put("c-w-2", State.DELETING);
        assertEquals("2 replacement(s) wait until every other machine is active (c-w-2 is deleting)",
                assertInstanceOf(Turn.Wait.class, ch.nextReplacement(states)).reason(),
                "a replacement whose delete is still running finishes before the next begins");

        states.remove("c-w-3");
        assertInstanceOf(Turn.Wait.class, MachineChanges.of(machines.subList(0, 3), desired(CP, workers), List.of(CP, workers), REPLACE)
                .nextReplacement(states), "a node that does not exist yet holds them too");

        assertInstanceOf(Turn.Done.class, MachineChanges.of(machines, desired(CP, workers), List.of(CP, workers), DEFAULTS)
                .nextReplacement(states));
    }

    @Test
    void nodeNumbersAreTheDigitsAfterTheLastDash() {
        assertEquals(12, machine("lab-workers-12", "w", SMALL, null).number());
        assertEquals(0, machine("storage", "w", SMALL, null).number());
        assertEquals(0, machine("node-1a", "w", SMALL, null).number());
    }
}
