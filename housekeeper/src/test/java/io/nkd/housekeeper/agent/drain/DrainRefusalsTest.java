package io.nkd.housekeeper.agent.drain;

import io.nkd.housekeeper.api.DisruptionBudgetBlock;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The report's sentence while evictions are refused: budgets, pods beyond those named, refusals no budget explains. */
class DrainRefusalsTest {
    @Test
    void namesEachBudgetCountsPodsBeyondTheNamedAndSaysWhenNoBudgetCouldBeRead() {
        DrainRefusals r = new DrainRefusals(List.of(
                new DrainRefusals.Refusal(new DisruptionBudgetBlock("shop/web", List.of("shop/web-1", "shop/web-2"),
                        "2026-12-06T12:01:07Z"), 14),
                new DrainRefusals.Refusal(new DisruptionBudgetBlock(null, List.of("shop/db-0"),
                        "2026-12-06T12:03:00Z"), 1)), 2, 15, Instant.parse("2026-12-06T12:31:07.400Z"), false);
        assertEquals("draining: 15 pod(s) left to evict; evictions refused by PodDisruptionBudget shop/web (pods "
                + "shop/web-1, shop/web-2 and 12 more) since 12:01:07Z; the API server (HTTP 429) for pods shop/db-0, "
                + "and no PodDisruptionBudget the agent can read selects them since 12:03:00Z (check the agent's RBAC "
                + "for poddisruptionbudgets and the API server's rate limits); 2 more PodDisruptionBudget(s); retrying "
                + "until 12:31:07Z, then the node fails with DrainTimeout (let the budget allow a disruption: more "
                + "replicas or a lower minAvailable)", r.describe());
    }
}
