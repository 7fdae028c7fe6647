package io.nkd.housekeeper.rollout;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.nkd.housekeeper.api.AgentState;
import io.nkd.housekeeper.api.NodeKeys;
import io.nkd.housekeeper.api.NodeRole;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NodeViewTest {
    private static Node node(Map<String, String> labels, Map<String, String> annotations, String ready,
                             Boolean unschedulable) {
        return new NodeBuilder().withNewMetadata().withName("n1").withLabels(labels).withAnnotations(annotations)
                .endMetadata().withNewSpec().withUnschedulable(unschedulable).endSpec()
                .withNewStatus().addNewCondition().withType("Ready").withStatus(ready).endCondition()
                .withNewNodeInfo().withKubeletVersion("v1.29.3").endNodeInfo().endStatus().build();
    }

    @Test
    void readsRoleReadinessCordonAndTheContractKeys() {
        NodeView v = NodeView.of(node(Map.of(NodeKeys.MASTER_LABEL, "", NodeKeys.UPGRADING_LABEL, "",
                NodeKeys.UPGRADE_COMPLETED_LABEL, ""), Map.of(NodeKeys.RETRY_ANNOTATION, "1",
                NodeKeys.REPORT_ANNOTATION, "{\"state\":\"Draining\",\"assignment\":\"u/1/1\",\"kubeletVersion\":"
                        + "\"v1.28.4\",\"booted\":{\"image\":\"r/os:1\"},\"futureField\":1}",
                NodeKeys.ASSIGNMENT_ANNOTATION, "{\"update\":\"hk/u\",\"updateUid\":\"u\",\"generation\":1,"
                        + "\"attempt\":1,\"kubeadmUpgrade\":\"Apply\"}"), "True", true));
        assertEquals(NodeRole.CONTROL_PLANE, v.role(), "the older master label counts");
        assertTrue(v.ready());
        assertTrue(v.unschedulable());
        assertTrue(v.unavailable());
        assertTrue(v.upgrading() && v.upgradeCompleted() && v.retryRequested());
        assertEquals(AgentState.DRAINING, v.report().orElseThrow().state());
        assertEquals("u/1/1", v.assignment().orElseThrow().id());
        assertEquals("v1.29.3", v.effectiveKubeletVersion().orElseThrow(), "the kubelet's own version first");
    }

    @Test
    void controlPlaneLabelWorkerAndNotReady() {
        assertEquals(NodeRole.CONTROL_PLANE, NodeView.of(node(Map.of(NodeKeys.CONTROL_PLANE_LABEL, ""), Map.of(),
                "True", null)).role());
        NodeView w = NodeView.of(node(Map.of(), Map.of(), "Unknown", null));
        assertEquals(NodeRole.WORKER, w.role());
        assertFalse(w.ready());
        assertTrue(w.unavailable());
        assertTrue(w.report().isEmpty());
    }

    @Test
    void anUnreadableAnnotationIsAProblemNotAFailure() {
        NodeView v = NodeView.of(node(Map.of(), Map.of(NodeKeys.REPORT_ANNOTATION, "{not json"), "True", null));
        assertTrue(v.report().isEmpty());
        assertTrue(v.problem().contains("n1") && v.problem().contains(NodeKeys.REPORT_ANNOTATION), v.problem());
    }
}
