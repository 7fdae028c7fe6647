package io.nkd.housekeeper.agent.drain;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder;
import io.fabric8.kubernetes.api.model.policy.v1beta1.PodDisruptionBudgetBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.nkd.housekeeper.agent.time.Sleeper;
import io.nkd.housekeeper.api.DisruptionBudgetBlock;
import io.nkd.housekeeper.api.NodeRole;
import io.nkd.housekeeper.testing.FakeHost;
import io.nkd.housekeeper.testing.MutableClock;
import io.nkd.housekeeper.testing.SimulatedCluster;
import io.nkd.housekeeper.testing.TestNamespace;
import io.nkd.testkit.KubeApiServerExtension;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The drain against the real API server (Kubernetes 1.20: Eviction and PodDisruptionBudget in policy/v1beta1). */
@ExtendWith(KubeApiServerExtension.class)
class DrainerTest {
    KubernetesClient client;
    TestNamespace ns;
    SimulatedCluster cluster;
    String node;
    Drainer drainer;

    @BeforeEach
    void setUp() {
        ns = new TestNamespace(client, "drain");
        cluster = new SimulatedCluster(client, ns.name);
        node = cluster.addNode("w-1", NodeRole.WORKER, new FakeHost("a/os:1", FakeHost.digestOf("a/os:1"), "v1.20.2"))
                .name();
        client.nodes().withName(node).edit(n -> {
            n.getSpec().setUnschedulable(true);
            return n;
        });
        drainer = new Drainer(client, Clock.systemUTC(), Sleeper.real());
    }

    @AfterEach
    void tearDown() {
        cluster.close();
        ns.close();
    }

    void budget(String name, Map<String, String> selector, int minAvailable) {
        client.policy().v1beta1().podDisruptionBudget().inNamespace(ns.name).resource(new PodDisruptionBudgetBuilder()
                .withNewMetadata().withName(name).endMetadata().withNewSpec().withNewSelector()
                .withMatchLabels(selector).endSelector().withMinAvailable(new IntOrString(minAvailable)).endSpec()
                .build()).create();
        // the disruption controller must have counted the pods, or the server refuses every eviction for another reason
        client.policy().v1beta1().podDisruptionBudget().inNamespace(ns.name).withName(name).waitUntilCondition(
                p -> p.getStatus() != null && p.getStatus().getObservedGeneration() != null
                        && p.getStatus().getObservedGeneration() >= p.getMetadata().getGeneration()
                        && p.getStatus().getCurrentHealthy() != null && p.getStatus().getCurrentHealthy() > 0,
                60, TimeUnit.SECONDS);
    }

    @Test
    void theServerServesPolicyV1beta1() {
        assertEquals(PolicyVersion.V1BETA1, drainer.evictions().policyVersion());
    }

    @Test
    void daemonSetAndMirrorPodsStayEmptyDirAndBarePodsAreEvicted() throws Exception {
        DaemonSet ds = client.apps().daemonSets().inNamespace(ns.name).resource(new DaemonSetBuilder()
                .withNewMetadata().withName("logs").endMetadata().withNewSpec().withNewSelector()
                .addToMatchLabels("app", "logs").endSelector().withNewTemplate().withNewMetadata()
                .addToLabels("app", "logs").endMetadata().withNewSpec().addNewContainer().withName("c")
                .withImage("registry.example/logs:1").endContainer().endSpec().endTemplate().endSpec().build()).create();
        ns.runningPod("logs-x1", node, Map.of("app", "logs"), b -> b.editMetadata().addNewOwnerReference()
                .withApiVersion("apps/v1").withKind("DaemonSet").withName("logs").withUid(ds.getMetadata().getUid())
                .withController(true).endOwnerReference().endMetadata());
        ns.runningPod("kube-apiserver-" + node, node, Map.of("component", "kube-apiserver"), b -> b.editMetadata()
                .addToAnnotations(Drainer.MIRROR_ANNOTATION, "3f1c").endMetadata());
        ns.runningPod("cache", node, Map.of("app", "cache"), b -> b.editSpec().addNewVolume().withName("scratch")
                .withNewEmptyDir().endEmptyDir().endVolume().endSpec());
        ns.runningPod("bare", node, Map.of("app", "bare"));
        ns.runningPod("elsewhere", "another-node", Map.of("app", "bare"));

        DrainResult result = drainer.drain(node, Duration.ofSeconds(30), false, () -> false);

        assertEquals(List.of(ns.name + "/bare", ns.name + "/cache"), result.evicted().stream().sorted().toList());
        assertEquals(List.of(ns.name + "/kube-apiserver-" + node, ns.name + "/logs-x1"),
                result.skipped().stream().sorted().toList());
        assertEquals(List.of(), result.forceDeleted());
        assertEquals(List.of("kube-apiserver-" + node, "logs-x1"), ns.podsOn(node));
        assertEquals(List.of("elsewhere"), ns.podsOn("another-node"));
    }

    @Test
    void aBudgetBlocksTheEvictionUntilTheTimeoutAndTheFailureNamesPodAndBudget() throws Exception {
        ns.runningPod("web-0", node, Map.of("app", "web"));
        ns.runningPod("web-1", node, Map.of("app", "web"));
        budget("web", Map.of("app", "web"), 2);

        long start = System.nanoTime();
        DrainTimeoutException e = assertThrows(DrainTimeoutException.class,
                () -> drainer.drain(node, Duration.ofSeconds(4), false, () -> false));
        long tookMs = (System.nanoTime() - start) / 1_000_000;

        assertTrue(tookMs >= 4000 && tookMs < 15000, "retried until the timeout, took " + tookMs + " ms");
        assertEquals(List.of(ns.name + "/web-0", ns.name + "/web-1"), e.blockedPods());
        assertTrue(e.getMessage().contains(ns.name + "/web-0 (blocked by PodDisruptionBudget " + ns.name + "/web (0 "
                + "disruptions allowed, 2 healthy of 2 desired))"), e.getMessage());
        assertTrue(e.getMessage().contains("within the drain timeout of 4s"), e.getMessage());
        assertTrue(e.getMessage().contains("evictPodForce"), e.getMessage());
        assertEquals(List.of("web-0", "web-1"), ns.podsOn(node), "a blocked eviction leaves the pods running");
    }

    @Test
    void aTimeoutOfManyPodsNamesTwentyAndCountsTheRest() throws Exception {
        for (int i = 0; i < 25; i++) {
            ns.runningPod(String.format("web-%02d", i), node, Map.of("app", "web"));
        }
        budget("web", Map.of("app", "web"), 25);

        DrainTimeoutException e = assertThrows(DrainTimeoutException.class,
                () -> drainer.drain(node, Duration.ofSeconds(3), false, () -> false));

        assertEquals(25, e.blockedPods().size(), "every blocked pod is still known to the caller");
        assertTrue(e.getMessage().startsWith("node " + node + ": 25 pod(s) could not be evicted within the drain timeout"
                + " of 3s: " + ns.name + "/web-00 (blocked by PodDisruptionBudget " + ns.name + "/web"), e.getMessage());
        assertTrue(e.getMessage().contains(ns.name + "/web-19 (blocked by"), e.getMessage());
        assertFalse(e.getMessage().contains(ns.name + "/web-20"), "at most 20 pods named: " + e.getMessage());
        assertTrue(e.getMessage().contains("; and 5 more. Let the budget allow a disruption"), e.getMessage());
    }

    @Test
    void withForceTheBlockedPodsAreDeletedAtTheTimeout() throws Exception {
        ns.runningPod("web-0", node, Map.of("app", "web"));
        ns.runningPod("web-1", node, Map.of("app", "web"));
        ns.runningPod("other", node, Map.of("app", "other"));
        budget("web", Map.of("app", "web"), 2);

        DrainResult result = drainer.drain(node, Duration.ofSeconds(3), true, () -> false);

        assertEquals(List.of(ns.name + "/other"), result.evicted());
        assertEquals(List.of(ns.name + "/web-0", ns.name + "/web-1"), result.forceDeleted().stream().sorted().toList());
        assertEquals(List.of(), ns.podsOn(node));
    }

    @Test
    void aWithdrawnAssignmentStopsTheDrain() throws Exception {
        ns.runningPod("web-0", node, Map.of("app", "web"));
        budget("web", Map.of("app", "web"), 1);
        long start = System.nanoTime();
        boolean[] withdrawn = {false};
        new Thread(() -> {
            try {
                Thread.sleep(1500);
            } catch (InterruptedException ignored) {
                // the test ends
            }
            withdrawn[0] = true;
        }).start();
        DrainResult result = drainer.drain(node, Duration.ofSeconds(60), false, () -> withdrawn[0]);
        assertTrue(result.cancelled());
        assertTrue((System.nanoTime() - start) / 1_000_000 < 20_000);
        assertFalse(ns.podsOn(node).isEmpty());
    }

    @Test
    void aTenMinuteTimeoutRunsOnTheInjectedClockWithBackoff() throws Exception {
        ns.runningPod("web-0", node, Map.of("app", "web"));
        budget("web", Map.of("app", "web"), 1);
        MutableClock clock = new MutableClock(Instant.parse("2026-12-06T08:00:00Z"));
        List<Duration> sleeps = new ArrayList<>();
        Sleeper sleeper = d -> {
            sleeps.add(d);
            clock.advance(d);
        };
        try (Drainer fast = new Drainer(client, clock, sleeper)) {
            long start = System.nanoTime();
            DrainTimeoutException e = assertThrows(DrainTimeoutException.class,
                    () -> fast.drain(node, Duration.ofMinutes(10), false, () -> false));
            assertTrue((System.nanoTime() - start) / 1_000_000 < 30_000, "no real waiting");
            assertTrue(e.getMessage().contains("within the drain timeout of 600s"), e.getMessage());
        }
        assertEquals(List.of(1L, 2L, 4L, 8L, 10L, 10L), sleeps.subList(0, 6).stream().map(Duration::toSeconds).toList(),
                "exponential backoff between refused evictions, at most 10 s");
        assertEquals(Duration.ofMinutes(10), sleeps.stream().reduce(Duration.ZERO, Duration::plus),
                "retried until exactly the timeout");
    }

    @Test
    void whileABudgetRefusesTheObserverIsToldOnceNotOnEveryRetryAndAgainWhenItLetsGo() throws Exception {
        ns.runningPod("web-0", node, Map.of("app", "web"));
        ns.runningPod("web-1", node, Map.of("app", "web"));
        ns.runningPod("other", node, Map.of("app", "other"));
        budget("web", Map.of("app", "web"), 2);
        MutableClock clock = new MutableClock(Instant.parse("2026-12-06T12:00:00Z"));
        AtomicInteger passes = new AtomicInteger();
        Sleeper sleeper = d -> {
            clock.advance(d);
            if (passes.incrementAndGet() == 8) { // minutes of refusals later, the budget is removed
                client.policy().v1beta1().podDisruptionBudget().inNamespace(ns.name).withName("web").delete();
            }
            Thread.sleep(20);
        };
        List<DrainRefusals> told = new CopyOnWriteArrayList<>();
        DrainResult result;
        try (Drainer fast = new Drainer(client, clock, sleeper)) {
            result = fast.drain(node, Duration.ofMinutes(30), false, () -> false, List.of(), told::add);
        }

        assertEquals(List.of(ns.name + "/other", ns.name + "/web-0", ns.name + "/web-1"),
                result.evicted().stream().sorted().toList(), "the drain completes once the budget is gone");
        assertTrue(passes.get() >= 8, "retried " + passes.get() + " times");
        assertEquals(2, told.size(), "told when the refusals began and when they ended, not on each retry: " + told);
        DrainRefusals refused = told.get(0);
        assertEquals(List.of(new DisruptionBudgetBlock(ns.name + "/web", List.of(ns.name + "/web-0",
                ns.name + "/web-1"), "2026-12-06T12:00:00Z")), refused.blocks());
        assertEquals(2, refused.refusedPods());
        assertEquals(Instant.parse("2026-12-06T12:30:00Z"), refused.retryUntil());
        assertEquals("draining: 2 pod(s) left to evict; evictions refused by PodDisruptionBudget " + ns.name
                + "/web (pods " + ns.name + "/web-0, " + ns.name + "/web-1) since 12:00:00Z; retrying until 12:30:00Z, "
                + "then the node fails with DrainTimeout (let the budget allow a disruption: more replicas or a lower "
                + "minAvailable)", refused.describe());
        assertTrue(told.get(1).none(), "then told that nothing refuses any more: " + told.get(1));
    }

    @Test
    void aResumedDrainKeepsWhenTheBudgetFirstRefused() throws Exception {
        ns.runningPod("web-0", node, Map.of("app", "web"));
        budget("web", Map.of("app", "web"), 1);
        MutableClock clock = new MutableClock(Instant.parse("2026-12-06T12:00:00Z"));
        Sleeper sleeper = clock::advance;
        List<DrainRefusals> told = new CopyOnWriteArrayList<>();
        List<DisruptionBudgetBlock> earlier = List.of(new DisruptionBudgetBlock(ns.name + "/web",
                List.of(ns.name + "/web-0"), "2026-12-06T11:50:00Z"));
        DrainResult result;
        try (Drainer fast = new Drainer(client, clock, sleeper)) {
            result = fast.drain(node, Duration.ofMinutes(2), true, () -> false, earlier, told::add);
        }
        assertEquals(List.of(ns.name + "/web-0"), result.forceDeleted(), "evictPodForce still deletes at the timeout");
        assertEquals(1, told.size(), told.toString());
        assertEquals("2026-12-06T11:50:00Z", told.get(0).blocks().get(0).since(),
                "the budget has refused since the earlier agent saw it, not since this process started");
        assertTrue(told.get(0).describe().contains("retrying until 12:02:00Z, then deleting them without eviction "
                + "(evictPodForce)"), told.get(0).describe());
    }

    static List<String> names(List<Pod> pods) {
        return pods.stream().map(p -> p.getMetadata().getName()).sorted().toList();
    }
}
