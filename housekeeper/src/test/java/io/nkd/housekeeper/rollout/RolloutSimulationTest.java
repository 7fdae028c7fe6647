package io.nkd.housekeeper.rollout;

import io.nkd.housekeeper.api.NodeRole;
import io.nkd.housekeeper.api.AgentState;
import io.nkd.housekeeper.api.KubeadmUpgrade;
import io.nkd.housekeeper.api.NodeAssignment;
import io.nkd.housekeeper.api.RolloutPhase;
import io.nkd.housekeeper.api.UpdateStatus;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

import static io.nkd.housekeeper.rollout.Fixtures.NEW_IMAGE;
import static io.nkd.housekeeper.rollout.Fixtures.NEW_KUBE;
import static io.nkd.housekeeper.rollout.Fixtures.spec;
import static io.nkd.housekeeper.rollout.Fixtures.update;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Many random clusters rolled out step by step by the planner and a model of the agents: at every step the rules of
 * order and budget hold, and every rollout completes. Each seed is a different cluster (sizes, budget, cordoned and
 * NotReady nodes, agent speeds), so a failure names its seed to replay.
 */
class RolloutSimulationTest {
    private static final AgentState[] STEPS = {AgentState.CORDONING, AgentState.DRAINING, AgentState.STAGING,
            AgentState.REBOOTING, AgentState.UPGRADING_KUBERNETES, AgentState.VERIFYING, AgentState.UNCORDONING,
            AgentState.DONE};

    @Test
    void orderAndBudgetHoldAtEveryStepAndEveryRolloutCompletes() {
        int steps = 0;
        for (long seed = 1; seed <= 300; seed++) {
            steps += simulate(seed);
        }
        assertTrue(steps > 300, "the simulations ran: " + steps + " steps");
    }

    private static int simulate(long seed) {
        Random random = new Random(seed);
        int cps = random.nextInt(4);
        int workers = 1 + random.nextInt(12);
        int budget = 1 + random.nextInt(4);
        List<Fixtures.N> nodes = new ArrayList<>();
        int adminCordoned = 0;
        for (int i = 0; i < cps; i++) {
            nodes.add(Fixtures.cp("cp-" + i));
        }
        for (int i = 0; i < workers; i++) {
            Fixtures.N w = Fixtures.worker("w-" + (char) ('a' + i));
            // cordoned by an administrator: stays cordoned and uses budget for good, so fewer than the budget
            // (as many as the budget block the rollout for good: WaitingForBudget, tested in RolloutPlannerTest)
            if (random.nextInt(6) == 0 && adminCordoned < budget - 1) {
                w.cordoned();
                adminCordoned++;
            }
            if (random.nextInt(8) == 0) {
                w.at(NEW_IMAGE, NEW_KUBE); // already at the target
            }
            nodes.add(w);
        }
        Set<String> cordonedByAdmin = new HashSet<>();
        nodes.stream().filter(n -> n.unschedulable).forEach(n -> cordonedByAdmin.add(n.name));
        UpdateRef u = update(spec(NEW_IMAGE, NEW_KUBE, budget), 1, null);
        UpdateStatus status = null;
        Instant now = Fixtures.T0;
        Set<String> workerSeen = new HashSet<>();
        for (int step = 0; step < 2000; step++) {
            now = now.plusSeconds(5);
            RolloutDecision d = Fixtures.plan(new UpdateRef(u.namespace(), u.name(), u.uid(), u.generation(),
                    u.created(), u.spec(), status), nodes, EtcdHealth.healthy("ok"), now);
            boolean workerSelected = false;
            for (NodeAction a : d.actions()) {
                Fixtures.N n = find(nodes, a.node());
                if (a instanceof NodeAction.Assign assign) {
                    n.assigned(assign.assignment());
                    workerSelected |= !n.role.equals(NodeRole.CONTROL_PLANE);
                    if (n.role == NodeRole.WORKER) {
                        workerSeen.add(n.name);
                    }
                } else if (a instanceof NodeAction.Release) {
                    n.assignment = null;
                    n.upgrading = false;
                } else if (a instanceof NodeAction.ClearCompleted) {
                    n.completed = false;
                }
            }
            status = d.status();
            check(seed, step, nodes, budget, workerSelected);
            if (status.phase() == RolloutPhase.COMPLETED) {
                assertTrue(nodes.stream().allMatch(n -> n.image.equals(NEW_IMAGE) && n.kubelet.equals(NEW_KUBE)),
                        "seed " + seed);
                assertEquals(nodes.size(), status.updated(), "seed " + seed);
                assertTrue(nodes.stream().noneMatch(n -> n.assignment != null || n.completed), "seed " + seed);
                for (Fixtures.N n : nodes) {
                    assertEquals(cordonedByAdmin.contains(n.name), n.unschedulable, "seed " + seed + " " + n.name);
                }
                return step;
            }
            agents(random, nodes);
        }
        fail("seed " + seed + ": the rollout did not complete; status " + status);
        return 0;
    }

    /** One step of every agent that holds an assignment, at a random pace. */
    private static void agents(Random random, List<Fixtures.N> nodes) {
        for (Fixtures.N n : nodes) {
            NodeAssignment a = n.assignment;
            if (a == null) {
                if (n.state == AgentState.DONE) {
                    n.agent(AgentState.IDLE, null); // released
                }
                continue;
            }
            if (!a.id().equals(n.reportAssignment)) {
                n.agent(AgentState.CORDONING, a);
                if (!n.unschedulable) {
                    n.unschedulable = true;
                    n.cordonedByAgentSim = true;
                }
                continue;
            }
            if (n.state == AgentState.DONE || random.nextInt(3) == 0) {
                continue; // slower this step
            }
            int i = List.of(STEPS).indexOf(n.state);
            AgentState next = STEPS[i + 1];
            switch (next) {
                case REBOOTING -> n.ready = false;
                case UPGRADING_KUBERNETES -> {
                    n.ready = true;
                    n.image = a.osImageURL();
                }
                case VERIFYING -> n.kubelet = a.kubeVersion();
                case UNCORDONING -> {
                    if (n.cordonedByAgentSim) {
                        n.unschedulable = false;
                        n.cordonedByAgentSim = false;
                    }
                }
                case DONE -> n.completed = true;
                default -> {
                }
            }
            n.agent(next, a);
        }
    }

    private static void check(long seed, int step, List<Fixtures.N> nodes, int budget, boolean workerSelected) {
        long cpAssigned = nodes.stream().filter(n -> n.role == NodeRole.CONTROL_PLANE
                && n.assignment != null).count();
        if (cpAssigned > 1) {
            fail("seed " + seed + " step " + step + ": " + cpAssigned + " control-plane nodes at once");
        }
        boolean workerAssigned = nodes.stream().anyMatch(n -> n.role == NodeRole.WORKER
                && n.assignment != null);
        boolean cpOpen = nodes.stream().anyMatch(n -> n.role == NodeRole.CONTROL_PLANE
                && (n.assignment != null || !n.image.equals(NEW_IMAGE) || !n.kubelet.equals(NEW_KUBE)));
        if (workerAssigned && cpOpen) {
            fail("seed " + seed + " step " + step + ": a worker is assigned before the control plane is done");
        }
        if (workerSelected) {
            long unavailable = nodes.stream().filter(n -> n.assignment != null || !n.ready || n.unschedulable)
                    .count();
            if (unavailable > budget) {
                fail("seed " + seed + " step " + step + ": " + unavailable + " nodes unavailable, budget " + budget);
            }
        }
        for (Fixtures.N n : nodes) {
            if (n.assignment != null && n.assignment.kubeadmUpgrade() == KubeadmUpgrade.APPLY
                    && nodes.stream().anyMatch(o -> o != n && o.role == NodeRole.CONTROL_PLANE
                    && o.kubelet.equals(NEW_KUBE))) {
                fail("seed " + seed + " step " + step + ": kubeadm upgrade apply on " + n.name
                        + " after another control-plane node was upgraded");
            }
        }
    }

    private static Fixtures.N find(List<Fixtures.N> nodes, String name) {
        return nodes.stream().filter(n -> n.name.equals(name)).findFirst().orElseThrow();
    }
}
