package io.nkd.housekeeper.api;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Why a node failed its update. The value is a condition/event reason, so it is CamelCase. */
public enum FailureReason {
    /** Pods could not all be evicted within the drain timeout (typically a PodDisruptionBudget). */
    @JsonProperty("DrainTimeout") DRAIN_TIMEOUT,
    /** A host command (rpm-ostree, kubeadm, systemctl) exited non-zero or timed out. */
    @JsonProperty("CommandFailed") COMMAND_FAILED,
    /** After the reboot or kubelet restart the node does not run the target image or Kubernetes version. */
    @JsonProperty("VerificationFailed") VERIFICATION_FAILED,
    /** The node did not come back Ready within the operator's timeout after its reboot. */
    @JsonProperty("NotReadyAfterReboot") NOT_READY_AFTER_REBOOT,
    /** The target cannot be applied to this node as it is (a minor version skipped, a downgrade, no kubeadm). */
    @JsonProperty("UnsupportedTarget") UNSUPPORTED_TARGET,
    /** etcd was not healthy before or after a control-plane node. */
    @JsonProperty("EtcdUnhealthy") ETCD_UNHEALTHY,
    /** The agent could not talk to the API server or read the node's state. */
    @JsonProperty("AgentError") AGENT_ERROR
}
