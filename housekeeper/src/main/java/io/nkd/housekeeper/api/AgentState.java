package io.nkd.housekeeper.api;

import com.fasterxml.jackson.annotation.JsonProperty;

/** What a node's agent is doing, in the order it does it. */
public enum AgentState {
    /** No assignment, or the assignment is done and the operator has not given a new one. */
    @JsonProperty("Idle") IDLE,
    @JsonProperty("Cordoning") CORDONING,
    /** Evicting pods; bounded by the assignment's drain timeout. */
    @JsonProperty("Draining") DRAINING,
    /** rpm-ostree rebase (or rollback) to the target image. */
    @JsonProperty("Staging") STAGING,
    /** The reboot into the staged deployment was requested; written before the reboot. */
    @JsonProperty("Rebooting") REBOOTING,
    /** kubeadm upgrade apply/node and the kubelet restart. */
    @JsonProperty("UpgradingKubernetes") UPGRADING_KUBERNETES,
    /** Checking the booted image and the kubelet version against the target. */
    @JsonProperty("Verifying") VERIFYING,
    @JsonProperty("Uncordoning") UNCORDONING,
    /** The node runs the target; it was uncordoned if the agent had cordoned it. */
    @JsonProperty("Done") DONE,
    /** A step failed; {@link NodeReport#failureReason()} and {@link NodeReport#message()} say which and why. */
    @JsonProperty("Failed") FAILED;

    public boolean inProgress() {
        return this != IDLE && this != DONE && this != FAILED;
    }
}
