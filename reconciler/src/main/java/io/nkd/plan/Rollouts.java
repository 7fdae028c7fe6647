package io.nkd.plan;

import io.nkd.config.ClusterSpec;
import io.nkd.config.NodePool;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The order in which the in-cluster Housekeeper would upgrade existing nodes: the control plane first, one
 * node at a time (etcd healthy before and after each), then worker nodes of every worker pool, in pool and
 * node order, {@code upgrade.maxUnavailable} at a time. The head revision's policy applies.
 */
final class Rollouts {
    private Rollouts() {
    }

    /** @param kept the nodes that exist in both revisions and are not replaced (a held replacement stays) */
    static Rollout of(String cluster, ClusterSpec head, Set<String> kept) {
        return of(cluster, head, kept, null, false, false);
    }

    /**
     * @param osImageURL the head's OS image pinned by digest, for whether spec.upgrade.windowOverride was reviewed for it
     * @param osChanges, kubeChanges what changes, for whether spec.upgrade.windowOverride covers it
     */
    static Rollout of(String cluster, ClusterSpec head, Set<String> kept, String osImageURL, boolean osChanges, boolean kubeChanges) {
        List<Rollout.Batch> batches = new ArrayList<>();
        List<String> workers = new ArrayList<>();
        for (NodePool pool : head.pools()) {
            List<String> nodes = MachinePlanner.names(cluster, pool).stream().filter(kept::contains).toList();
            if (pool.role() == NodePool.Role.CONTROL_PLANE) {
                nodes.forEach(n -> batches.add(new Rollout.Batch(batches.size() + 1, NodePool.Role.CONTROL_PLANE.wire(), List.of(n))));
            } else {
                workers.addAll(nodes);
            }
        }
        int size = head.upgrade().maxUnavailable();
        for (int i = 0; i < workers.size(); i += size) {
            batches.add(new Rollout.Batch(batches.size() + 1, NodePool.Role.WORKER.wire(),
                    workers.subList(i, Math.min(workers.size(), i + size))));
        }
        return new Rollout(batches, head.upgrade().maintenanceWindows().stream().map(Rollout.Window::of).toList(),
                head.upgrade().paused(), head.paused(), head.housekeeper().enabled(),
                io.nkd.upgrade.UpgradeGate.overrides(head, osImageURL, osChanges, kubeChanges) ? head.upgrade().windowOverride().reason() : null);
    }
}
