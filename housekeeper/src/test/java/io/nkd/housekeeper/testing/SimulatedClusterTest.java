package io.nkd.housekeeper.testing;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.nkd.housekeeper.api.AgentState;
import io.nkd.housekeeper.api.ContractJson;
import io.nkd.housekeeper.api.KubeadmUpgrade;
import io.nkd.housekeeper.api.NodeAssignment;
import io.nkd.housekeeper.api.NodeKeys;
import io.nkd.housekeeper.api.NodeReport;
import io.nkd.housekeeper.api.NodeRole;
import io.nkd.testkit.KubeApiServerExtension;
import io.nkd.testkit.KubeFixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The harness the operator's tests use: several nodes, their agents working at the same time, pods evicted. */
@ExtendWith(KubeApiServerExtension.class)
class SimulatedClusterTest {
    KubernetesClient client;
    KubeFixtures kube;

    @Test
    void threeNodesUpdateAtOnceAndTheirPodsAreEvicted() throws Exception {
        String old = "registry.example/nestos:1";
        String target = "registry.example/nestos:2";
        try (SimulatedCluster cluster = new SimulatedCluster(client, kube.uniqueName("sim"))) {
            for (String name : List.of("cp-1", "w-1", "w-2")) {
                cluster.addNode(name, name.startsWith("cp") ? NodeRole.CONTROL_PLANE : NodeRole.WORKER,
                        new FakeHost(old, FakeHost.digestOf(old), "v1.28.4").publish(target,
                                FakeHost.digestOf(target), "v1.29.3"));
            }
            cluster.node("w-2").host().delay("rpm-ostree rebase", Duration.ofMillis(500));
            cluster.startAgents();
            assertTrue(cluster.node("cp-1").node().getMetadata().getLabels().containsKey(NodeKeys.CONTROL_PLANE_LABEL));
            assertFalse(cluster.node("w-1").node().getMetadata().getLabels().containsKey(NodeKeys.CONTROL_PLANE_LABEL));
            for (SimulatedNode n : cluster.nodes()) {
                NodeReport idle = n.awaitReport(r -> r.state() == AgentState.IDLE && r.booted() != null,
                        Duration.ofSeconds(30));
                assertEquals(old, idle.booted().image());
                assertEquals("v1.28.4", n.node().getStatus().getNodeInfo().getKubeletVersion());
                kube.createRunningPod("app-" + n.name().substring(n.name().length() - 4), n.name(),
                        Map.of("app", "x"));
            }
            NodeAssignment a = new NodeAssignment("housekeeper-system/u", "uid-9", 3, 1, target, "v1.29.3",
                    KubeadmUpgrade.NODE, false, 60, null);
            for (SimulatedNode n : cluster.nodes()) {
                client.nodes().withName(n.name()).patch(PatchContext.of(PatchType.JSON_MERGE), ContractJson.write(
                        Map.of("metadata", Map.of("annotations", Map.of(NodeKeys.ASSIGNMENT_ANNOTATION,
                                ContractJson.write(a))))));
            }
            for (SimulatedNode n : cluster.nodes()) {
                NodeReport done = n.awaitState(AgentState.DONE, a.id(), Duration.ofSeconds(60));
                assertEquals(target, done.booted().image());
                assertEquals("v1.29.3", done.kubeletVersion());
                assertEquals("v1.29.3", n.node().getStatus().getNodeInfo().getKubeletVersion());
                assertEquals(1, n.host().reboots());
                assertTrue(n.commandLines().contains("kubeadm upgrade node"));
                assertFalse(n.unschedulable());
                assertEquals(List.of(), client.pods().withField("spec.nodeName", n.name()).list().getItems(),
                        "the pod on " + n.name() + " was evicted");
                assertTrue(KubeFixtures.isReady(n.node()));
            }
        }
        assertEquals(List.of(), client.nodes().list().getItems().stream()
                .filter(n -> n.getMetadata().getName().startsWith(kube.uniqueName("sim"))).toList(),
                "close() deletes the Nodes");
    }
}
