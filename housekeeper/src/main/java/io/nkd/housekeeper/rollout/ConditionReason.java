package io.nkd.housekeeper.rollout;

import io.nkd.housekeeper.api.FailureReason;

/** Every reason the Update's conditions are written with (a node failure's reason is its {@link FailureReason}). */
public enum ConditionReason {
    /** Progressing: nodes are being updated. */
    NODES_UPDATING("NodesUpdating"),
    /** Progressing: the next node waits for every etcd member to be healthy. */
    WAITING_FOR_ETCD("WaitingForEtcd"),
    /** Progressing: a node that needs the target has no agent report yet. */
    WAITING_FOR_AGENTS("WaitingForAgents"),
    /** Progressing: a node that needs the target is NotReady, or its agent is still busy. */
    WAITING_FOR_NODES("WaitingForNodes"),
    /** Progressing: maxUnavailable is used up by nodes in progress or already unavailable. */
    WAITING_FOR_BUDGET("WaitingForBudget"),
    /** Progressing False: spec.paused. */
    PAUSED("Paused"),
    /** Progressing False: a node failed, or the target is unsupported. */
    HALTED("Halted"),
    /** Progressing False: another Update of the namespace rolls out first. */
    WAITING_FOR_UPDATE("WaitingForUpdate"),
    /** Completed True (and Progressing False). */
    ALL_NODES_UPDATED("AllNodesUpdated"),
    /** Completed False. */
    NODES_REMAINING("NodesRemaining"),
    /** Degraded False. */
    NO_FAILURE("NoFailure"),
    /** Degraded True: osImageURL, kubeVersion or drainTimeout cannot be read. */
    INVALID_SPEC("InvalidSpec"),
    /** Degraded True: the Kubernetes target skips a minor version or goes down. */
    UNSUPPORTED_TARGET("UnsupportedTarget");

    private final String wire;

    ConditionReason(String wire) {
        this.wire = wire;
    }

    public String wire() {
        return wire;
    }

    /** A node failure's reason as it appears in conditions and events (the contract's JSON name). */
    public static String of(FailureReason reason) {
        return switch (reason) {
            case DRAIN_TIMEOUT -> "DrainTimeout";
            case COMMAND_FAILED -> "CommandFailed";
            case VERIFICATION_FAILED -> "VerificationFailed";
            case NOT_READY_AFTER_REBOOT -> "NotReadyAfterReboot";
            case UNSUPPORTED_TARGET -> "UnsupportedTarget";
            case ETCD_UNHEALTHY -> "EtcdUnhealthy";
            case AGENT_ERROR -> "AgentError";
        };
    }
}
