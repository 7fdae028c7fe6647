package io.nkd.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.nkd.housekeeper.api.CertificateRenewalNode;
import io.nkd.housekeeper.api.CertificateRenewalPhase;
import io.nkd.housekeeper.api.CertificateRenewalState;
import io.nkd.housekeeper.api.RolloutPhase;
import io.nkd.housekeeper.api.Update;
import io.nkd.housekeeper.api.Updates;
import io.nkd.housekeeper.operator.EtcdCheckMode;
import io.nkd.housekeeper.operator.Operator;
import io.nkd.housekeeper.operator.OperatorConfig;
import io.nkd.status.ClusterStatus;
import io.nkd.status.Condition;
import io.nkd.testkit.Ci;
import io.nkd.testkit.PrivateApiServer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code nkd certs renew} through the cluster, end to end: a cluster of three control-plane nodes on a real
 * kube-apiserver serving nkd's certificates, the real Housekeeper operator and simulated agents speaking the contract.
 * The command records the request; the daemon writes it into the Update; the operator renews the control-plane nodes
 * one at a time; the status, {@code nkd status}, CertificatesValid and the expiry metric show each node's new expiry,
 * and the API server's serving certificate is read from the TLS handshake.
 */
class CertificateRenewalEndToEndTest {
    private static final String CLUSTER = "crt";
    private static final List<String> CONTROL_PLANE = List.of(CLUSTER + "-control-plane-1", CLUSTER + "-control-plane-2",
            CLUSTER + "-control-plane-3");
    private static final String OLD_IMAGE =
            "hub.oepkgs.net/nestos/nestos@sha256:9c1e7a5b3d2f0e8c6a4b2d0f9e7c5a3b1d9f8e6c4a2b0d8f6e4c2a0b9d7f5e3c";
    private static final Duration PATIENCE = Duration.ofSeconds(120);

    @TempDir
    java.nio.file.Path tmp;
    private E2eDaemon daemon;
    private Operator operator;
    private SimulatedAgents agents;

    @BeforeEach
    void setUp() throws Exception {
        PrivateApiServer.Binaries bin = PrivateApiServer.binaries();
        Ci.require(bin.present(), bin.missing());
        daemon = E2eDaemon.start(tmp, CLUSTER, 3, 1);
    }

    @AfterEach
    void tearDown() {
        if (agents != null) {
            agents.close();
        }
        if (operator != null) {
            operator.close();
        }
        if (daemon != null) {
            daemon.close();
        }
    }

    @Test
    void certsRenewRenewsEachControlPlaneNodeOneAtATimeAndStatusShowsTheNewExpiry() throws Exception {
        daemon.reconcile("create " + CLUSTER);
        daemon.machines.bootAll(CLUSTER);
        ClusterStatus st = until(s -> s.phase() == ClusterStatus.Phase.READY, "Ready after bootstrap");
        KubernetesClient client = daemon.machines.api().client();
        operator = new Operator(client, OperatorConfig.defaults(Updates.NAMESPACE, "e2e-operator")
                .withEtcdCheck(EtcdCheckMode.NONE, "kube-system").withMetricsPort(0)
                .withLease("housekeeper-operator", new OperatorConfig.LeaseTiming(Duration.ofSeconds(4), Duration.ofSeconds(3),
                        Duration.ofMillis(500)))
                .withTimeouts(Duration.ofMinutes(5), Duration.ofSeconds(2)));
        operator.start();
        agents = new SimulatedAgents(daemon.machines, OLD_IMAGE, "v1.31.4").start();
        awaitUpdate(client, u -> u.getStatus() != null && u.getStatus().phase() == RolloutPhase.COMPLETED, "nothing to move");

        // watched from outside before any renewal: the serving certificate of the API server, from the TLS handshake
        st = daemon.reconcile("create " + CLUSTER).status();
        double serving = daemon.gauge("nkd_certificate_expiry_timestamp_seconds", "certificate", "apiserver-serving");
        assertTrue(serving > Instant.now().plus(Duration.ofDays(300)).getEpochSecond(),
                "the serving certificate nkd issued for the test API server, read in the handshake: " + serving);
        assertEquals(Condition.Status.TRUE, st.condition("CertificatesValid").status(), st.condition("CertificatesValid")::toString);

        // nkd certs renew: what nkd keeps, and a request for the nodes
        String out = cli("certs", "renew", CLUSTER, "--state-dir", daemon.stateDir().toString());
        assertTrue(out.contains("requested the renewal of the control-plane nodes' kubeadm certificates (request "), out);
        String request = io.nkd.secrets.NodeCertificateRequest.read(daemon.store.view(CLUSTER)).orElseThrow().id();

        // the daemon writes it into the Update (its one writer); the Housekeeper renews node by node
        daemon.reconcile("create " + CLUSTER);
        assertEquals(request, update(client).getSpec().certificateRenewal(), "the request is in the Update's spec");
        st = until(s -> s.rollout() != null && s.rollout().certificateRenewal() != null
                && request.equals(s.rollout().certificateRenewal().request())
                && s.rollout().certificateRenewal().phase() == CertificateRenewalPhase.COMPLETED, "renewal completed");

        assertEquals(1, agents.mostRenewingAtOnce(), "one control-plane node at a time");
        assertEquals(CONTROL_PLANE.stream().map(n -> n + " " + request).toList(), agents.renewals(),
                "each control-plane node once, in order; the worker is not touched");
        var renewal = st.rollout().certificateRenewal();
        Instant inAYear = Instant.now().plus(Duration.ofDays(360));
        for (CertificateRenewalNode n : renewal.nodes()) {
            assertEquals(CertificateRenewalState.RENEWED, n.state(), n.name());
            assertEquals(request, n.renewed(), n.name());
            assertNotNull(n.notAfter(), n.name());
            double gauge = daemon.gauge("nkd_certificate_expiry_timestamp_seconds", "certificate", "node/" + n.name());
            assertEquals(Instant.parse(n.notAfter()).getEpochSecond(), (long) gauge, n.name());
            assertTrue(Instant.parse(n.notAfter()).isAfter(inAYear), n.notAfter());
        }
        assertEquals(Condition.Status.TRUE, st.condition("CertificatesValid").status(), st.condition("CertificatesValid")::toString);

        String status = daemon.statusText();
        assertTrue(status.contains("Certificates: renewal " + request + ", phase completed"), status);
        for (String node : CONTROL_PLANE) {
            assertTrue(status.lines().anyMatch(l -> l.contains(node) && l.contains(request + " → " + request)
                    && l.contains("renewed") && l.contains("certificates valid until ")), node + " in:\n" + status);
        }
    }

    private String cli(String... args) {
        java.io.PrintStream old = System.out;
        java.io.ByteArrayOutputStream buffer = new java.io.ByteArrayOutputStream();
        try {
            System.setOut(new java.io.PrintStream(buffer, true, StandardCharsets.UTF_8));
            int exit = io.nkd.cli.Main.execute(args);
            if (exit != 0) {
                fail("nkd " + String.join(" ", args) + " exited " + exit + ": " + buffer.toString(StandardCharsets.UTF_8));
            }
        } finally {
            System.setOut(old);
        }
        return buffer.toString(StandardCharsets.UTF_8);
    }

    private static Update update(KubernetesClient client) {
        Update u = client.resources(Update.class).inNamespace(Updates.NAMESPACE).withName(Updates.DEFAULT_NAME).get();
        assertNotNull(u, "nkd wrote the Update");
        return u;
    }

    private static void awaitUpdate(KubernetesClient client, Predicate<Update> done, String what) throws InterruptedException {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        Update u = null;
        while (System.nanoTime() < deadline) {
            u = client.resources(Update.class).inNamespace(Updates.NAMESPACE).withName(Updates.DEFAULT_NAME).get();
            if (u != null && done.test(u)) {
                return;
            }
            Thread.sleep(200);
        }
        fail("the Update: not " + what + " within " + PATIENCE + ": " + (u == null ? "none" : u.getStatus()));
    }

    private ClusterStatus until(Predicate<ClusterStatus> done, String what) throws Exception {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        ClusterStatus last = null;
        while (System.nanoTime() < deadline) {
            last = daemon.reconcile("create " + CLUSTER).status();
            if (done.test(last)) {
                return last;
            }
            Thread.sleep(300);
        }
        fail("not " + what + " within " + PATIENCE + ":\n" + daemon.statusText() + "\nconditions: "
                + (last == null ? "none" : last.conditions()));
        return last;
    }
}
