package io.nkd.housekeeper.agent;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.policy.v1beta1.PodDisruptionBudgetBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.nkd.housekeeper.agent.time.Sleeper;
import io.nkd.housekeeper.api.AgentState;
import io.nkd.housekeeper.api.ContractJson;
import io.nkd.housekeeper.api.DisruptionBudgetBlock;
import io.nkd.housekeeper.api.KubeadmUpgrade;
import io.nkd.housekeeper.api.NodeAssignment;
import io.nkd.housekeeper.api.NodeKeys;
import io.nkd.housekeeper.api.NodeReport;
import io.nkd.housekeeper.api.NodeRole;
import io.nkd.housekeeper.testing.FakeHost;
import io.nkd.housekeeper.testing.MutableClock;
import io.nkd.housekeeper.testing.SimulatedCluster;
import io.nkd.housekeeper.testing.SimulatedNode;
import io.nkd.housekeeper.testing.TestNamespace;
import io.nkd.testkit.KubeApiServerExtension;
import io.nkd.testkit.KubeFixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static io.nkd.housekeeper.agent.DrainBlockedAgentTest.NEW;
import static io.nkd.housekeeper.agent.DrainBlockedAgentTest.OLD;
import static io.nkd.housekeeper.agent.DrainBlockedAgentTest.WAIT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * An agent that dies while a budget refuses its drain, and the budgets change before it is back: the new agent reports
 * what refuses now (the other budget, with its own since), not what its predecessor last wrote.
 */
@ExtendWith(KubeApiServerExtension.class)
class DrainBlockedAgentRestartTest {
    KubernetesClient client;
    KubeFixtures kube;

    private void budget(TestNamespace ns, String name) {
        client.policy().v1beta1().podDisruptionBudget().inNamespace(ns.name).resource(new PodDisruptionBudgetBuilder()
                .withNewMetadata().withName(name).endMetadata().withNewSpec().withNewSelector()
                .addToMatchLabels("app", "db").endSelector().withMinAvailable(new IntOrString(2)).endSpec().build())
                .create();
        client.policy().v1beta1().podDisruptionBudget().inNamespace(ns.name).withName(name).waitUntilCondition(
                p -> p.getStatus() != null && Integer.valueOf(2).equals(p.getStatus().getCurrentHealthy()), 60,
                TimeUnit.SECONDS);
    }

    @Test
    void aRestartedAgentReportsTheBudgetThatRefusesNowNotTheOneItsPredecessorReported() throws Exception {
        Instant start = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        MutableClock clock = new MutableClock(start);
        AtomicInteger retries = new AtomicInteger();
        Sleeper sleeper = d -> {
            retries.incrementAndGet();
            clock.advance(d);
            Thread.sleep(30);
        };
        try (TestNamespace ns = new TestNamespace(client, "agent-blk-rst");
             SimulatedCluster cluster = new SimulatedCluster(client, kube.uniqueName("blr"), clock, sleeper)) {
            SimulatedNode w = cluster.addNode("w-1", NodeRole.WORKER, new FakeHost(OLD, FakeHost.digestOf(OLD),
                    "v1.28.4").publish(NEW, FakeHost.digestOf(NEW), "v1.28.4"));
            w.startAgent();
            w.awaitReport(r -> r.state() == AgentState.IDLE && r.booted() != null, WAIT);
            ns.runningPod("db-0", w.name(), Map.of("app", "db"));
            ns.runningPod("db-1", w.name(), Map.of("app", "db"));
            budget(ns, "db");

            NodeAssignment a = new NodeAssignment("housekeeper-system/upgrade", "uid-1", 1, 1, NEW, null,
                    KubeadmUpgrade.NONE, false, 3600, "abc123");
            client.nodes().withName(w.name()).patch(PatchContext.of(PatchType.JSON_MERGE), ContractJson.write(Map.of(
                    "metadata", Map.of("annotations", Map.of(NodeKeys.ASSIGNMENT_ANNOTATION, ContractJson.write(a)),
                            "labels", Map.of(NodeKeys.UPGRADING_LABEL, "")))));
            NodeReport blocked = w.awaitReport(r -> r.state() == AgentState.DRAINING && !r.blockedBy().isEmpty(), WAIT);
            assertEquals(ns.name + "/db", blocked.blockedBy().get(0).budget());
            Instant firstSince = Instant.parse(blocked.blockedBy().get(0).since());

            // the agent dies; while it is away the budget is replaced by another that selects the same pods
            w.killAgent();
            client.policy().v1beta1().podDisruptionBudget().inNamespace(ns.name).withName("db").delete();
            clock.advance(java.time.Duration.ofMinutes(5));
            budget(ns, "db-strict");
            Instant restart = clock.instant();
            w.startAgent();

            NodeReport now = w.awaitReport(r -> r.state() == AgentState.DRAINING && r.blockedBy().stream()
                    .anyMatch(b -> (ns.name + "/db-strict").equals(b.budget())), WAIT);
            assertEquals(1, now.blockedBy().size(), "only the budget that refuses now: " + now.blockedBy());
            DisruptionBudgetBlock block = now.blockedBy().get(0);
            assertEquals(List.of(ns.name + "/db-0", ns.name + "/db-1"), block.pods());
            Instant since = Instant.parse(block.since());
            assertFalse(since.isBefore(restart.truncatedTo(ChronoUnit.SECONDS)), "since " + since + " is the new budget's,"
                    + " not the old one's (" + firstSince + ")");
            assertFalse(now.message().contains("/db (pods"), now.message());
            DrainBlockedAgentTest.awaitTrue(() -> w.agent().drainBlockedPods() == 2, "the new agent's gauge");

            client.policy().v1beta1().podDisruptionBudget().inNamespace(ns.name).withName("db-strict").delete();
            NodeReport done = w.awaitState(AgentState.DONE, a.id(), WAIT);
            assertEquals(List.of(), done.blockedBy());
            assertEquals(0, w.agent().drainBlockedPods());
        }
    }
}
