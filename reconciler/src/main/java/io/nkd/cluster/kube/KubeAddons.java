package io.nkd.cluster.kube;

import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * {@link io.nkd.cluster.Addons} on a real API server, through fabric8.
 * <p>Skeleton: filled in by the "addons" work of issue 10.
 */
public final class KubeAddons implements io.nkd.cluster.Addons {
    private final KubernetesClient client;

    public KubeAddons(KubernetesClient client) {
        this.client = client;
    }

    @Override
    public ApplyReport apply(java.util.List<ManifestObject> objects, java.util.Map<String, Boolean> addons) {
        throw new UnsupportedOperationException("not yet");
    }
}
