package io.nkd.cluster.kube;

import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * {@link io.nkd.cluster.JoinTokens} on a real API server, through fabric8.
 * <p>Skeleton: filled in by the "joins" work of issue 10.
 */
public final class KubeJoinTokens implements io.nkd.cluster.JoinTokens {
    private final KubernetesClient client;

    public KubeJoinTokens(KubernetesClient client) {
        this.client = client;
    }

    @Override
    public void create(io.nkd.pki.BootstrapToken token, java.time.Instant expires, String description) {
        throw new UnsupportedOperationException("not yet");
    }

    @Override
    public void delete(String id) {
        throw new UnsupportedOperationException("not yet");
    }

    @Override
    public java.util.Map<String, java.time.Instant> list() {
        throw new UnsupportedOperationException("not yet");
    }
}
