package io.nkd.cluster.kube;

import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * {@link io.nkd.cluster.Rollouts} on a real API server, through fabric8.
 * <p>Skeleton: filled in by the "upgrades" work of issue 10.
 */
public final class KubeRollouts implements io.nkd.cluster.Rollouts {
    private final KubernetesClient client;

    public KubeRollouts(KubernetesClient client) {
        this.client = client;
    }

    @Override
    public java.util.Optional<io.nkd.housekeeper.api.Update> read() {
        throw new UnsupportedOperationException("not yet");
    }

    @Override
    public void write(io.nkd.housekeeper.api.UpdateSpec spec, boolean upstreamFieldsOnly) {
        throw new UnsupportedOperationException("not yet");
    }
}
