package io.nkd.housekeeper.api;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * What the operator asks one node's agent to do, written as JSON in {@link NodeKeys#ASSIGNMENT_ANNOTATION} together
 * with the {@link NodeKeys#UPGRADING_LABEL} label. The agent acts on the newest assignment it reads; a new target
 * (the Update changed) or a retry is a new assignment with a new {@link #id()}.
 *
 * @param update             the Update, "namespace/name"
 * @param updateUid          the Update's uid (a deleted and re-created Update is another one)
 * @param generation         the Update's metadata.generation this assignment was made from
 * @param attempt            1 for the first try of this generation on this node, +1 per retry
 * @param osImageURL         target image, or null to leave the OS alone
 * @param kubeVersion        target Kubernetes version, or null to leave it alone
 * @param kubeadmUpgrade     which kubeadm upgrade to run when the kubelet is not at {@code kubeVersion}
 * @param evictPodForce      delete pods that cannot be evicted within the drain timeout
 * @param drainTimeoutSeconds the drain's bound
 * @param revision           source commit of the Update, for logs
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record NodeAssignment(String update, String updateUid, long generation, int attempt, String osImageURL,
                             String kubeVersion, KubeadmUpgrade kubeadmUpgrade, boolean evictPodForce,
                             long drainTimeoutSeconds, String revision) {

    /** Identifies this assignment in the agent's report: uid/generation/attempt. */
    @JsonIgnore
    public String id() {
        return updateUid + "/" + generation + "/" + attempt;
    }
}
