package io.nkd.cluster.kube;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.fabric8.kubernetes.client.Config;
import io.nkd.config.Endpoint;
import io.nkd.config.KeyAlgorithm;
import io.nkd.pki.ClusterPki;
import io.nkd.pki.PkiGenerator;
import io.nkd.pki.PkiSpec;
import io.nkd.pki.UserCas;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The client nkd builds for a cluster comes from nkd's PKI alone: whatever kubeconfig, token or master URL the host
 * running nkd has configured for kubectl is not read, and every call is bounded.
 */
class KubeWorkloadClustersTest {
    @TempDir
    Path tmp;

    private static ClusterPki pki(KeyAlgorithm algorithm) {
        PkiSpec spec = PkiSpec.of("iso", Endpoint.parse("10.0.0.10:6443"), "iso-control-plane-1", "10.0.0.10", "10.96.0.0/12")
                .withKeyAlgorithm(algorithm);
        return new PkiGenerator(new SecureRandom(), Clock.systemUTC()).generate(spec, UserCas.none());
    }

    @Test
    void theHostsKubeconfigAndKubernetesPropertiesAreIgnored() throws Exception {
        Path other = Files.writeString(tmp.resolve("other.conf"), """
                apiVersion: v1
                kind: Config
                clusters: [{name: x, cluster: {server: "https://elsewhere.example:6443"}}]
                users: [{name: x, user: {token: not-for-nkd}}]
                contexts: [{name: x, context: {cluster: x, user: x, namespace: kube-system}}]
                current-context: x
                """);
        String[] keys = {"kubeconfig", Config.KUBERNETES_MASTER_SYSTEM_PROPERTY, Config.KUBERNETES_OAUTH_TOKEN_SYSTEM_PROPERTY,
                Config.KUBERNETES_TRUST_CERT_SYSTEM_PROPERTY};
        String[] old = new String[keys.length];
        for (int i = 0; i < keys.length; i++) {
            old[i] = System.getProperty(keys[i]);
        }
        System.setProperty("kubeconfig", other.toString());
        System.setProperty(Config.KUBERNETES_MASTER_SYSTEM_PROPERTY, "https://elsewhere.example:6443");
        System.setProperty(Config.KUBERNETES_OAUTH_TOKEN_SYSTEM_PROPERTY, "not-for-nkd");
        System.setProperty(Config.KUBERNETES_TRUST_CERT_SYSTEM_PROPERTY, "true");
        try {
            Config c = KubeWorkloadClusters.config(pki(KeyAlgorithm.ECDSA_P256).admin());
            assertEquals("https://10.0.0.10:6443/", c.getMasterUrl());
            assertNull(c.getOauthToken());
            assertFalse(c.isTrustCerts(), "the server's certificate is verified against the cluster CA");
            assertEquals("default", c.getNamespace());
            assertEquals(5_000, c.getConnectionTimeout());
            assertEquals(10_000, c.getRequestTimeout());
            assertEquals(0, c.getRequestRetryBackoffLimit(), "no retries inside a reconcile");
            assertEquals("EC", c.getClientKeyAlgo());
        } finally {
            for (int i = 0; i < keys.length; i++) {
                if (old[i] == null) {
                    System.clearProperty(keys[i]);
                } else {
                    System.setProperty(keys[i], old[i]);
                }
            }
        }
    }

    @Test
    void anRsaKeyIsGivenAsRsa() {
        assertEquals("RSA", KubeWorkloadClusters.config(pki(KeyAlgorithm.RSA_2048).admin()).getClientKeyAlgo());
    }
}
