package io.nkd.housekeeper.operator;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.nkd.housekeeper.testing.Crds;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;

/**
 * The shared real API server of {@code testenv/kube-apiserver.sh} for the operator's tests, with a namespace of their
 * own and the generated Update CRD installed. Missing server: the tests fail under CI=true, are skipped elsewhere.
 */
final class RealApiServer implements AutoCloseable {
    final KubernetesClient client;
    final String namespace;

    private RealApiServer(KubernetesClient client, String namespace) {
        this.client = client;
        this.namespace = namespace;
    }

    static RealApiServer connect(String purpose) {
        Path kubeconfig = Path.of(System.getenv().getOrDefault("NKD_KUBE_DIR", "/var/lib/nkd-testenv/kube"),
                "kubeconfig");
        if (!Files.isReadable(kubeconfig)) {
            String missing = "no test API server: " + kubeconfig + " is missing; run sudo testenv/kube-apiserver.sh up";
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                Assertions.fail(missing);
            }
            Assumptions.abort(missing);
        }
        KubernetesClient client;
        try {
            client = new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(Files.readString(kubeconfig)))
                    .build();
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + kubeconfig, e);
        }
        Crds.installUpdateCrd(client);
        String ns = "hk-" + purpose + "-" + UUID.randomUUID().toString().substring(0, 6);
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build())
                .create();
        return new RealApiServer(client, ns);
    }

    /** A name for cluster-scoped objects (Nodes), unique on the shared server. */
    static String prefix(String base) {
        return base + "-" + UUID.randomUUID().toString().substring(0, 6);
    }

    @Override
    public void close() {
        try {
            client.namespaces().withName(namespace).withGracePeriod(0).delete();
        } finally {
            client.close();
        }
    }
}
