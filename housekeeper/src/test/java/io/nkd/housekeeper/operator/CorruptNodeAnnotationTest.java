package io.nkd.housekeeper.operator;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.nkd.housekeeper.api.NodeKeys;
import io.nkd.housekeeper.api.NodeProgress;
import io.nkd.housekeeper.api.Update;
import io.nkd.housekeeper.testing.Crds;
import io.nkd.housekeeper.testing.SimulatedCluster;
import io.nkd.housekeeper.testing.SimulatedNode;
import io.nkd.testkit.KubeApiServerExtension;
import io.nkd.testkit.KubeFixtures;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static io.nkd.housekeeper.operator.OperatorHarness.await;
import static io.nkd.housekeeper.operator.OperatorRolloutTest.NEW;
import static io.nkd.housekeeper.operator.OperatorRolloutTest.WAIT;
import static io.nkd.housekeeper.operator.OperatorRolloutTest.osOnly;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A Node whose report annotation is JSON {@code null} (a hand edit, a foreign tool) and one whose assignment is
 * {@code {}}: both are reported with their names in the Update's status, and the other nodes roll out.
 */
@ExtendWith(KubeApiServerExtension.class)
class CorruptNodeAnnotationTest {
    KubernetesClient client;
    KubeFixtures kube;

    @BeforeEach
    void crd() {
        Crds.installUpdateCrd(client);
    }

    @Test
    void corruptAnnotationsOnTwoNodesDoNotStopTheOthers() throws Exception {
        String prefix = kube.uniqueName("corrupt");
        String ns = prefix;
        try (AutoCloseable namespace = OperatorHarness.namespace(client, ns);
             SimulatedCluster cluster = OperatorHarness.cluster(client, ns, prefix, 0, 4, OperatorRolloutTest::nestos)) {
            SimulatedNode badReport = cluster.node("w-3");
            SimulatedNode badAssignment = cluster.node("w-4");
            badReport.killAgent();
            badAssignment.killAgent();
            client.nodes().withName(badReport.name()).edit(n -> {
                n.getMetadata().getAnnotations().put(NodeKeys.REPORT_ANNOTATION, "null");
                return n;
            });
            client.nodes().withName(badAssignment.name()).edit(n -> {
                n.getMetadata().getAnnotations().put(NodeKeys.REPORT_ANNOTATION, "{}");
                n.getMetadata().getAnnotations().put(NodeKeys.ASSIGNMENT_ANNOTATION, "{}");
                return n;
            });
            OperatorConfig config = OperatorHarness.config(ns, "op-corrupt", kube.uniqueName("corrupt-lease"), prefix)
                    .withEtcdCheck(EtcdCheckMode.NONE, "kube-system");
            try (Operator op = OperatorHarness.start(client, config)) {
                OperatorHarness.create(client, ns, "corrupt", osOnly(NEW, 2, null));
                Update u = await(client, ns, "corrupt", s -> s.updated() == 2, WAIT);
                for (SimulatedNode bad : new SimulatedNode[] {badReport, badAssignment}) {
                    NodeProgress p = u.getStatus().nodes().stream().filter(n -> n.name().equals(bad.name()))
                            .findFirst().orElseThrow();
                    assertTrue(p.message().contains(bad.name()) && p.message().contains(NodeKeys.REPORT_ANNOTATION),
                            p.message());
                }
            }
        }
    }
}
