package io.nkd.housekeeper.operator;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.nkd.housekeeper.api.CertificateRenewalNode;
import io.nkd.housekeeper.api.CertificateRenewalPhase;
import io.nkd.housekeeper.api.CertificateRenewalState;
import io.nkd.housekeeper.api.NodeKeys;
import io.nkd.housekeeper.api.NodeRole;
import io.nkd.housekeeper.api.RolloutPhase;
import io.nkd.housekeeper.api.Update;
import io.nkd.housekeeper.api.UpdateSpec;
import io.nkd.housekeeper.testing.Crds;
import io.nkd.housekeeper.testing.FakeHost;
import io.nkd.housekeeper.testing.SimulatedCluster;
import io.nkd.housekeeper.testing.SimulatedNode;
import io.nkd.testkit.KubeApiServerExtension;
import io.nkd.testkit.KubeFixtures;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The operator and real agents on kubeadm host doubles, against the real API server: an Update's
 * {@code spec.certificateRenewal} renews every control-plane node, one at a time, records each node's new expiry in
 * the status, leaves workers alone, and waits for a rollout that has control-plane nodes to move.
 */
@ExtendWith(KubeApiServerExtension.class)
class CertificateRenewalOperatorTest {
    static final String OLD = "registry.example/nestos/k8s:1.28";
    static final String NEW = "registry.example/nestos/k8s:1.29";
    static final Duration WAIT = Duration.ofMinutes(2);

    KubernetesClient client;
    KubeFixtures kube;
    /** every host's command lines, in the order they started, as "node: line" */
    final List<String> order = Collections.synchronizedList(new ArrayList<>());
    final AtomicInteger renewing = new AtomicInteger();
    final AtomicInteger peak = new AtomicInteger();

    @BeforeEach
    void crd() {
        Crds.installUpdateCrd(client);
    }

    FakeHost host(String name, NodeRole role) {
        FakeHost h = new FakeHost(OLD, FakeHost.digestOf(OLD), "v1.28.4").publish(NEW, FakeHost.digestOf(NEW), "v1.29.3");
        if (role == NodeRole.CONTROL_PLANE) {
            h.controlPlane(Instant.now().plus(Duration.ofDays(20)), Instant::now);
        }
        h.onCommand(line -> {
            order.add(name + ": " + line);
            // from the renewal to the read of the new expiry, the node's control plane restarts
            if (line.equals("kubeadm certs renew all")) {
                peak.accumulateAndGet(renewing.incrementAndGet(), Math::max);
            } else if (line.equals("kubeadm certs check-expiration")) {
                renewing.decrementAndGet();
            }
        });
        return h;
    }

    SimulatedCluster cluster(String prefix, String ns) throws InterruptedException {
        SimulatedCluster cluster = new SimulatedCluster(client, prefix);
        Map<String, String> labels = Map.of(OperatorHarness.NODE_LABEL, prefix);
        for (int i = 1; i <= 3; i++) {
            SimulatedNode n = cluster.addNode("cp-" + i, NodeRole.CONTROL_PLANE, host("cp-" + i, NodeRole.CONTROL_PLANE),
                    labels);
            OperatorHarness.etcdPod(client, ns, n.name(), true);
        }
        cluster.addNode("w-1", NodeRole.WORKER, host("w-1", NodeRole.WORKER), labels);
        cluster.startAgents();
        for (SimulatedNode n : cluster.nodes()) {
            n.awaitReport(r -> r.booted() != null, Duration.ofSeconds(60));
        }
        return cluster;
    }

    @Test
    void everyControlPlaneNodeRenewsOneAtATimeAndTheStatusShowsItsNewExpiry() throws Exception {
        String prefix = kube.uniqueName("crt");
        String ns = prefix;
        try (AutoCloseable namespace = OperatorHarness.namespace(client, ns);
             SimulatedCluster cluster = cluster(prefix, ns);
             Operator operator = OperatorHarness.start(client,
                     OperatorHarness.config(ns, "op-certs", kube.uniqueName("lease"), prefix))) {
            OperatorHarness.create(client, ns, "nkd",
                    new UpdateSpec(OLD, "v1.28.4", false, 1, "30s", null, "rev-1").withCertificateRenewal("r1"));
            Update done = OperatorHarness.await(client, ns, "nkd", s -> s.certificateRenewal() != null
                    && s.certificateRenewal().phase() == CertificateRenewalPhase.COMPLETED, WAIT);

            assertEquals(1, peak.get(), "never two control-plane nodes renewing at once: " + order);
            List<String> renewals = order.stream().filter(l -> l.endsWith(": kubeadm certs renew all")).toList();
            assertEquals(List.of("cp-1: kubeadm certs renew all", "cp-2: kubeadm certs renew all",
                    "cp-3: kubeadm certs renew all"), renewals, "in name order, each once, no worker");
            var status = done.getStatus().certificateRenewal();
            assertEquals("r1", status.request());
            assertEquals(3, status.nodes().size());
            for (CertificateRenewalNode n : status.nodes()) {
                assertEquals(CertificateRenewalState.RENEWED, n.state(), n.name());
                assertEquals("r1", n.renewed());
                assertNotNull(n.notAfter());
                assertTrue(Instant.parse(n.notAfter()).isAfter(Instant.now().plus(Duration.ofDays(360))),
                        n.name() + " renewed for a year: " + n.notAfter());
            }
            assertNotNull(status.completedAt());
            assertEquals(RolloutPhase.COMPLETED, done.getStatus().phase(), "the rollout itself had nothing to do");
            // the assignments are gone once each node finished; the reports stay
            OperatorHarness.awaitTrue(() -> cluster.nodes().stream().noneMatch(n -> n.node().getMetadata()
                    .getAnnotations().containsKey(NodeKeys.CERTIFICATE_RENEWAL_ANNOTATION)), WAIT,
                    "renewal assignments removed");
            assertTrue(cluster.node("w-1").node().getMetadata().getAnnotations().keySet().stream()
                    .noneMatch(k -> k.startsWith("housekeeper.io/certificate")), "workers are not touched");
            // kubectl describe update / node: one Event as each node starts and as it finishes
            OperatorHarness.awaitTrue(() -> OperatorHarness.events(client, ns, "nkd", prefix).stream()
                    .filter(e -> e.getInvolvedObject().getKind().equals("Update")
                            && e.getReason().equals("CertificatesRenewed")).count() == 3, WAIT, "3 CertificatesRenewed events");
            var events = OperatorHarness.events(client, ns, "nkd", prefix);
            assertEquals(3, events.stream().filter(e -> e.getInvolvedObject().getKind().equals("Update")
                    && e.getReason().equals("CertificateRenewalStarted")).count(), events::toString);
            assertTrue(events.stream().anyMatch(e -> e.getInvolvedObject().getName().equals(prefix + "-cp-2")
                    && e.getReason().equals("CertificatesRenewed") && e.getMessage().contains("request r1")), events::toString);

            // a new request renews again
            OperatorHarness.setSpec(client, ns, "nkd",
                    new UpdateSpec(OLD, "v1.28.4", false, 1, "30s", null, "rev-1").withCertificateRenewal("r2"));
            OperatorHarness.await(client, ns, "nkd", s -> s.certificateRenewal() != null
                    && "r2".equals(s.certificateRenewal().request())
                    && s.certificateRenewal().phase() == CertificateRenewalPhase.COMPLETED, WAIT);
            assertEquals(6, order.stream().filter(l -> l.endsWith(": kubeadm certs renew all")).count());
            assertEquals(1, peak.get());
        }
    }

    @Test
    void aRolloutWithControlPlaneNodesToMoveGoesFirst() throws Exception {
        String prefix = kube.uniqueName("crr");
        String ns = prefix;
        try (AutoCloseable namespace = OperatorHarness.namespace(client, ns);
             SimulatedCluster cluster = cluster(prefix, ns);
             Operator operator = OperatorHarness.start(client,
                     OperatorHarness.config(ns, "op-certs2", kube.uniqueName("lease"), prefix))) {
            OperatorHarness.create(client, ns, "nkd",
                    new UpdateSpec(NEW, "v1.29.3", false, 1, "30s", null, "rev-2").withCertificateRenewal("r1"));
            Update done = OperatorHarness.await(client, ns, "nkd", s -> s.phase() == RolloutPhase.COMPLETED
                    && s.certificateRenewal() != null
                    && s.certificateRenewal().phase() == CertificateRenewalPhase.COMPLETED, Duration.ofMinutes(3));
            int lastUpgrade = -1;
            int firstRenewal = Integer.MAX_VALUE;
            synchronized (order) {
                for (int i = 0; i < order.size(); i++) {
                    String l = order.get(i);
                    if (l.startsWith("cp-") && l.contains(": kubeadm upgrade ")) {
                        lastUpgrade = i;
                    }
                    if (l.endsWith(": kubeadm certs renew all")) {
                        firstRenewal = Math.min(firstRenewal, i);
                    }
                }
            }
            assertTrue(lastUpgrade >= 0 && lastUpgrade < firstRenewal,
                    "every control-plane node's update before the first renewal: " + order);
            assertEquals(1, peak.get());
            assertEquals(3, done.getStatus().certificateRenewal().nodes().size());
        }
    }
}
