package io.nkd.housekeeper.agent;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The shared real API server of testenv/kube-apiserver.sh (until the testkit extension is merged). */
final class TestApiServer {
    private TestApiServer() {
    }

    static KubernetesClient client() {
        Path kubeconfig = Path.of(System.getenv().getOrDefault("NKD_KUBE_DIR", "/var/lib/nkd-testenv/kube"),
                "kubeconfig");
        if (!Files.isReadable(kubeconfig)) {
            String missing = "no test API server: " + kubeconfig + " is missing; run testenv/kube-apiserver.sh up";
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                Assertions.fail(missing);
            }
            Assumptions.abort(missing);
        }
        try {
            Config config = Config.fromKubeconfig(Files.readString(kubeconfig));
            return new KubernetesClientBuilder().withConfig(config).build();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
