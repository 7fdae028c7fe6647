package io.nkd.housekeeper.agent.drain;

import io.nkd.housekeeper.api.DisruptionBudgetBlock;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What refuses evictions from a draining node after one pass of the {@link Drainer}.
 *
 * @param refusals    per budget (at most {@link DisruptionBudgetBlock#MAX_BUDGETS}, by name, the unnamed one last): the
 *                    block as the report carries it, and how many refused pods it selects (the block names at most
 *                    {@link DisruptionBudgetBlock#MAX_PODS})
 * @param moreBudgets budgets beyond those listed
 * @param refusedPods pods whose eviction was refused (HTTP 429) in this pass
 * @param retryUntil  when the drain stops retrying
 * @param force       at {@code retryUntil} the refused pods are deleted without eviction ({@code evictPodForce})
 */
public record DrainRefusals(List<Refusal> refusals, int moreBudgets, int refusedPods, Instant retryUntil,
                            boolean force) {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss'Z'").withZone(ZoneOffset.UTC);

    /** One budget's refusals. */
    public record Refusal(DisruptionBudgetBlock block, int refusedPods) {
        public Refusal {
            Objects.requireNonNull(block, "block");
        }
    }

    public DrainRefusals {
        refusals = List.copyOf(refusals);
        Objects.requireNonNull(retryUntil, "retryUntil");
    }

    /** Nothing refused in the last pass. */
    public boolean none() {
        return refusals.isEmpty();
    }

    /** The blocks as the node's report carries them. */
    public List<DisruptionBudgetBlock> blocks() {
        return refusals.stream().map(Refusal::block).toList();
    }

    /**
     * The report's message while refused: "draining: 2 pod(s) left to evict; evictions refused by PodDisruptionBudget
     * shop/web (pods shop/web-1, shop/web-2) since 12:01:07Z; retrying until 12:31:07Z, then …".
     */
    public String describe() {
        List<String> parts = new ArrayList<>();
        for (Refusal r : refusals) {
            DisruptionBudgetBlock b = r.block();
            String pods = String.join(", ", b.pods()) + (r.refusedPods() > b.pods().size()
                    ? " and " + (r.refusedPods() - b.pods().size()) + " more" : "");
            String since = " since " + time(Instant.parse(b.since()));
            parts.add(b.budget() != null ? "PodDisruptionBudget " + b.budget() + " (pods " + pods + ")" + since
                    : "the API server (HTTP 429) for pods " + pods + ", and no PodDisruptionBudget the agent can read "
                    + "selects them" + since + " (check the agent's RBAC for poddisruptionbudgets and the API server's "
                    + "rate limits)");
        }
        if (moreBudgets > 0) {
            parts.add(moreBudgets + " more PodDisruptionBudget(s)");
        }
        return "draining: " + refusedPods + " pod(s) left to evict; evictions refused by " + String.join("; ", parts)
                + "; retrying until " + time(retryUntil) + (force
                ? ", then deleting them without eviction (evictPodForce)"
                : ", then the node fails with DrainTimeout (let the budget allow a disruption: more replicas or a "
                + "lower minAvailable)");
    }

    private static String time(Instant t) {
        return TIME.format(t);
    }
}
