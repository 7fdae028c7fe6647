package io.nkd.housekeeper.api;

import com.fasterxml.jackson.annotation.JsonInclude;
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
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record UpdateStatus(RolloutPhase phase, Long observedGeneration, String revision, int updated, int updating,
                           int pending, int failed, List<NodeProgress> nodes, List<Condition> conditions,
                           String startedAt, String completedAt) {
    public UpdateStatus {
        nodes = nodes == null ? List.of() : List.copyOf(nodes);
        conditions = conditions == null ? List.of() : List.copyOf(conditions);
    }
}
