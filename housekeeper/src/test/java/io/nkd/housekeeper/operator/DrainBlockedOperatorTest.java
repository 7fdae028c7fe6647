package io.nkd.housekeeper.operator;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.policy.v1beta1.PodDisruptionBudgetBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.nkd.housekeeper.api.AgentState;
import io.nkd.housekeeper.api.DisruptionBudgetBlock;
import io.nkd.housekeeper.api.NodeProgress;
import io.nkd.housekeeper.api.RolloutPhase;
import io.nkd.housekeeper.api.Update;
import io.nkd.housekeeper.api.UpdateSpec;
import io.nkd.housekeeper.api.UpdateStatus;
import io.nkd.housekeeper.testing.Crds;
import io.nkd.housekeeper.testing.FakeHost;
import io.nkd.housekeeper.testing.SimulatedCluster;
import io.nkd.housekeeper.testing.SimulatedNode;
import io.nkd.housekeeper.testing.TestNamespace;
import io.nkd.testkit.KubeApiServerExtension;
import io.nkd.testkit.KubeFixtures;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static io.nkd.housekeeper.operator.OperatorHarness.await;
import static io.nkd.housekeeper.operator.OperatorHarness.phase;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The operator, real agents on simulated nodes and a real PodDisruptionBudget: while the budget refuses a node's
 * evictions the Update's status shows it on the node and in the Progressing message, one DrainBlocked Event says so,
 * and the rollout completes once the budget lets go.
 */
@ExtendWith(KubeApiServerExtension.class)
class DrainBlockedOperatorTest {
    static final String OLD = "registry.example/nestos/k8s:1.28";
    static final String NEW = "registry.example/nestos/k8s:1.29";
    static final Duration WAIT = Duration.ofSeconds(90);

    KubernetesClient client;
    KubeFixtures kube;

    @BeforeEach
    void crd() {
        Crds.installUpdateCrd(client);
    }

    static Optional<NodeProgress> node(UpdateStatus s, String name) {
        return s.nodes().stream().filter(n -> n.name().equals(name)).findFirst();
    }

    static Condition progressing(UpdateStatus s) {
        return s.conditions().stream().filter(c -> c.getType().equals("Progressing")).findFirst().orElseThrow();
    }

    static List<Event> drainBlocked(KubernetesClient client, String ns, String prefix) {
        return OperatorHarness.events(client, ns, "blk", prefix).stream()
                .filter(e -> e.getReason().equals("DrainBlocked")).toList();
    }

    @Test
    void theStatusNamesTheBudgetWhileItBlocksWithOneDrainBlockedEvent() throws Exception {
        String prefix = kube.uniqueName("pdb");
        String ns = prefix;
        try (AutoCloseable namespace = OperatorHarness.namespace(client, ns);
             TestNamespace apps = new TestNamespace(client, "shop");
             SimulatedCluster cluster = OperatorHarness.cluster(client, ns, prefix, 0, 2, () -> new FakeHost(OLD,
                     FakeHost.digestOf(OLD), "v1.28.4").publish(NEW, FakeHost.digestOf(NEW), "v1.28.4"))) {
            SimulatedNode w1 = cluster.node("w-1");
            apps.runningPod("web-0", w1.name(), Map.of("app", "web"));
            client.policy().v1beta1().podDisruptionBudget().inNamespace(apps.name).resource(
                    new PodDisruptionBudgetBuilder().withNewMetadata().withName("web").endMetadata().withNewSpec()
                            .withNewSelector().addToMatchLabels("app", "web").endSelector()
                            .withMinAvailable(new IntOrString(1)).endSpec().build()).create();
            client.policy().v1beta1().podDisruptionBudget().inNamespace(apps.name).withName("web").waitUntilCondition(
                    p -> p.getStatus() != null && Integer.valueOf(1).equals(p.getStatus().getCurrentHealthy()), 60,
                    TimeUnit.SECONDS);
            OperatorConfig config = OperatorHarness.config(ns, "op-pdb", kube.uniqueName("op-pdb-lease"), prefix)
                    .withEtcdCheck(EtcdCheckMode.NONE, "kube-system");
            try (Operator op = OperatorHarness.start(client, config)) {
                OperatorHarness.create(client, ns, "blk", new UpdateSpec(NEW, null, false, 1, "10m", null, null));

                Update blocked = await(client, ns, "blk", s -> node(s, w1.name())
                        .map(n -> !n.blockedBy().isEmpty()).orElse(false), WAIT);
                NodeProgress p = node(blocked.getStatus(), w1.name()).orElseThrow();
                assertEquals(AgentState.DRAINING, p.step());
                assertEquals(1, p.blockedBy().size(), p.blockedBy().toString());
                DisruptionBudgetBlock b = p.blockedBy().get(0);
                assertEquals(apps.name + "/web", b.budget());
                assertEquals(List.of(apps.name + "/web-0"), b.pods());
                assertTrue(p.message().contains("evictions refused by PodDisruptionBudget " + apps.name + "/web"),
                        p.message());
                assertEquals(RolloutPhase.PROGRESSING, blocked.getStatus().phase());
                String message = progressing(blocked.getStatus()).getMessage();
                assertTrue(message.contains("node " + w1.name() + " draining: blocked by PodDisruptionBudget "
                        + apps.name + "/web since " + b.since()), message);

                OperatorHarness.awaitTrue(() -> drainBlocked(client, ns, prefix).stream()
                        .anyMatch(e -> e.getInvolvedObject().getKind().equals("Update")), WAIT, "a DrainBlocked Event");
                Thread.sleep(4000); // retries of the eviction and status writes: no second Event
                List<Event> onUpdate = drainBlocked(client, ns, prefix).stream()
                        .filter(e -> e.getInvolvedObject().getKind().equals("Update")).toList();
                assertEquals(1, onUpdate.size(), onUpdate.toString());
                Event e = onUpdate.get(0);
                assertEquals("Warning", e.getType());
                assertTrue(e.getMessage().contains("node " + w1.name()) && e.getMessage().contains(
                        "PodDisruptionBudget " + apps.name + "/web") && e.getMessage().contains(apps.name + "/web-0"),
                        e.getMessage());
                assertEquals(blocked.getStatus().nodes().stream().filter(n -> !n.blockedBy().isEmpty()).count(), 1);

                client.policy().v1beta1().podDisruptionBudget().inNamespace(apps.name).withName("web").delete();
                Update done = await(client, ns, "blk", phase(RolloutPhase.COMPLETED), WAIT);
                assertTrue(done.getStatus().nodes().stream().allMatch(n -> n.blockedBy().isEmpty()));
                assertTrue(!progressing(done.getStatus()).getMessage().contains("blocked by"));
                assertEquals(1, drainBlocked(client, ns, prefix).stream()
                        .filter(x -> x.getInvolvedObject().getKind().equals("Update")).count(), "still one Event");
            }
        }
    }
}
