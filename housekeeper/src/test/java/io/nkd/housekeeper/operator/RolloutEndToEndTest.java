package io.nkd.housekeeper.operator;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Node;
import io.nkd.housekeeper.api.KubeadmUpgrade;
import io.nkd.housekeeper.api.NodeKeys;
import io.nkd.housekeeper.api.NodeProgress;
import io.nkd.housekeeper.api.NodeRole;
import io.nkd.housekeeper.api.NodeUpdateState;
import io.nkd.housekeeper.api.RolloutPhase;
import io.nkd.housekeeper.api.Update;
import io.nkd.housekeeper.api.UpdateSpec;
import io.nkd.housekeeper.testing.FakeHost;
import io.nkd.housekeeper.testing.SimulatedCluster;
import io.nkd.housekeeper.testing.SimulatedNode;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.nkd.housekeeper.testing.Crds;
import io.nkd.testkit.KubeApiServerExtension;
import io.nkd.testkit.KubeFixtures;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The operator and the real node agents (on {@link FakeHost}s) against the real API server: a full OS and Kubernetes
 * rollout over 3 control-plane nodes and 6 workers with maxUnavailable 2, then an OS revert that the agents serve
 * with {@code rpm-ostree rollback}.
 */
@ExtendWith(KubeApiServerExtension.class)
class RolloutEndToEndTest {
    static final String OLD = "registry.example/nestos/k8s:1.28";
    static final String NEW = "registry.example/nestos/k8s:1.29";
    static final Duration ROLLOUT = Duration.ofMinutes(3);

    static FakeHost nestos() {
        return new FakeHost(OLD, FakeHost.digestOf(OLD), "v1.28.4").publish(NEW, FakeHost.digestOf(NEW), "v1.29.3");
    }

    KubernetesClient client;
    KubeFixtures kube;

    @BeforeEach
    void crd() {
        Crds.installUpdateCrd(client);
    }

    @Test
    void controlPlaneFirstThenBatchesWithinTheBudgetAndARevertIsARollback() throws Exception {
        String prefix = kube.uniqueName("e2e");
        String ns = kube.namespace();
        try (SimulatedCluster cluster = new SimulatedCluster(client, prefix)) {
            List<SimulatedNode> cps = new ArrayList<>();
            for (int i = 1; i <= 3; i++) {
                cps.add(cluster.addNode("cp-" + i, NodeRole.CONTROL_PLANE, nestos(),
                        Map.of(OperatorHarness.NODE_LABEL, prefix)));
            }
            for (int i = 1; i <= 6; i++) {
                cluster.addNode("w-" + i, NodeRole.WORKER, nestos(), Map.of(OperatorHarness.NODE_LABEL, prefix));
            }
            // an administrator cordoned w-6 before: it counts against the budget, and stays cordoned afterwards
            String cordoned = prefix + "-w-6";
            client.nodes().withName(cordoned).edit(n -> {
                n.getSpec().setUnschedulable(true);
                return n;
            });
            for (SimulatedNode cp : cps) {
                OperatorHarness.etcdPod(client, ns, cp.name(), true);
            }
            cluster.startAgents();
            for (SimulatedNode n : cluster.nodes()) {
                n.awaitReport(r -> r.booted() != null, Duration.ofSeconds(60));
            }

            try (NodeHistory history = new NodeHistory(client, prefix);
                 Operator operator = OperatorHarness.start(client,
                         OperatorHarness.config(ns, "op-e2e", kube.uniqueName("lease"), prefix))) {
                long started = System.nanoTime();
                OperatorHarness.create(client, ns, "upgrade",
                        new UpdateSpec(NEW, "v1.29.3", false, 2, "30s", null, "rev-1"));
                Update done = OperatorHarness.await(client, ns, "upgrade",
                        OperatorHarness.phase(RolloutPhase.COMPLETED), ROLLOUT);
                System.out.printf("rollout of 9 nodes took %d ms, %d node changes recorded%n",
                        (System.nanoTime() - started) / 1_000_000, history.instants().size());

                // order and budget over every recorded instant
                assertNull(history.firstViolation(2));
                assertEquals(2, history.peakUnavailable(), "the budget was used, never exceeded");
                List<String> order = history.selectionOrder(1);
                assertEquals(List.of(prefix + "-cp-1", prefix + "-cp-2", prefix + "-cp-3"), order.subList(0, 3));
                assertEquals(cordoned, order.get(3), "the cordoned worker costs no budget: it goes first");
                assertEquals(9, order.size());

                // kubeadm upgrade apply on exactly one node, the first control-plane node
                for (SimulatedNode n : cluster.nodes()) {
                    List<String> lines = n.commandLines();
                    boolean first = n.name().equals(prefix + "-cp-1");
                    assertEquals(first ? 1 : 0, lines.stream()
                            .filter(l -> l.equals("kubeadm upgrade apply v1.29.3 -y")).count(), n.name() + lines);
                    assertEquals(first ? 0 : 1, lines.stream().filter(l -> l.equals("kubeadm upgrade node"))
                            .count(), n.name() + lines);
                    assertEquals(1, n.host().reboots(), n.name());
                    assertEquals(NEW, n.host().booted().image());
                    assertEquals("v1.29.3", n.host().kubeletVersion().toString());
                }
                assertEquals(List.of(prefix + "-cp-1"), history.instants().stream()
                        .flatMap(i -> i.values().stream())
                        .filter(s -> s.assignment().map(a -> a.kubeadmUpgrade() == KubeadmUpgrade.APPLY)
                                .orElse(false))
                        .map(NodeHistory.NodeState::name).distinct().toList());

                // status
                assertEquals(9, done.getStatus().updated());
                assertEquals(0, done.getStatus().updating() + done.getStatus().pending()
                        + done.getStatus().failed());
                assertEquals("rev-1", done.getStatus().revision());
                assertTrue(done.getStatus().nodes().stream().allMatch(p -> p.state() == NodeUpdateState.UPDATED));
                assertEquals(List.of(NodeRole.CONTROL_PLANE, NodeRole.CONTROL_PLANE, NodeRole.CONTROL_PLANE),
                        done.getStatus().nodes().subList(0, 3).stream().map(NodeProgress::role).toList());
                assertTrue(done.getStatus().conditions().stream().anyMatch(c -> c.getType().equals("Completed")
                        && c.getStatus().equals("True") && c.getReason().equals("AllNodesUpdated")));
                assertTrue(done.getStatus().startedAt() != null && done.getStatus().completedAt() != null);

                // labels: the operator's keys are gone, upgradeCompleted removed from every node as upstream does
                awaitLabelsClean(cluster);
                for (SimulatedNode n : cluster.nodes()) {
                    assertEquals(n.name().equals(cordoned), n.unschedulable(),
                            n.name() + ": only nodes the agent cordoned are uncordoned");
                }

                // events on the Update and on the nodes
                // the Events of a step follow its status write: wait for the last one
                OperatorHarness.awaitTrue(() -> OperatorHarness.events(client, ns, "upgrade", prefix).stream()
                        .anyMatch(e -> e.getReason().equals("RolloutCompleted")), ROLLOUT, "RolloutCompleted posted");
                List<Event> events = OperatorHarness.events(client, ns, "upgrade", prefix);
                assertEquals(9, count(events, "Update", "NodeSelected"));
                assertEquals(9, count(events, "Update", "NodeUpdated"));
                assertEquals(9, count(events, "Node", "NodeSelected"));
                assertEquals(1, count(events, "Update", "RolloutCompleted"));
                assertTrue(events.stream().allMatch(e -> "op-e2e".equals(e.getReportingInstance())));

                // metrics
                String metrics = OperatorHarness.scrape(operator);
                assertTrue(metrics.contains("housekeeper_rollout_nodes{state=\"updated\",update=\"" + ns
                        + "/upgrade\"} 9"), metrics);
                assertTrue(metrics.contains("housekeeper_leader 1"), metrics);
                assertTrue(metrics.contains("housekeeper_reconcile_total{result=\"success\"}"), metrics);
                assertTrue(metrics.contains("housekeeper_reconcile_duration_seconds_count"), metrics);

                // a revert of the OS (Kubernetes cannot go down): the agents roll back, nothing is downloaded
                cluster.nodes().forEach(n -> n.host().clearCommands());
                int changesBefore = history.instants().size();
                OperatorHarness.setSpec(client, ns, "upgrade",
                        new UpdateSpec(OLD, "v1.29.3", false, 2, "30s", null, "rev-2"));
                Update reverted = OperatorHarness.await(client, ns, "upgrade",
                        OperatorHarness.phase(RolloutPhase.COMPLETED), ROLLOUT);
                assertEquals(2L, reverted.getStatus().observedGeneration());
                assertEquals("rev-2", reverted.getStatus().revision());
                for (SimulatedNode n : cluster.nodes()) {
                    List<String> lines = n.commandLines();
                    assertTrue(lines.contains("rpm-ostree rollback"), n.name() + lines);
                    assertFalse(lines.stream().anyMatch(l -> l.startsWith("rpm-ostree rebase")), n.name() + lines);
                    assertFalse(lines.stream().anyMatch(l -> l.startsWith("kubeadm upgrade")), n.name() + lines);
                    assertEquals(OLD, n.host().booted().image());
                }
                assertNull(history.firstViolation(2));
                assertEquals(9, history.selectionOrder(2).size());
                assertTrue(history.instants().size() > changesBefore);
            }
        }
    }

    private static long count(List<Event> events, String kind, String reason) {
        return events.stream().filter(e -> kind.equals(e.getInvolvedObject().getKind())
                && reason.equals(e.getReason())).count();
    }

    private static void awaitLabelsClean(SimulatedCluster cluster) throws InterruptedException {
        OperatorHarness.awaitTrue(() -> cluster.nodes().stream().map(SimulatedNode::node).allMatch(n -> {
            Map<String, String> labels = n.getMetadata().getLabels();
            Map<String, String> annotations = n.getMetadata().getAnnotations();
            return !labels.containsKey(NodeKeys.UPGRADING_LABEL) && !labels.containsKey(
                    NodeKeys.UPGRADE_COMPLETED_LABEL) && (annotations == null
                    || !annotations.containsKey(NodeKeys.ASSIGNMENT_ANNOTATION));
        }), Duration.ofSeconds(30), "no node carries upgrading, upgradeCompleted or an assignment: "
                + cluster.nodes().stream().map(SimulatedNode::node).map(Node::getMetadata)
                .map(m -> m.getName() + m.getLabels()).toList());
    }
}
