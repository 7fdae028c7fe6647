package io.nkd.housekeeper.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import java.util.List;

/**
 * A PodDisruptionBudget that refuses evictions from a draining node now (nkd only): what {@code kubectl drain} prints on
 * every retry and the Machine Config Operator puts in its pool's status, so that an operator sees at once which budget
 * holds the rollout, instead of only when the drain times out.
 *
 * @param budget "namespace/name" of a PodDisruptionBudget that selects the refused pods; null when the Eviction API
 *               answered 429 but the agent could read no budget that selects them (the message says so)
 * @param pods   the refused pods it selects, "namespace/name", sorted, at most {@link #MAX_PODS}
 * @param since  RFC 3339 time the agent first saw this budget refuse during this drain
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record DisruptionBudgetBlock(
        @JsonPropertyDescription("The PodDisruptionBudget (namespace/name) refusing the evictions; absent when the "
                + "eviction API refused (HTTP 429) but the agent could read no budget selecting the pods")
        String budget,
        @JsonPropertyDescription("The refused pods it selects (namespace/name), sorted, at most 10")
        List<String> pods,
        @JsonPropertyDescription("RFC 3339 time the agent first saw this budget refuse during this drain")
        String since) {
    /** Pods named per budget: the annotation stays small; the report's message gives the count. */
    public static final int MAX_PODS = 10;
    /** Budgets named per node, likewise. */
    public static final int MAX_BUDGETS = 20;

    public DisruptionBudgetBlock {
        pods = pods == null ? List.of() : List.copyOf(pods);
    }
}
