package io.nkd.housekeeper.agent;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.policy.v1beta1.PodDisruptionBudgetBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
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

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A real agent whose drain a PodDisruptionBudget refuses, against the real API server (its disruption controller
 * computes the budget): the report names the budget, its pods and since when while it refuses, is not rewritten on
 * every retry, keeps since across an agent restart, and drops the budget when it lets go; the drain then goes on.
 */
@ExtendWith(KubeApiServerExtension.class)
class DrainBlockedAgentTest {
    static final String OLD = "registry.example/nestos/k8s:1.28";
    static final String NEW = "registry.example/nestos/k8s:1.29";
    static final Duration WAIT = Duration.ofSeconds(60);

    KubernetesClient client;
    KubeFixtures kube;

    /** Every distinct value of one Node's report annotation, in the order a watch saw them. */
    static final class Reports implements AutoCloseable {
        private final List<NodeReport> seen = new ArrayList<>();
        private final Watch watch;
        private String last;

        Reports(KubernetesClient client, String node) {
            watch = client.nodes().withName(node).watch(new Watcher<>() {
                @Override
                public void eventReceived(Action action, Node n) {
                    String value = n.getMetadata().getAnnotations() == null ? null
                            : n.getMetadata().getAnnotations().get(NodeKeys.REPORT_ANNOTATION);
                    synchronized (Reports.this) {
                        if (value != null && !value.equals(last)) {
                            last = value;
                            seen.add(ContractJson.report(n).orElseThrow());
                        }
                    }
                }

                @Override
                public void onClose(WatcherException cause) {
                }
            });
        }

        synchronized List<NodeReport> all() {
            return List.copyOf(seen);
        }

        @Override
        public void close() {
            watch.close();
        }
    }

    void assign(SimulatedNode node, NodeAssignment a) {
        Map<String, Object> annotations = new HashMap<>();
        annotations.put(NodeKeys.ASSIGNMENT_ANNOTATION, ContractJson.write(a));
        client.nodes().withName(node.name()).patch(PatchContext.of(PatchType.JSON_MERGE), ContractJson.write(
                Map.of("metadata", Map.of("annotations", annotations, "labels", Map.of(NodeKeys.UPGRADING_LABEL, ""))
                )));
    }

    static void awaitTrue(java.util.function.BooleanSupplier condition, String what) throws InterruptedException {
        long end = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("not within " + WAIT + ": " + what);
            }
            Thread.sleep(20);
        }
    }

    @Test
    void theReportNamesTheRefusingBudgetWhileItRefusesAndTheDrainGoesOnWhenItLetsGo() throws Exception {
        Instant start = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        MutableClock clock = new MutableClock(start);
        AtomicInteger retries = new AtomicInteger();
        Sleeper sleeper = d -> { // the drain's backoff passes on the test's clock, a little real time each
            retries.incrementAndGet();
            clock.advance(d);
            Thread.sleep(30);
        };
        try (TestNamespace ns = new TestNamespace(client, "agent-blocked");
             SimulatedCluster cluster = new SimulatedCluster(client, kube.uniqueName("blk"), clock, sleeper)) {
            SimulatedNode w = cluster.addNode("w-1", NodeRole.WORKER, new FakeHost(OLD, FakeHost.digestOf(OLD),
                    "v1.28.4").publish(NEW, FakeHost.digestOf(NEW), "v1.28.4"));
            w.startAgent();
            w.awaitReport(r -> r.state() == AgentState.IDLE && r.booted() != null, WAIT);
            ns.runningPod("db-0", w.name(), Map.of("app", "db"));
            ns.runningPod("db-1", w.name(), Map.of("app", "db"));
            client.policy().v1beta1().podDisruptionBudget().inNamespace(ns.name).resource(new PodDisruptionBudgetBuilder()
                    .withNewMetadata().withName("db").endMetadata().withNewSpec().withNewSelector()
                    .addToMatchLabels("app", "db").endSelector().withMinAvailable(new IntOrString(2)).endSpec().build())
                    .create();
            client.policy().v1beta1().podDisruptionBudget().inNamespace(ns.name).withName("db").waitUntilCondition(
                    p -> p.getStatus() != null && Integer.valueOf(2).equals(p.getStatus().getCurrentHealthy()), 60,
                    TimeUnit.SECONDS);

            try (Reports reports = new Reports(client, w.name())) {
                NodeAssignment a = new NodeAssignment("housekeeper-system/upgrade", "uid-1", 1, 1, NEW, null,
                        KubeadmUpgrade.NONE, false, 3600, "abc123");
                assign(w, a);

                NodeReport blocked = w.awaitReport(r -> r.state() == AgentState.DRAINING && !r.blockedBy().isEmpty(),
                        WAIT);
                assertEquals(1, blocked.blockedBy().size(), blocked.blockedBy().toString());
                DisruptionBudgetBlock block = blocked.blockedBy().get(0);
                assertEquals(ns.name + "/db", block.budget());
                assertEquals(List.of(ns.name + "/db-0", ns.name + "/db-1"), block.pods());
                Instant since = Instant.parse(block.since());
                assertFalse(since.isBefore(start) || since.isAfter(clock.instant()), block.since());
                assertTrue(blocked.message().startsWith("draining: 2 pod(s) left to evict; evictions refused by "
                        + "PodDisruptionBudget " + ns.name + "/db (pods " + ns.name + "/db-0, " + ns.name
                        + "/db-1) since "), blocked.message());
                assertTrue(blocked.message().contains("; retrying until "), blocked.message());
                assertEquals(2, w.agent().drainBlockedPods());

                // many retries later: the same refusal, the report was not rewritten
                awaitTrue(() -> !reports.all().isEmpty() && !last(reports).blockedBy().isEmpty(),
                        "the watch shows the report with the refusal");
                int writes = reports.all().size();
                int retried = retries.get();
                awaitTrue(() -> retries.get() >= retried + 8, "8 more eviction retries");
                assertEquals(writes, reports.all().size(), "no rewrite on a retry: " + reports.all().subList(
                        Math.max(0, writes - 1), reports.all().size()));

                // a new agent process (a crashed pod) goes on with the same drain: the same refusal, the report is
                // not rewritten (the operator sees no gap, and no new since)
                w.restartAgent();
                int restartedAt = retries.get();
                awaitTrue(() -> retries.get() >= restartedAt + 8, "8 eviction retries of the new agent");
                assertEquals(writes, reports.all().size(), "the restarted agent rewrote the report: " + reports.all()
                        .subList(Math.max(0, writes - 1), reports.all().size()));
                assertEquals(blocked.blockedBy(), last(reports).blockedBy(), "same budget, pods and since");
                assertEquals(2, w.agent().drainBlockedPods(), "the new agent counts the refused pods too");

                client.policy().v1beta1().podDisruptionBudget().inNamespace(ns.name).withName("db").delete();
                NodeReport done = w.awaitState(AgentState.DONE, a.id(), WAIT);
                assertEquals(List.of(), done.blockedBy());
                assertEquals(List.of(), ns.podsOn(w.name()), "the drain completed once the budget let go");
                assertEquals(0, w.agent().drainBlockedPods());

                List<NodeReport> all = reports.all();
                List<NodeReport> withBlocks = all.stream().filter(r -> !r.blockedBy().isEmpty()).toList();
                assertEquals(1, withBlocks.size(), "written with the refusal once: " + all);
                int lastBlocked = all.lastIndexOf(withBlocks.get(0));
                NodeReport cleared = all.get(lastBlocked + 1);
                assertEquals(AgentState.DRAINING, cleared.state(), "cleared while still draining: " + cleared);
                assertEquals(List.of(), cleared.blockedBy());
                assertEquals("draining: evicting pods (timeout 3600s)", cleared.message());
                assertTrue(all.stream().filter(r -> r.state() != AgentState.DRAINING)
                        .allMatch(r -> r.blockedBy().isEmpty()), "only a Draining report names budgets");
                assertTrue(all.stream().filter(r -> Objects.equals(r.assignment(), a.id())).count() < 20,
                        "a bounded number of report writes for the whole assignment: " + all.size());
            }
        }
    }

    private static NodeReport last(Reports reports) {
        List<NodeReport> all = reports.all();
        return all.get(all.size() - 1);
    }
}
