package io.nkd.housekeeper.agent.drain;

import java.util.List;

/**
 * A finished drain.
 *
 * @param evicted      pods removed through the Eviction API ("namespace/name")
 * @param forceDeleted pods deleted without eviction after the timeout ({@code evictPodForce})
 * @param skipped      pods left on the node: DaemonSet and mirror (static) pods
 * @param cancelled    the drain stopped early because its caller no longer wanted it (assignment removed)
 */
public record DrainResult(List<String> evicted, List<String> forceDeleted, List<String> skipped, boolean cancelled) {
    public DrainResult {
        evicted = List.copyOf(evicted);
        forceDeleted = List.copyOf(forceDeleted);
        skipped = List.copyOf(skipped);
    }
}
