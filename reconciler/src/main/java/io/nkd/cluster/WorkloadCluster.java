package io.nkd.cluster;

import java.util.List;

/**
 * One managed cluster's Kubernetes API, reached as nkd's admin (or the sandbox's simulation of it). Every call is
 * bounded in time: nothing here waits for a node to boot or a pod to leave; the reconcile calls again on its next
 * pass. A failure is a {@link ClusterApiException} naming the object and quoting the API server.
 */
public interface WorkloadCluster extends AutoCloseable {
    /** GET /readyz: whether the API server serves, and if not why (refused, TLS, the failing checks). Never throws. */
    ApiReadiness readiness();

    /**
     * The expiry of the certificate the API server serves, read in a TLS handshake with the endpoint and checked to be
     * signed by the cluster's CA; empty when it cannot be read (no answer, another issuer). Never throws; bounded.
     * Implementations without a real endpoint (the sandbox's simulation) have no serving certificate.
     */
    default java.util.Optional<java.time.Instant> servingCertificateExpiry() {
        return java.util.Optional.empty();
    }

    /** Every Node object of the cluster. */
    List<ClusterNode> nodes();

    /** kubeadm bootstrap tokens (Secrets in kube-system) for machines about to join. */
    JoinTokens joinTokens();

    /** Cordon, drain and delete of nodes Git no longer asks for. */
    NodeRemovals nodeRemovals();

    /** Server-side apply (and prune) of add-on manifests. */
    Addons addons();

    /** The Housekeeper's {@code Update} object nkd writes for this cluster. */
    Rollouts rollouts();

    @Override
    void close();
}
