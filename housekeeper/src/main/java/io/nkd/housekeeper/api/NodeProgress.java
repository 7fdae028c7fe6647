package io.nkd.housekeeper.api;

import com.fasterxml.jackson.annotation.JsonInclude;

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
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record NodeProgress(String name, NodeRole role, NodeUpdateState state, AgentState step, String since,
                           String osImage, String kubeletVersion, FailureReason reason, String message) {
}
