package io.nkd.cluster.kube;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeConditionBuilder;
import io.nkd.cluster.ApiReadiness;
import io.nkd.cluster.ClusterApiException;
import io.nkd.cluster.ClusterNode;
import io.nkd.cluster.WorkloadCluster;
import io.nkd.cluster.WorkloadClusters;
import io.nkd.config.Endpoint;
import io.nkd.config.Infrastructure;
import io.nkd.pki.ClusterPki;
import io.nkd.pki.PkiGenerator;
import io.nkd.pki.PkiSpec;
import io.nkd.pki.UserCas;
import io.nkd.testkit.Ci;
import io.nkd.testkit.PrivateApiServer;
import io.nkd.testsupport.PkiDirs;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * nkd's client against a real kube-apiserver that serves with the PKI nkd generated for a cluster: its admin
 * kubeconfig (a client certificate in kubeadm:cluster-admins) reaches /readyz and reads Nodes, and every way of not
 * reaching the API (refused, another cluster's CA, no RBAC binding) says so with the endpoint.
 */
class KubeWorkloadClusterTest {
    private static final String CLUSTER = "kube-it";
    @TempDir
    static Path tmp;
    static PrivateApiServer api;
    static ClusterPki pki;

    @BeforeAll
    static void start() throws Exception {
        PrivateApiServer.Binaries bin = PrivateApiServer.binaries();
        Ci.require(bin.present(), bin.missing());
        int port = PrivateApiServer.freePort();
        pki = generate(port);
        api = PrivateApiServer.start(bin, PkiDirs.write(pki.files(), tmp.resolve("pki")), port, "10.96.0.0/12");
    }

    @AfterAll
    static void stop() {
        if (api != null) {
            api.close();
        }
    }

    private static ClusterPki generate(int port) {
        PkiSpec spec = PkiSpec.of(CLUSTER, Endpoint.parse("127.0.0.1:" + port), CLUSTER + "-control-plane-1", "127.0.0.1", "10.96.0.0/12");
        return new PkiGenerator(new SecureRandom(), Clock.systemUTC()).generate(spec, UserCas.none());
    }

    private static WorkloadCluster connect(io.nkd.pki.Kubeconfig admin) {
        return new KubeWorkloadClusters().connect(new WorkloadClusters.Target(CLUSTER, new Infrastructure(Infrastructure.ProviderType.SANDBOX, null, null, null, null), admin)).orElseThrow();
    }

    @Test
    void nkdsAdminKubeconfigReachesTheApiAndReadsTheNodes() {
        String name = "kube-it-node-" + System.nanoTime();
        api.client().nodes().resource(new NodeBuilder().withNewMetadata().withName(name)
                .addToLabels("node-role.kubernetes.io/control-plane", "").endMetadata().build()).create();
        api.client().nodes().withName(name).editStatus(n -> new NodeBuilder(n).editOrNewStatus()
                .withConditions(new NodeConditionBuilder().withType("Ready").withStatus("False").withReason("KubeletNotReady")
                        .withMessage("container runtime network not ready").withLastTransitionTime("2026-12-06T10:00:00Z")
                        .withLastHeartbeatTime("2026-12-06T10:00:00Z").build())
                .withNewNodeInfo().withKubeletVersion("v1.31.4").withOsImage("NestOS For Container 24.09").withArchitecture("amd64")
                .withBootID("b").withContainerRuntimeVersion("containerd://1.7").withKernelVersion("6.6").withKubeProxyVersion("v1.31.4")
                .withMachineID("m").withOperatingSystem("linux").withSystemUUID("u").endNodeInfo().endStatus().build());
        try (WorkloadCluster cluster = connect(pki.admin())) {
            assertEquals(ApiReadiness.up(), cluster.readiness());
            ClusterNode node = cluster.nodes().stream().filter(n -> n.name().equals(name)).findFirst().orElseThrow();
            assertFalse(node.ready());
            assertEquals("KubeletNotReady", node.readyReason());
            assertEquals("container runtime network not ready", node.readyMessage());
            assertEquals(java.time.Instant.parse("2026-12-06T10:00:00Z"), node.readySince());
            assertTrue(node.controlPlane());
            assertEquals("v1.31.4", node.kubeletVersion());
            assertEquals("NestOS For Container 24.09", node.osImage());
        } finally {
            api.client().nodes().withName(name).delete();
        }
    }

    @Test
    void withoutKubeadmsClusterAdminsBindingTheNodesAreForbiddenAndTheMessageSaysWhy() {
        api.client().rbac().clusterRoleBindings().withName(PrivateApiServer.CLUSTER_ADMINS).delete();
        try (WorkloadCluster cluster = connect(pki.admin())) {
            // /readyz is open to every authenticated user, Nodes are not
            assertTrue(cluster.readiness().ready());
            ClusterApiException e = assertThrows(ClusterApiException.class, cluster::nodes);
            assertTrue(e.getMessage().contains("HTTP 403") && e.getMessage().contains("kubeadm:cluster-admins"), e.getMessage());
            assertTrue(e.getMessage().contains("kubernetes-admin"), "quotes the API server, which names the user: " + e.getMessage());
        } finally {
            api.bindClusterAdmins();
        }
    }

    @Test
    void anotherClustersCaIsATlsErrorNamingTheEndpoint() {
        ClusterPki other = generate(api.port());
        try (WorkloadCluster cluster = connect(other.admin())) {
            ApiReadiness r = cluster.readiness();
            assertFalse(r.ready());
            assertTrue(r.message().startsWith("TLS with " + api.url() + "/readyz failed"), r.message());
        }
    }

    @Test
    void nothingListeningIsConnectionRefusedNamingTheEndpoint() {
        ClusterPki elsewhere = generate(PrivateApiServer.freePort());
        try (WorkloadCluster cluster = connect(elsewhere.admin())) {
            long start = System.nanoTime();
            ApiReadiness r = cluster.readiness();
            assertFalse(r.ready());
            assertEquals("cannot connect to " + elsewhere.server() + "/readyz: connection refused (the API server is not listening"
                    + " there yet)", r.message());
            assertTrue(System.nanoTime() - start < 5_000_000_000L, "no retries: answered at once");
            assertThrows(ClusterApiException.class, cluster::nodes);
        }
    }

    @Test
    void theAdminCredentialsNeverShowInWhatNkdPrints() {
        try (WorkloadCluster cluster = connect(pki.admin())) {
            String key = java.util.Base64.getEncoder().encodeToString(pki.admin().clientKey().getEncoded());
            assertFalse(cluster.toString().contains(key.substring(0, 20)));
            assertTrue(cluster.toString().contains(api.url()), cluster.toString());
            assertNull(cluster.readiness().message());
        }
    }
}
