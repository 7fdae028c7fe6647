package io.nkd.housekeeper.rollout;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.nkd.housekeeper.api.ContractJson;
import io.nkd.housekeeper.api.NodeAssignment;
import io.nkd.housekeeper.api.NodeKeys;
import io.nkd.housekeeper.api.NodeReport;
import io.nkd.housekeeper.api.NodeRole;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What the planner needs of one Node: its role, readiness, the contract's labels and annotations (parsed) and the
 * kubelet version the kubelet itself reports in {@code status.nodeInfo}.
 *
 * @param name            the Node
 * @param role            control plane when it has the {@code control-plane} or the older {@code master} role label
 * @param ready           condition Ready is True
 * @param unschedulable   {@code spec.unschedulable} (cordoned)
 * @param report          the agent's report; empty before the agent's first report (or when unreadable)
 * @param assignment      the operator's assignment; empty when none (or when unreadable: then it is rewritten)
 * @param upgrading       carries the upstream {@code upgrading} label
 * @param upgradeCompleted carries the upstream {@code upgradeCompleted} label
 * @param retryRequested  carries the {@code housekeeper.io/retry} annotation
 * @param kubeletVersion  {@code status.nodeInfo.kubeletVersion}, or null
 * @param problem         why an annotation of the contract could not be read, or null
 */
public record NodeView(String name, NodeRole role, boolean ready, boolean unschedulable, Optional<NodeReport> report,
                       Optional<NodeAssignment> assignment, boolean upgrading, boolean upgradeCompleted,
                       boolean retryRequested, String kubeletVersion, String problem) {

    public NodeView {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(report, "report");
        Objects.requireNonNull(assignment, "assignment");
    }

    /** Reads a Node; an unreadable annotation becomes {@link #problem()} instead of failing the whole plan. */
    public static NodeView of(Node node) {
        Map<String, String> labels = node.getMetadata().getLabels() == null ? Map.of() : node.getMetadata().getLabels();
        Map<String, String> annotations = node.getMetadata().getAnnotations() == null
                ? Map.of() : node.getMetadata().getAnnotations();
        NodeRole role = labels.containsKey(NodeKeys.CONTROL_PLANE_LABEL) || labels.containsKey(NodeKeys.MASTER_LABEL)
                ? NodeRole.CONTROL_PLANE : NodeRole.WORKER;
        boolean ready = node.getStatus() != null && node.getStatus().getConditions() != null
                && node.getStatus().getConditions().stream()
                .filter(c -> "Ready".equals(c.getType())).map(NodeCondition::getStatus).anyMatch("True"::equals);
        boolean unschedulable = node.getSpec() != null && Boolean.TRUE.equals(node.getSpec().getUnschedulable());
        String kubelet = node.getStatus() == null || node.getStatus().getNodeInfo() == null
                ? null : node.getStatus().getNodeInfo().getKubeletVersion();
        String problem = null;
        Optional<NodeReport> report;
        try {
            report = ContractJson.report(node);
        } catch (ContractJson.ContractException e) {
            report = Optional.empty();
            problem = e.getMessage();
        }
        Optional<NodeAssignment> assignment;
        try {
            assignment = ContractJson.assignment(node);
        } catch (ContractJson.ContractException e) {
            assignment = Optional.empty();
            problem = problem == null ? e.getMessage() : problem + "; " + e.getMessage();
        }
        return new NodeView(node.getMetadata().getName(), role, ready, unschedulable, report, assignment,
                labels.containsKey(NodeKeys.UPGRADING_LABEL), labels.containsKey(NodeKeys.UPGRADE_COMPLETED_LABEL),
                annotations.containsKey(NodeKeys.RETRY_ANNOTATION), kubelet, problem);
    }

    public boolean controlPlane() {
        return role == NodeRole.CONTROL_PLANE;
    }

    /** NotReady or cordoned: already unavailable for workloads, so it counts against the budget. */
    public boolean unavailable() {
        return !ready || unschedulable;
    }

    /** The kubelet's own version, else the agent's reading of {@code kubelet --version}. */
    public Optional<String> effectiveKubeletVersion() {
        if (kubeletVersion != null && !kubeletVersion.isBlank()) {
            return Optional.of(kubeletVersion);
        }
        return report.map(NodeReport::kubeletVersion).filter(v -> !v.isBlank());
    }
}
