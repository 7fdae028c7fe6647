package io.nkd.housekeeper.rollout;

import io.fabric8.kubernetes.api.model.Condition;
import io.nkd.housekeeper.api.AgentState;
import io.nkd.housekeeper.api.DisruptionBudgetBlock;
import io.nkd.housekeeper.api.KubeadmUpgrade;
import io.nkd.housekeeper.api.NodeAssignment;
import io.nkd.housekeeper.api.NodeProgress;
import io.nkd.housekeeper.api.UpdateStatus;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static io.nkd.housekeeper.rollout.Fixtures.NEW_IMAGE;
import static io.nkd.housekeeper.rollout.Fixtures.OLD_KUBE;
import static io.nkd.housekeeper.rollout.Fixtures.assignment;
import static io.nkd.housekeeper.rollout.Fixtures.cp;
import static io.nkd.housekeeper.rollout.Fixtures.plan;
import static io.nkd.housekeeper.rollout.Fixtures.spec;
import static io.nkd.housekeeper.rollout.Fixtures.update;
import static io.nkd.housekeeper.rollout.Fixtures.worker;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A PodDisruptionBudget that refuses a draining node's evictions: the planner carries the agent's blocks into the
 * node's status, names them in the Progressing message, and asks for one DrainBlocked Event per node, budget and drain.
 */
class DrainBlockedPlannerTest {
    private static final UpdateRef OS = update(spec(NEW_IMAGE, null, 1), 1, null);
    private static final NodeAssignment A = assignment(OS, NEW_IMAGE, null, 1, KubeadmUpgrade.NONE);
    private static final DisruptionBudgetBlock WEB = new DisruptionBudgetBlock("shop/web",
            List.of("shop/web-1", "shop/web-2"), "2026-12-06T07:58:00Z");

    private static List<Fixtures.N> draining(DisruptionBudgetBlock... blocks) {
        List<Fixtures.N> nodes = new ArrayList<>(List.of(cp("cp-1").at(NEW_IMAGE, OLD_KUBE), worker("w-1"),
                worker("w-2")));
        nodes.get(1).cordoned().assigned(A).agent(AgentState.DRAINING, A)
                .blockedBy(blocks.length == 0 ? "draining: evicting pods (timeout 600s)"
                        : "draining: 2 pod(s) left to evict; evictions refused by PodDisruptionBudget shop/web", blocks);
        return nodes;
    }

    private static NodeProgress node(UpdateStatus s, String name) {
        return s.nodes().stream().filter(n -> n.name().equals(name)).findFirst().orElseThrow();
    }

    private static Condition progressing(UpdateStatus s) {
        return s.conditions().stream().filter(c -> c.getType().equals("Progressing")).findFirst().orElseThrow();
    }

    private static List<RolloutEvent> blockedEvents(RolloutDecision d) {
        return d.events().stream().filter(e -> e.reason() == RolloutEvent.Reason.DRAIN_BLOCKED).toList();
    }

    @Test
    void theBlocksOfADrainingNodeAreInItsStatusAndTheProgressingMessage() {
        RolloutDecision d = plan(OS, draining(WEB));
        NodeProgress w1 = node(d.status(), "w-1");
        assertEquals(AgentState.DRAINING, w1.step());
        assertEquals(List.of(WEB), w1.blockedBy());
        assertEquals(List.of(), node(d.status(), "w-2").blockedBy());
        String message = progressing(d.status()).getMessage();
        assertTrue(message.contains("node w-1 draining: blocked by PodDisruptionBudget shop/web since "
                + "2026-12-06T07:58:00Z"), message);
        assertEquals("True", progressing(d.status()).getStatus());
    }

    @Test
    void oneWarningEventWhenTheBudgetFirstBlocksNotOnEveryPlan() {
        RolloutDecision first = plan(OS, draining(WEB));
        List<RolloutEvent> events = blockedEvents(first);
        assertEquals(1, events.size(), first.events().toString());
        RolloutEvent e = events.get(0);
        assertTrue(e.warning());
        assertEquals("w-1", e.node());
        assertEquals("DrainBlocked", e.reason().wire());
        assertTrue(e.message().contains("node w-1") && e.message().contains("PodDisruptionBudget shop/web")
                && e.message().contains("shop/web-1, shop/web-2"), e.message());

        // the status as written: the same block is not announced again, even with other pods
        DisruptionBudgetBlock fewerPods = new DisruptionBudgetBlock("shop/web", List.of("shop/web-2"), WEB.since());
        RolloutDecision second = plan(update(OS.spec(), 1, first.status()), draining(fewerPods));
        assertEquals(List.of(), blockedEvents(second));

        // a budget refusing in a later drain (a new since) is news again
        DisruptionBudgetBlock later = new DisruptionBudgetBlock("shop/web", WEB.pods(), "2026-12-06T09:00:00Z");
        assertEquals(1, blockedEvents(plan(update(OS.spec(), 1, second.status()), draining(later))).size());
    }

    @Test
    void whenTheBudgetLetsGoTheStatusAndMessageNameItNoMore() {
        RolloutDecision blocked = plan(OS, draining(WEB));
        RolloutDecision free = plan(update(OS.spec(), 1, blocked.status()), draining());
        assertEquals(List.of(), node(free.status(), "w-1").blockedBy());
        assertFalse(progressing(free.status()).getMessage().contains("blocked by"),
                progressing(free.status()).getMessage());
        assertEquals(List.of(), blockedEvents(free));
    }

    @Test
    void aBlockOfAnotherStepOrAssignmentIsNotShown() {
        // an agent that reports blocks for an assignment that is not the node's current one (a withdrawn one)
        List<Fixtures.N> nodes = draining(WEB);
        NodeAssignment older = new NodeAssignment(OS.key(), "uid-0", 1, 1, NEW_IMAGE, null, KubeadmUpgrade.NONE,
                false, 600, "old");
        nodes.get(1).agent(AgentState.DRAINING, older);
        RolloutDecision d = plan(OS, nodes);
        assertEquals(List.of(), node(d.status(), "w-1").blockedBy());
        assertEquals(List.of(), blockedEvents(d));
    }

    @Test
    void aReportNamingMoreThanTheContractAllowsIsCutToItsBoundsInTheStatusAndTheEvents() {
        // a broken or hostile agent: 500 budgets of 100 pods each on one Node; the contract says at most 20 and 10
        List<DisruptionBudgetBlock> many = new ArrayList<>();
        for (int b = 0; b < 500; b++) {
            List<String> pods = new ArrayList<>();
            for (int p = 0; p < 100; p++) {
                pods.add("shop/pod-" + b + "-" + p);
            }
            many.add(new DisruptionBudgetBlock("shop/budget-" + b, pods, "2026-12-06T07:58:00Z"));
        }
        RolloutDecision d = plan(OS, draining(many.toArray(DisruptionBudgetBlock[]::new)));
        List<DisruptionBudgetBlock> shown = node(d.status(), "w-1").blockedBy();
        assertEquals(DisruptionBudgetBlock.MAX_BUDGETS, shown.size());
        assertTrue(shown.stream().allMatch(b -> b.pods().size() == DisruptionBudgetBlock.MAX_PODS), shown.toString());
        assertEquals(DisruptionBudgetBlock.MAX_BUDGETS, blockedEvents(d).size(), "one Event per budget shown, no more");
    }

    @Test
    void anUnnamedRefusalSaysNoBudgetCouldBeRead() {
        DisruptionBudgetBlock unnamed = new DisruptionBudgetBlock(null, List.of("shop/db-0"), "2026-12-06T07:59:00Z");
        RolloutDecision d = plan(OS, draining(unnamed));
        assertTrue(progressing(d.status()).getMessage().contains("node w-1 draining: blocked by evictions refused "
                + "(HTTP 429) with no PodDisruptionBudget the agent can read"), progressing(d.status()).getMessage());
        assertEquals(1, blockedEvents(d).size());
    }
}
