package io.nkd.cluster;

import io.nkd.config.Infrastructure;
import io.nkd.pki.Kubeconfig;
import java.util.Optional;

/** Opens a {@link WorkloadCluster} for a managed cluster. */
public interface WorkloadClusters {
    /**
     * What is needed to reach a cluster's API.
     *
     * @param admin the admin kubeconfig from nkd's PKI of the cluster (its server is the control-plane endpoint)
     */
    record Target(String cluster, Infrastructure infrastructure, Kubeconfig admin) {
        @Override
        public String toString() {
            return "Target[" + cluster + " at " + admin.server() + "]"; // never the credentials
        }
    }

    /** Empty when this nkd has no way to reach clusters of that infrastructure. Connecting does no I/O. */
    Optional<WorkloadCluster> connect(Target target);

    /** For tests and tools that never reach a cluster. */
    WorkloadClusters NONE = target -> Optional.empty();
}
