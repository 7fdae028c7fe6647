package io.nkd.housekeeper.agent;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.nkd.housekeeper.api.ContractJson;
import io.nkd.housekeeper.api.NodeKeys;
import io.nkd.housekeeper.api.NodeReport;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The agent's writes to its own Node. Each is a JSON merge patch of only the agent's keys (the report annotation,
 * the upgradeCompleted label, spec.unschedulable), so that it never overwrites what the operator or a person wrote
 * meanwhile (no read-modify-write, no resourceVersion conflicts).
 */
final class NodeObjects {
    private final KubernetesClient client;
    private final String name;

    NodeObjects(KubernetesClient client, String name) {
        this.client = client;
        this.name = name;
    }

    Node get() {
        return client.nodes().withName(name).get();
    }

    static boolean unschedulable(Node node) {
        return node.getSpec() != null && Boolean.TRUE.equals(node.getSpec().getUnschedulable());
    }

    void writeReport(NodeReport report, boolean completedLabel) {
        Map<String, Object> metadata = new LinkedHashMap<>();
        metadata.put("annotations", Map.of(NodeKeys.REPORT_ANNOTATION, ContractJson.write(report)));
        if (completedLabel) {
            metadata.put("labels", Map.of(NodeKeys.UPGRADE_COMPLETED_LABEL, ""));
        }
        patch(Map.of("metadata", metadata));
    }

    void writeCertificateReport(io.nkd.housekeeper.api.CertificateRenewalReport report) {
        patch(Map.of("metadata", Map.of("annotations",
                Map.of(NodeKeys.CERTIFICATE_REPORT_ANNOTATION, ContractJson.write(report)))));
    }

    void setUnschedulable(boolean unschedulable) {
        Map<String, Object> spec = new LinkedHashMap<>();
        // null removes the field, as kubectl uncordon leaves it
        spec.put("unschedulable", unschedulable ? Boolean.TRUE : null);
        patch(Map.of("spec", spec));
    }

    private void patch(Map<String, Object> body) {
        // resource(stub), not withName(name): fabric8 7.5.2's by-name patch reads the whole Node first, one request
        // more per patch for nothing (a merge patch needs no resourceVersion)
        client.nodes().resource(new NodeBuilder().withNewMetadata().withName(name).endMetadata().build())
                .patch(PatchContext.of(PatchType.JSON_MERGE), ContractJson.write(body));
    }
}
