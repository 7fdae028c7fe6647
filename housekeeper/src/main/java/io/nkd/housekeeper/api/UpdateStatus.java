package io.nkd.housekeeper.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;

import java.util.List;

/**
 * The observed state of an Update, written only by the operator through the status subresource.
 *
 * @param phase              where the rollout stands
 * @param observedGeneration the metadata.generation this status was computed for
 * @param revision           spec.revision of that generation
 * @param updated            nodes verified at the target
 * @param updating           nodes selected and in progress
 * @param pending            nodes not at the target and not started
 * @param failed             nodes that failed
 * @param nodes              every node of the cluster, control plane first, then by name
 * @param conditions         Progressing, Degraded and Completed, each with a reason
 * @param startedAt          RFC 3339 time this generation's rollout started
 * @param completedAt        RFC 3339 time it completed, or null
 * @param certificateRenewal how spec.certificateRenewal goes (nkd only), or null without a request
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record UpdateStatus(
        @JsonPropertyDescription("Where the rollout stands: Pending, Progressing, Paused, Degraded or Completed")
        RolloutPhase phase,
        @JsonPropertyDescription("The metadata.generation this status was computed for") Long observedGeneration,
        @JsonPropertyDescription("spec.revision of that generation") String revision,
        @JsonPropertyDescription("Nodes verified at the target (booted image and kubelet version, node Ready)")
        int updated,
        @JsonPropertyDescription("Nodes selected and in progress") int updating,
        @JsonPropertyDescription("Nodes not at the target and not started yet") int pending,
        @JsonPropertyDescription("Nodes that failed; the rollout is halted until the Update changes or the node gets "
                + "the housekeeper.io/retry annotation") int failed,
        @JsonPropertyDescription("Every node of the cluster, control plane first, then by name")
        List<NodeProgress> nodes,
        @JsonPropertyDescription("Progressing, Degraded and Completed, each with a reason; Degraded names the failed "
                + "node") List<Condition> conditions,
        @JsonPropertyDescription("RFC 3339 time this generation's rollout started") String startedAt,
        @JsonPropertyDescription("RFC 3339 time it completed") String completedAt,
        @JsonPropertyDescription("How spec.certificateRenewal goes: per control-plane node, the request it last "
                + "renewed for and its new expiry") CertificateRenewalStatus certificateRenewal) {
    public UpdateStatus {
        nodes = nodes == null ? List.of() : List.copyOf(nodes);
        conditions = conditions == null ? List.of() : List.copyOf(conditions);
    }

    /** The rollout's status without a certificate renewal. */
    public UpdateStatus(RolloutPhase phase, Long observedGeneration, String revision, int updated, int updating,
                        int pending, int failed, List<NodeProgress> nodes, List<Condition> conditions, String startedAt,
                        String completedAt) {
        this(phase, observedGeneration, revision, updated, updating, pending, failed, nodes, conditions, startedAt,
                completedAt, null);
    }

    /** The same status with {@code renewal} as its certificate renewal part. */
    public UpdateStatus withCertificateRenewal(CertificateRenewalStatus renewal) {
        return new UpdateStatus(phase, observedGeneration, revision, updated, updating, pending, failed, nodes,
                conditions, startedAt, completedAt, renewal);
    }
}
