package io.nkd.cluster.kube;

import io.nkd.cluster.WorkloadCluster;
import io.nkd.cluster.WorkloadClusters;
import java.util.Optional;

/**
 * Reaches a cluster's API with fabric8 and the admin credentials of nkd's PKI.
 * <p>Skeleton: filled in by the "kube" work of issue 10.
 */
public final class KubeWorkloadClusters implements WorkloadClusters {
    @Override
    public Optional<WorkloadCluster> connect(Target target) {
        return Optional.empty();
    }
}
