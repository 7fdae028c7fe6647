package io.nkd.housekeeper.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import java.util.List;

/**
 * One node in an Update's status.
 *
 * @param name           the Node
 * @param role           control plane or worker
 * @param state          its place in the rollout
 * @param step           the agent's step while UPDATING (or the step that failed), else null
 * @param since          RFC 3339 time {@code state} (or {@code step}) was entered
 * @param osImage        the booted image as the agent reports it
 * @param kubeletVersion the kubelet version as the node reports it
 * @param reason         a failure's reason, else null
 * @param message        a human sentence for the current step or the failure
 * @param blockedBy      while Draining on the current assignment: the PodDisruptionBudgets refusing evictions now, as
 *                       the node's agent reports them (nkd only); empty otherwise, and then absent from the JSON
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record NodeProgress(
        @JsonPropertyDescription("The Node") String name,
        @JsonPropertyDescription("ControlPlane or Worker") NodeRole role,
        @JsonPropertyDescription("Pending, Updating, Updated or Failed") NodeUpdateState state,
        @JsonPropertyDescription("The agent's step while Updating, or the step that failed") AgentState step,
        @JsonPropertyDescription("RFC 3339 time the state (or step) was entered") String since,
        @JsonPropertyDescription("The booted OS image as the node's agent reports it") String osImage,
        @JsonPropertyDescription("The kubelet version as the node reports it") String kubeletVersion,
        @JsonPropertyDescription("Why the node failed") FailureReason reason,
        @JsonPropertyDescription("The current step or the failure, in a sentence") String message,
        @JsonPropertyDescription("PodDisruptionBudgets refusing evictions from this node now (while Draining), each "
                + "with the pods it protects and since when")
        @JsonInclude(JsonInclude.Include.NON_EMPTY) List<DisruptionBudgetBlock> blockedBy) {
    public NodeProgress {
        blockedBy = blockedBy == null ? List.of() : List.copyOf(blockedBy);
    }

    /** A node whose drain nothing blocks. */
    public NodeProgress(String name, NodeRole role, NodeUpdateState state, AgentState step, String since,
                        String osImage, String kubeletVersion, FailureReason reason, String message) {
        this(name, role, state, step, since, osImage, kubeletVersion, reason, message, List.of());
    }
}
