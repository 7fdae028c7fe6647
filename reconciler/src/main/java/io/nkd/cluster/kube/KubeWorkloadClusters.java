package io.nkd.cluster.kube;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.nkd.cluster.WorkloadCluster;
import io.nkd.cluster.WorkloadClusters;
import io.nkd.pki.Kubeconfig;
import io.nkd.pki.Pem;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;

/**
 * Reaches a cluster's API with fabric8 and the admin credentials of nkd's PKI (admin.conf: a client certificate in
 * {@code kubeadm:cluster-admins}, the cluster CA, the control-plane endpoint). The credentials go from memory into the
 * client: nothing is written to disk, and the client reads neither {@code ~/.kube}, {@code KUBECONFIG} nor
 * {@code KUBERNETES_*} variables (which on nkd's own host may name another cluster). Every call is short and bounded:
 * a reconcile asks again on its next pass instead of waiting or retrying.
 */
public final class KubeWorkloadClusters implements WorkloadClusters {
    static final int CONNECT_TIMEOUT_MILLIS = 5_000;
    static final int REQUEST_TIMEOUT_MILLIS = 10_000;

    @Override
    public Optional<WorkloadCluster> connect(Target target) {
        return Optional.of(new KubeWorkloadCluster(client(target.admin()), target.cluster()));
    }

    /** A client for the kubeconfig's server and user; building it does no I/O. */
    public static KubernetesClient client(Kubeconfig admin) {
        return new KubernetesClientBuilder().withConfig(config(admin)).build();
    }

    static Config config(Kubeconfig admin) {
        return new ConfigBuilder(Config.empty())
                .withAutoConfigure(false)
                .withMasterUrl(admin.server())
                .withCaCertData(base64(Pem.encodeCertificate(admin.certificateAuthority())))
                .withClientCertData(base64(Pem.encodeCertificate(admin.clientCertificate())))
                .withClientKeyData(base64(Pem.encodePrivateKey(admin.clientKey())))
                .withClientKeyAlgo("EC".equals(admin.clientKey().getAlgorithm()) || "ECDSA".equals(admin.clientKey().getAlgorithm()) ? "EC" : "RSA")
                .withTrustCerts(false)
                .withConnectionTimeout(CONNECT_TIMEOUT_MILLIS)
                .withRequestTimeout(REQUEST_TIMEOUT_MILLIS)
                // fabric8 retries 5xx answers and I/O errors with backoff (10 times by default): a reconcile must
                // not sit in those retries, it comes back on its next pass
                .withRequestRetryBackoffLimit(0)
                .withNamespace("default")
                .build();
    }

    private static String base64(String pem) {
        return Base64.getEncoder().encodeToString(pem.getBytes(StandardCharsets.US_ASCII));
    }
}
