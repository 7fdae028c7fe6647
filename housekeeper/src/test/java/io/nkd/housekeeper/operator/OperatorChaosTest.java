package io.nkd.housekeeper.operator;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.nkd.housekeeper.api.NodeKeys;
import io.nkd.housekeeper.api.NodeUpdateState;
import io.nkd.housekeeper.api.RolloutPhase;
import io.nkd.housekeeper.api.Update;
import io.nkd.housekeeper.testing.Crds;
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
import static io.nkd.housekeeper.operator.OperatorRolloutTest.NEW;
import static io.nkd.housekeeper.operator.OperatorRolloutTest.WAIT;
import static io.nkd.housekeeper.operator.OperatorRolloutTest.osOnly;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A hostile world against the real API server: operators replaced, agents killed, nodes deleted mid-rollout. */
@ExtendWith(KubeApiServerExtension.class)
class OperatorChaosTest {
    KubernetesClient client;
    KubeFixtures kube;

    @BeforeEach
    void crd() {
        Crds.installUpdateCrd(client);
    }

    private OperatorConfig config(String prefix, String id, String lease) {
        return OperatorHarness.config(prefix, id, lease, prefix).withEtcdCheck(EtcdCheckMode.NONE, "kube-system");
    }

    @Test
    void operatorsReplacedAndAgentsKilledMidRolloutStayWithinTheBudgetAndFinish() throws Exception {
        String prefix = kube.uniqueName("chaos");
        String ns = prefix;
        String lease = kube.uniqueName("chaos-lease");
        try (AutoCloseable namespace = OperatorHarness.namespace(client, ns);
             SimulatedCluster cluster = OperatorHarness.cluster(client, ns, prefix, 0, 6, () -> OperatorRolloutTest
                     .nestos().delay("rpm-ostree rebase", Duration.ofMillis(800)));
             NodeHistory history = new NodeHistory(client, prefix)) {
            Operator first = OperatorHarness.start(client, config(prefix, "op-a", lease));
            OperatorHarness.create(client, ns, "chaos", osOnly(NEW, 2, null));
            OperatorHarness.awaitTrue(() -> history.selectionOrder(1).size() >= 2, WAIT, "two nodes selected");
            first.close(); // mid-rollout: the next operator continues from the Nodes
            // agents killed while they work, restarted at once (a DaemonSet pod replaced)
            for (SimulatedNode n : cluster.nodes()) {
                if (n.node().getMetadata().getAnnotations().containsKey(NodeKeys.ASSIGNMENT_ANNOTATION)) {
                    n.restartAgent();
                }
            }
            try (Operator second = OperatorHarness.start(client, config(prefix, "op-b", lease))) {
                OperatorHarness.awaitTrue(() -> history.selectionOrder(1).size() >= 4, WAIT, "four nodes selected");
                second.close();
                try (Operator third = OperatorHarness.start(client, config(prefix, "op-c", lease))) {
                    Update done = await(client, ns, "chaos", phase(RolloutPhase.COMPLETED), WAIT);
                    assertEquals(6, done.getStatus().updated());
                }
            }
            assertNull(history.firstViolation(2));
            for (SimulatedNode n : cluster.nodes()) {
                assertEquals(NEW, n.host().booted().image(), n.name());
                assertEquals(1, n.commandLines().stream().filter(l -> l.startsWith("systemctl reboot")).count(),
                        n.name() + " rebooted once: " + n.commandLines());
                assertTrue(!n.unschedulable(), n.name() + " uncordoned");
            }
        }
    }

    @Test
    void aNodeDeletedMidRolloutIsForgottenAndTheRestCompletes() throws Exception {
        String prefix = kube.uniqueName("gone");
        String ns = prefix;
        try (AutoCloseable namespace = OperatorHarness.namespace(client, ns);
             SimulatedCluster cluster = OperatorHarness.cluster(client, ns, prefix, 0, 3, () -> OperatorRolloutTest
                     .nestos().delay("rpm-ostree rebase", Duration.ofSeconds(2)));
             NodeHistory history = new NodeHistory(client, prefix);
             Operator op = OperatorHarness.start(client, config(prefix, "op-gone", kube.uniqueName("gone-lease")))) {
            OperatorHarness.create(client, ns, "gone", osOnly(NEW, 1, null));
            OperatorHarness.awaitTrue(() -> history.selectionOrder(1).size() == 1, WAIT, "one node selected");
            String victim = history.selectionOrder(1).get(0);
            SimulatedNode node = cluster.nodes().stream().filter(n -> n.name().equals(victim)).findFirst()
                    .orElseThrow();
            node.killAgent();
            client.nodes().withName(victim).withGracePeriod(0).delete();
            Update done = await(client, ns, "gone", phase(RolloutPhase.COMPLETED), WAIT);
            assertEquals(2, done.getStatus().updated());
            assertTrue(done.getStatus().nodes().stream().noneMatch(p -> p.name().equals(victim)),
                    "the deleted node is gone from the status");
            assertEquals(List.of(), done.getStatus().nodes().stream().filter(p -> p.state() != NodeUpdateState.UPDATED).toList());
        }
    }
}
