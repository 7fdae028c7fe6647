package io.nkd.housekeeper.operator;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.nkd.housekeeper.api.AgentState;
import io.nkd.housekeeper.api.FailureReason;
import io.nkd.housekeeper.api.NodeKeys;
import io.nkd.housekeeper.api.NodeProgress;
import io.nkd.housekeeper.api.NodeUpdateState;
import io.nkd.housekeeper.api.RolloutPhase;
import io.nkd.housekeeper.api.Update;
import io.nkd.housekeeper.api.UpdateSpec;
import io.nkd.housekeeper.api.UpdateStatus;
import io.nkd.housekeeper.testing.Crds;
import io.nkd.housekeeper.testing.FakeHost;
import io.nkd.housekeeper.testing.SimulatedCluster;
import io.nkd.housekeeper.testing.SimulatedNode;
import io.nkd.testkit.KubeApiServerExtension;
import io.nkd.testkit.KubeFixtures;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.List;

import static io.nkd.housekeeper.operator.OperatorHarness.await;
import static io.nkd.housekeeper.operator.OperatorHarness.phase;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The operator with real agents on simulated nodes against the real API server: failures, retry, retarget, pause. */
@ExtendWith(KubeApiServerExtension.class)
class OperatorRolloutTest {
    static final String OLD = "registry.example/nestos/k8s:1.28";
    static final String NEW = "registry.example/nestos/k8s:1.29";
    static final Duration WAIT = Duration.ofSeconds(90);

    KubernetesClient client;
    KubeFixtures kube;

    @BeforeEach
    void crd() {
        Crds.installUpdateCrd(client);
    }

    static FakeHost nestos() {
        return new FakeHost(OLD, FakeHost.digestOf(OLD), "v1.28.4").publish(NEW, FakeHost.digestOf(NEW), "v1.28.4");
    }

    static UpdateSpec osOnly(String image, int maxUnavailable, Boolean paused) {
        return new UpdateSpec(image, null, false, maxUnavailable, "30s", paused, null);
    }

    /** An operator for the test's namespace and nodes; without control-plane nodes there are no etcd pods to check. */
    private Operator operator(String prefix, String id, boolean controlPlane) {
        OperatorConfig config = OperatorHarness.config(prefix, id, kube.uniqueName(id + "-lease"), prefix);
        return OperatorHarness.start(client, controlPlane ? config : config.withEtcdCheck(EtcdCheckMode.NONE,
                "kube-system"));
    }

    private static Condition condition(UpdateStatus s, String type) {
        return s.conditions().stream().filter(c -> c.getType().equals(type)).findFirst().orElseThrow();
    }

    @Test
    void aFailedNodeHaltsTheRolloutAsDegradedAndTheRetryAnnotationResumesIt() throws Exception {
        String prefix = kube.uniqueName("fail");
        String ns = prefix;
        try (AutoCloseable namespace = OperatorHarness.namespace(client, ns);
             SimulatedCluster cluster = OperatorHarness.cluster(client, ns, prefix, 1, 3, OperatorRolloutTest::nestos);
             NodeHistory history = new NodeHistory(client, prefix)) {
            SimulatedNode w1 = cluster.node("w-1");
            w1.host().fail("rpm-ostree rebase", 1, "error: reading manifest 1.29 in registry.example: manifest unknown",
                    1);
            try (Operator op = operator(prefix, "op-fail", true)) {
                OperatorHarness.create(client, ns, "fail", osOnly(NEW, 1, null));
                Update degraded = await(client, ns, "fail", phase(RolloutPhase.DEGRADED), WAIT);
                Condition c = condition(degraded.getStatus(), "Degraded");
                assertEquals("True", c.getStatus());
                assertEquals("CommandFailed", c.getReason());
                assertTrue(c.getMessage().contains(w1.name()) && c.getMessage().contains("manifest unknown"),
                        c.getMessage());
                NodeProgress p = degraded.getStatus().nodes().stream().filter(n -> n.name().equals(w1.name()))
                        .findFirst().orElseThrow();
                assertEquals(NodeUpdateState.FAILED, p.state());
                assertEquals(FailureReason.COMMAND_FAILED, p.reason());
                assertEquals(1, degraded.getStatus().failed());

                // halted: no other worker is started while w-1 stays failed
                Thread.sleep(1500);
                assertEquals(List.of(prefix + "-cp-1", w1.name()), history.selectionOrder(1));
                assertTrue(w1.unschedulable(), "a failed node stays cordoned until it is retried");

                client.nodes().withName(w1.name()).edit(n -> {
                    n.getMetadata().getAnnotations().put(NodeKeys.RETRY_ANNOTATION, "1");
                    return n;
                });
                Update done = await(client, ns, "fail", phase(RolloutPhase.COMPLETED), WAIT);
                assertEquals(4, done.getStatus().updated());
                assertEquals("False", condition(done.getStatus(), "Degraded").getStatus());
                assertEquals(2, w1.commandLines().stream().filter(l -> l.startsWith("rpm-ostree rebase")).count());
                assertFalse(w1.node().getMetadata().getAnnotations().containsKey(NodeKeys.RETRY_ANNOTATION),
                        "the operator removes the retry annotation it answered");
                assertTrue(history.instants().stream().anyMatch(i -> i.containsKey(w1.name())
                        && i.get(w1.name()).assignment().map(a -> a.attempt() == 2).orElse(false)), "the retry is attempt 2");
                assertNull(history.firstViolation(1));

                List<Event> events = OperatorHarness.events(client, ns, "fail", prefix);
                assertTrue(events.stream().anyMatch(e -> e.getReason().equals("NodeFailed")
                        && e.getType().equals("Warning") && e.getInvolvedObject().getKind().equals("Node")
                        && e.getMessage().contains("CommandFailed")), events.toString());
                assertTrue(events.stream().anyMatch(e -> e.getReason().equals("RolloutDegraded")));
                assertTrue(events.stream().anyMatch(e -> e.getReason().equals("NodeRetried")));
            }
        }
    }

    @Test
    void aNodeNotReadyTooLongAfterItsRebootFailsAsNotReadyAfterReboot() throws Exception {
        String prefix = kube.uniqueName("notready");
        String ns = prefix;
        try (AutoCloseable namespace = OperatorHarness.namespace(client, ns);
             SimulatedCluster cluster = OperatorHarness.cluster(client, ns, prefix, 0, 2, OperatorRolloutTest::nestos)) {
            cluster.node("w-1").rebootDuration(Duration.ofMinutes(2)); // never back within the test
            OperatorConfig config = OperatorHarness.config(ns, "op-nr", kube.uniqueName("nr-lease"), prefix)
                    .withTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(1))
                    .withEtcdCheck(EtcdCheckMode.NONE, "kube-system");
            try (Operator op = OperatorHarness.start(client, config)) {
                OperatorHarness.create(client, ns, "notready", osOnly(NEW, 1, null));
                Update degraded = await(client, ns, "notready", phase(RolloutPhase.DEGRADED), WAIT);
                assertEquals("NotReadyAfterReboot", condition(degraded.getStatus(), "Degraded").getReason());
                assertTrue(condition(degraded.getStatus(), "Degraded").getMessage().contains(prefix + "-w-1"));
                assertNull(cluster.node("w-2").node().getMetadata().getAnnotations()
                        .get(NodeKeys.ASSIGNMENT_ANNOTATION), "the halt keeps w-2 untouched");
            }
        }
    }

    @Test
    void aNodeAlreadyNotReadyUsesTheBudget() throws Exception {
        String prefix = kube.uniqueName("budget");
        String ns = prefix;
        try (AutoCloseable namespace = OperatorHarness.namespace(client, ns);
             SimulatedCluster cluster = OperatorHarness.cluster(client, ns, prefix, 0, 5, () -> nestos()
                     .delay("rpm-ostree rebase", Duration.ofMillis(300)));
             NodeHistory history = new NodeHistory(client, prefix)) {
            // w-5 is NotReady (a broken kubelet, say): it is not started, and it takes one unit of the budget
            SimulatedNode w5 = cluster.node("w-5");
            w5.killAgent();
            w5.setStatus(false);
            try (Operator op = operator(prefix, "op-budget", false)) {
                OperatorHarness.create(client, ns, "budget", osOnly(NEW, 2, null));
                Update done = await(client, ns, "budget", s -> s.updated() == 4, WAIT);
                assertEquals(4, done.getStatus().nodes().stream().filter(p -> p.state() == NodeUpdateState.UPDATED
                        && !p.name().equals(w5.name())).count());
                NodeProgress p5 = done.getStatus().nodes().stream().filter(p -> p.name().equals(w5.name()))
                        .findFirst().orElseThrow();
                assertEquals(NodeUpdateState.PENDING, p5.state());
                assertTrue(p5.message().contains("NotReady"), p5.message());
                assertEquals(RolloutPhase.PROGRESSING, done.getStatus().phase(), "w-5 still needs the target");
                assertNull(history.firstViolation(2));
                long maxAssigned = history.instants().stream().mapToLong(i -> i.values().stream()
                        .filter(st -> st.assignment().isPresent()).count()).max().orElse(0);
                assertEquals(1, maxAssigned, "with one node NotReady, maxUnavailable 2 leaves room for one at a time");
            }
        }
    }

    @Test
    void aRetargetMidRolloutReplansAndLeavesNodesAlreadyAtTheNewTargetAlone() throws Exception {
        String prefix = kube.uniqueName("retarget");
        String ns = prefix;
        try (AutoCloseable namespace = OperatorHarness.namespace(client, ns);
             SimulatedCluster cluster = OperatorHarness.cluster(client, ns, prefix, 1, 4, () -> nestos()
                .delay("rpm-ostree rebase", Duration.ofMillis(1500)));
             NodeHistory history = new NodeHistory(client, prefix);
             Operator op = operator(prefix, "op-retarget", true)) {
            OperatorHarness.create(client, ns, "retarget", osOnly(NEW, 1, null));
            // wait until the control plane is done and the first worker is under way
            OperatorHarness.awaitTrue(() -> history.selectionOrder(1).contains(prefix + "-w-1"), WAIT,
                    "w-1 selected");
            OperatorHarness.setSpec(client, ns, "retarget", osOnly(OLD, 1, null)); // the revert
            Update done = await(client, ns, "retarget", phase(RolloutPhase.COMPLETED), WAIT);
            assertEquals(2L, done.getStatus().observedGeneration());
            assertEquals(5, done.getStatus().updated());
            for (SimulatedNode n : cluster.nodes()) {
                assertEquals(OLD, n.host().booted().image(), n.name());
            }
            // w-2..w-4 still booted OLD: at the new target, never assigned, nothing ran on them
            for (String untouched : List.of("w-2", "w-3", "w-4")) {
                SimulatedNode n = cluster.node(untouched);
                assertFalse(history.selectionOrder(1).contains(n.name()) || history.selectionOrder(2)
                        .contains(n.name()), untouched + " was assigned");
                assertFalse(n.commandLines().stream().anyMatch(l -> l.startsWith("rpm-ostree rebase")
                        || l.startsWith("rpm-ostree rollback") || l.startsWith("systemctl")), n.commandLines()
                        .toString());
            }
            assertTrue(history.selectionOrder(2).contains(prefix + "-cp-1"), "cp-1 (on NEW) goes back");
            assertTrue(cluster.node("cp-1").commandLines().contains("rpm-ostree rollback"),
                    "cp-1 goes back to the rollback deployment");
            assertNull(history.firstViolation(1));
        }
    }

    @Test
    void deletingTheUpdateWithdrawsItsAssignments() throws Exception {
        String prefix = kube.uniqueName("delete");
        String ns = prefix;
        try (AutoCloseable namespace = OperatorHarness.namespace(client, ns);
             SimulatedCluster cluster = OperatorHarness.cluster(client, ns, prefix, 0, 2, () -> nestos()
                     .delay("rpm-ostree rebase", Duration.ofSeconds(3)));
             NodeHistory history = new NodeHistory(client, prefix);
             Operator op = operator(prefix, "op-delete", false)) {
            OperatorHarness.create(client, ns, "delete", osOnly(NEW, 1, null));
            OperatorHarness.awaitTrue(() -> history.selectionOrder(1).contains(prefix + "-w-1"), WAIT,
                    "w-1 selected");
            client.resources(Update.class).inNamespace(ns).withName("delete").delete();
            SimulatedNode w1 = cluster.node("w-1");
            OperatorHarness.awaitTrue(() -> {
                var n = w1.node();
                return n.getMetadata().getAnnotations().get(NodeKeys.ASSIGNMENT_ANNOTATION) == null
                        && !n.getMetadata().getLabels().containsKey(NodeKeys.UPGRADING_LABEL);
            }, WAIT, "the assignment of the deleted Update is withdrawn from w-1");
            w1.awaitReport(r -> r.state() == AgentState.IDLE, WAIT);
            OperatorHarness.awaitTrue(() -> !w1.unschedulable(), WAIT, "the agent uncordons the node it cordoned");
            assertEquals(List.of(prefix + "-w-1"), history.selectionOrder(1), "w-2 was never started");
        }
    }

    @Test
    void pausedStopsBeforeTheNextNodeAndResumesWhenUnpaused() throws Exception {
        String prefix = kube.uniqueName("pause");
        String ns = prefix;
        try (AutoCloseable namespace = OperatorHarness.namespace(client, ns);
             SimulatedCluster cluster = OperatorHarness.cluster(client, ns, prefix, 0, 3, () -> nestos()
                .delay("rpm-ostree rebase", Duration.ofMillis(1000)));
             NodeHistory history = new NodeHistory(client, prefix);
             Operator op = operator(prefix, "op-pause", false)) {
            OperatorHarness.create(client, ns, "pause", osOnly(NEW, 1, null));
            OperatorHarness.awaitTrue(() -> history.selectionOrder(1).contains(prefix + "-w-1"), WAIT,
                    "w-1 selected");
            OperatorHarness.setSpec(client, ns, "pause", osOnly(NEW, 1, true));
            Update paused = await(client, ns, "pause", s -> s.phase() == RolloutPhase.PAUSED && s.updated() == 1,
                    WAIT);
            assertEquals("Paused", condition(paused.getStatus(), "Progressing").getReason());
            Thread.sleep(1500);
            // pausing is a new generation with the same target: w-1 finished on its first assignment, nothing else
            assertEquals(List.of(prefix + "-w-1"), history.selectionOrder(1));
            assertTrue(history.selectionOrder(2).isEmpty(), "no node started while paused: "
                    + history.selectionOrder(2));
            assertEquals(1, cluster.node("w-1").host().reboots());
            assertTrue(OperatorHarness.events(client, ns, "pause", prefix).stream()
                    .anyMatch(e -> e.getReason().equals("RolloutPaused")));

            OperatorHarness.setSpec(client, ns, "pause", osOnly(NEW, 1, false));
            Update done = await(client, ns, "pause", phase(RolloutPhase.COMPLETED), WAIT);
            assertEquals(3, done.getStatus().updated());
            assertEquals(List.of(prefix + "-w-2", prefix + "-w-3"), history.selectionOrder(3));
            assertNull(history.firstViolation(1));
        }
    }

    @Test
    void updatesOfOneNamespaceRollOutOneAtATimeOldestFirstAndTheUpstreamFieldsSuffice() throws Exception {
        String prefix = kube.uniqueName("queue");
        String ns = prefix;
        try (AutoCloseable namespace = OperatorHarness.namespace(client, ns);
             SimulatedCluster cluster = OperatorHarness.cluster(client, ns, prefix, 0, 2, () -> nestos()
                .delay("rpm-ostree rebase", Duration.ofMillis(500)));
             Operator op = operator(prefix, "op-queue", false)) {
            // the first: only the four upstream fields
            OperatorHarness.create(client, ns, "first", UpdateSpec.upstream(NEW, "v1.28.4", false, 1));
            OperatorHarness.create(client, ns, "second", osOnly(OLD, 1, null));
            Update waiting = await(client, ns, "second", phase(RolloutPhase.PENDING), WAIT);
            Condition progressing = condition(waiting.getStatus(), "Progressing");
            assertEquals("WaitingForUpdate", progressing.getReason());
            assertTrue(progressing.getMessage().contains("first"), progressing.getMessage());

            Update first = await(client, ns, "first", phase(RolloutPhase.COMPLETED), WAIT);
            assertEquals(2, first.getStatus().updated());
            Update second = await(client, ns, "second", phase(RolloutPhase.COMPLETED), WAIT);
            assertEquals(2, second.getStatus().updated());
            for (SimulatedNode n : cluster.nodes()) {
                assertEquals(OLD, n.host().booted().image(), "the second Update came after the first");
                assertEquals(2, n.host().reboots());
            }
            // the first stays Completed: an older completed Update is history, not re-planned
            Thread.sleep(1000);
            assertEquals(RolloutPhase.COMPLETED, OperatorHarness.get(client, ns, "first").getStatus().phase());
        }
    }

    @Test
    void anUnhealthyEtcdHoldsTheNextNodeUntilItIsHealthy() throws Exception {
        String prefix = kube.uniqueName("etcd");
        String ns = prefix;
        try (AutoCloseable namespace = OperatorHarness.namespace(client, ns);
             SimulatedCluster cluster = OperatorHarness.cluster(client, ns, prefix, 2, 0, OperatorRolloutTest::nestos);
             NodeHistory history = new NodeHistory(client, prefix)) {
            Pod etcd2 = client.pods().inNamespace(ns).withName("etcd-" + prefix + "-cp-2").get();
            OperatorHarness.setPodReady(client, etcd2, false);
            try (Operator op = operator(prefix, "op-etcd", true)) {
                OperatorHarness.create(client, ns, "etcd", osOnly(NEW, 1, null));
                Update waiting = await(client, ns, "etcd", s -> s.conditions().stream().anyMatch(c -> c.getType()
                        .equals("Progressing") && c.getReason().equals("WaitingForEtcd")), WAIT);
                assertTrue(condition(waiting.getStatus(), "Progressing").getMessage().contains("etcd-" + prefix
                        + "-cp-2"));
                Thread.sleep(1000);
                assertTrue(history.selectionOrder(1).isEmpty(), "no node while etcd is unhealthy");
                OperatorHarness.setPodReady(client, client.pods().inNamespace(ns).withName(etcd2.getMetadata()
                        .getName()).get(), true);
                await(client, ns, "etcd", phase(RolloutPhase.COMPLETED), WAIT);
                assertEquals(List.of(prefix + "-cp-1", prefix + "-cp-2"), history.selectionOrder(1));
            }
        }
    }
}
