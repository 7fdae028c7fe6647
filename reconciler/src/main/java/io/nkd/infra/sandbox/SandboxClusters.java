package io.nkd.infra.sandbox;

import io.nkd.cluster.WorkloadCluster;
import io.nkd.cluster.WorkloadClusters;
import java.util.Optional;

/**
 * The sandbox's simulated Kubernetes side: booted sandbox machines join as Nodes, and the Housekeeper's rollout
 * planner drives simulated node agents through an Update.
 * <p>Skeleton: filled in by the "sandbox" work of issue 10.
 */
public final class SandboxClusters implements WorkloadClusters {
    @Override
    public Optional<WorkloadCluster> connect(Target target) {
        return Optional.empty();
    }
}
