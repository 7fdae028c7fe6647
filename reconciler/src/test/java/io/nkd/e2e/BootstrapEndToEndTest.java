package io.nkd.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nkd.reconcile.ClusterReconciler;
import io.nkd.status.ClusterStatus;
import io.nkd.status.Condition;
import io.nkd.status.KubernetesStatus;
import io.nkd.status.MachinePhase;
import io.nkd.testkit.Ci;
import io.nkd.testkit.PrivateApiServer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The "How this will be checked", first part: a commit creates a cluster; nkd creates its machines, waits for
 * the API server (a real kube-apiserver serving with the certificates nkd generated, reached with nkd's own admin
 * kubeconfig), then for the nodes to join and be Ready, and says so at each step in status, conditions and metrics; a
 * node that goes NotReady afterwards degrades the cluster with the node named.
 */
class BootstrapEndToEndTest {
    private static final String CLUSTER = "e2e";
    private static final String CP = "e2e-control-plane-1";
    private static final String W1 = "e2e-workers-1";
    private static final String W2 = "e2e-workers-2";

    @TempDir
    java.nio.file.Path tmp;
    private E2eDaemon daemon;

    @BeforeEach
    void setUp() throws Exception {
        PrivateApiServer.Binaries bin = PrivateApiServer.binaries();
        Ci.require(bin.present(), bin.missing());
        daemon = E2eDaemon.start(tmp, CLUSTER, 1, 2);
    }

    @AfterEach
    void tearDown() {
        if (daemon != null) {
            daemon.close();
        }
    }

    @Test
    void aCommitBecomesAReadyClusterStepByStep() throws Exception {
        String endpoint = daemon.endpoint();

        // 1. the commit: machines are created, nothing booted yet
        ClusterReconciler.Outcome o = daemon.reconcile("create e2e");
        assertEquals(List.of(CP, W1, W2), daemon.machines.names());
        assertEquals(ClusterStatus.Phase.PROVISIONING, o.status().phase());
        assertEquals(Map.of(CP, MachinePhase.BUILDING, W1, MachinePhase.BUILDING, W2, MachinePhase.BUILDING), phases(o.status()));
        assertEquals("Provisioning", ready(o.status()).reason());
        assertEquals("WaitingForMachines", o.status().condition("MachinesReady").reason());

        // 2. the machines run their configs, but no API server answers at the endpoint yet
        daemon.machines.names().forEach(daemon.machines::bootOs);
        o = daemon.reconcile("create e2e");
        assertEquals(ClusterStatus.Phase.PROVISIONING, o.status().phase());
        assertEquals(Map.of(CP, MachinePhase.FETCHED, W1, MachinePhase.FETCHED, W2, MachinePhase.FETCHED), phases(o.status()));
        Condition api = o.status().condition("ApiServerReady");
        assertEquals(Condition.Status.FALSE, api.status());
        assertEquals("WaitingForApiServer", api.reason());
        assertTrue(api.message().contains(endpoint + "/readyz") && api.message().contains("connection refused"), api.message());
        assertEquals("WaitingForApiServer", ready(o.status()).reason());
        assertTrue(ready(o.status()).message().startsWith("machines created (3 of 3 machines fetched their config)"),
                ready(o.status()).message());
        assertEquals(Duration.ofSeconds(5), o.retryAfter(), "an API that is not up yet is looked at again soon");
        assertEquals(0.0, daemon.gauge("nkd_cluster_api_ready"));

        // 3. kubeadm init on the first control-plane node: the API server is up with nkd's certificates
        daemon.machines.startApiServer(CLUSTER);
        o = daemon.reconcile("create e2e");
        assertEquals(ClusterStatus.Phase.PROVISIONING, o.status().phase());
        assertEquals(Condition.Status.TRUE, o.status().condition("ApiServerReady").status());
        Condition nodes = o.status().condition("NodesReady");
        assertEquals("WaitingForNodes", nodes.reason());
        assertTrue(nodes.message().startsWith("API up; 0 of 3 nodes joined, 0 Ready"), nodes.message());
        assertEquals(new Counts(true, 3, 0, 0), counts(o.status()));
        assertEquals(1.0, daemon.gauge("nkd_cluster_api_ready"));

        // 4. the kubelets register their Nodes, NotReady until their network plugin runs
        daemon.machines.names().forEach(daemon.machines::join);
        o = daemon.reconcile("create e2e");
        assertEquals(Map.of(CP, MachinePhase.JOINED, W1, MachinePhase.JOINED, W2, MachinePhase.JOINED), phases(o.status()));
        assertEquals(new Counts(true, 3, 3, 0), counts(o.status()));
        assertTrue(o.status().condition("NodesReady").message().contains("not Ready yet: " + CP + " (NotReady (KubeletNotReady: "),
                o.status().condition("NodesReady").message());
        assertEquals(ClusterStatus.Phase.PROVISIONING, o.status().phase());

        // 5. two of three Ready: still provisioning, counts move
        daemon.machines.ready(CP);
        daemon.machines.ready(W1);
        o = daemon.reconcile("create e2e");
        assertEquals(Map.of(CP, MachinePhase.READY, W1, MachinePhase.READY, W2, MachinePhase.JOINED), phases(o.status()));
        assertEquals(ClusterStatus.Phase.PROVISIONING, o.status().phase());
        assertEquals("WaitingForNodes", ready(o.status()).reason());
        assertEquals(2.0, daemon.gauge("nkd_cluster_nodes", "state", "ready"));
        assertEquals(3.0, daemon.gauge("nkd_cluster_nodes", "state", "joined"));

        // 6. every node Ready in Kubernetes: the cluster is Ready
        daemon.machines.ready(W2);
        o = daemon.reconcile("create e2e");
        assertEquals(ClusterStatus.Phase.READY, o.status().phase());
        assertEquals(Condition.Status.TRUE, ready(o.status()).status());
        assertEquals(Condition.Status.TRUE, o.status().condition("NodesReady").status());
        assertEquals(new Counts(true, 3, 3, 3), counts(o.status()));
        assertEquals(daemon.machines.nodes().keySet(), phases(o.status()).keySet(), "status and API name the same nodes");
        ClusterStatus.NodeKubernetes cp = node(o.status(), CP).kubernetes();
        assertEquals("v1.31.4", cp.kubeletVersion());
        assertEquals(SimulatedKubelets.OS_IMAGE, cp.osImage());
        assertEquals("KubeletReady", cp.reason());
        assertEquals(3.0, daemon.gauge("nkd_cluster_nodes", "state", "ready"));
        assertEquals(Duration.ofSeconds(30), o.retryAfter(), "a Ready cluster is watched, less often");
        daemon.machines.nodes().forEach((name, n) -> assertEquals("True", n.getStatus().getConditions().stream()
                .filter(c -> c.getType().equals("Ready")).findFirst().orElseThrow().getStatus(), "Ready in the API: " + name));

        // the admin kubeconfig nkd hands out (nkd kubeconfig) works against the cluster's API as it is
        java.nio.file.Path kubeconfig = tmp.resolve("e2e.conf");
        assertEquals(0, io.nkd.cli.Main.execute("kubeconfig", CLUSTER, "--state-dir", daemon.stateDir().toString(),
                "--output", kubeconfig.toString()));
        try (var user = new io.fabric8.kubernetes.client.KubernetesClientBuilder().withConfig(
                io.fabric8.kubernetes.client.Config.fromKubeconfig(java.nio.file.Files.readString(kubeconfig))).build()) {
            assertEquals(daemon.machines.nodes().keySet(), new java.util.TreeSet<>(user.nodes().list().getItems().stream()
                    .map(n -> n.getMetadata().getName()).toList()), "a user of that kubeconfig sees the same nodes");
            // add-ons applied: the Housekeeper (housekeeper.enabled is the default), with server-side apply as nkd
            assertEquals(Condition.Status.TRUE, o.status().condition("AddonsApplied").status(), o.status().condition("AddonsApplied").message());
            assertEquals(o.status().addons().objects(), o.status().addons().applied());
            var operator = user.apps().deployments().inNamespace("housekeeper-system").withName("housekeeper-operator").get();
            assertEquals(io.nkd.addons.HousekeeperAddon.defaultImage(), operator.getSpec().getTemplate().getSpec().getContainers().get(0).getImage());
            assertTrue(operator.getMetadata().getManagedFields().stream().anyMatch(f -> f.getManager().equals("nkd")
                    && f.getOperation().equals("Apply")), "applied with server-side apply by field manager nkd");
            assertTrue(user.configMaps().inNamespace("kube-system").withName("nkd-addons-inventory").get().getData()
                    .get("inventory.json").contains("\"housekeeper-operator\""), "the inventory lists what nkd applied");
        }

        // 7. a node goes NotReady: the cluster is degraded, and the node is named with its reason
        daemon.machines.notReady(W2, "NodeStatusUnknown", "Kubelet stopped posting node status.");
        o = daemon.reconcile("create e2e");
        assertEquals(ClusterStatus.Phase.DEGRADED, o.status().phase());
        assertEquals(MachinePhase.NOT_READY, node(o.status(), W2).phase());
        assertTrue(node(o.status(), W2).message().contains("NodeStatusUnknown: Kubelet stopped posting node status."),
                node(o.status(), W2).message());
        Condition notReady = o.status().condition("NodesReady");
        assertEquals("NodesNotReady", notReady.reason());
        assertTrue(notReady.message().contains("NotReady: " + W2), notReady.message());
        assertEquals(Condition.Status.FALSE, ready(o.status()).status());
        assertEquals("NodesNotReady", ready(o.status()).reason());
        assertNull(o.status().lastError(), "a NotReady node is a fact of the cluster, not a failed commit");
        assertEquals(Duration.ofSeconds(5), o.retryAfter());
        String shown = statusText();
        assertTrue(shown.contains("Kubernetes: API " + endpoint + " ready; 3 of 3 nodes joined, 2 Ready"), shown);
        assertTrue(shown.lines().anyMatch(l -> l.contains(W2) && l.contains("not_ready")
                && l.contains("Node NotReady (NodeStatusUnknown), kubelet v1.31.4, " + SimulatedKubelets.OS_IMAGE)), shown);

        // 8. and back
        daemon.machines.ready(W2);
        o = daemon.reconcile("create e2e");
        assertEquals(ClusterStatus.Phase.READY, o.status().phase());
        assertNotNull(o.status().appliedRevision());
    }

    @Test
    void withEverythingBootingAtOnceTheClusterIsReadyOnTheNextPass() throws Exception {
        daemon.reconcile("create e2e");
        daemon.machines.bootAll(CLUSTER);
        ClusterReconciler.Outcome o = daemon.reconcile("create e2e");
        assertEquals(ClusterStatus.Phase.READY, o.status().phase(), () -> String.valueOf(o.status().conditions()));
        assertTrue(ready(o.status()).message().endsWith("API up; 3 of 3 nodes joined, 3 Ready"), ready(o.status()).message());
    }

    /** What {@code nkd status e2e --state-dir DIR} prints. */
    private String statusText() {
        java.io.PrintStream old = System.out;
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        try {
            System.setOut(new java.io.PrintStream(out, true, java.nio.charset.StandardCharsets.UTF_8));
            assertEquals(0, io.nkd.cli.Main.execute("status", CLUSTER, "--state-dir", daemon.stateDir().toString()));
        } finally {
            System.setOut(old);
        }
        return out.toString(java.nio.charset.StandardCharsets.UTF_8);
    }

    record Counts(boolean apiReady, int expected, int joined, int ready) {
    }

    private static Counts counts(ClusterStatus s) {
        KubernetesStatus k = s.kubernetes();
        return new Counts(k.apiReady(), k.nodesExpected(), k.nodesJoined(), k.nodesReady());
    }

    private static Condition ready(ClusterStatus s) {
        return s.condition("Ready");
    }

    private static ClusterStatus.NodeStatus node(ClusterStatus s, String name) {
        return s.nodes().stream().filter(n -> n.name().equals(name)).findFirst().orElseThrow();
    }

    private static Map<String, MachinePhase> phases(ClusterStatus s) {
        Map<String, MachinePhase> out = new TreeMap<>();
        s.nodes().forEach(n -> out.put(n.name(), n.phase()));
        return out;
    }
}
