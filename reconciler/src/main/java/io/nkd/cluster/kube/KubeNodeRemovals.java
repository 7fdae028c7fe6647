package io.nkd.cluster.kube;

import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * {@link io.nkd.cluster.NodeRemovals} on a real API server, through fabric8.
 * <p>Skeleton: filled in by the "joins" work of issue 10.
 */
public final class KubeNodeRemovals implements io.nkd.cluster.NodeRemovals {
    private final KubernetesClient client;

    public KubeNodeRemovals(KubernetesClient client) {
        this.client = client;
    }

    @Override
    public Progress remove(String node, boolean controlPlane, Policy policy) {
        throw new UnsupportedOperationException("not yet");
    }
}
