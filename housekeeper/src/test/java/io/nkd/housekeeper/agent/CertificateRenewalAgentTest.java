package io.nkd.housekeeper.agent;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.nkd.housekeeper.api.AgentState;
import io.nkd.housekeeper.api.CertificateRenewalAssignment;
import io.nkd.housekeeper.api.CertificateRenewalReport;
import io.nkd.housekeeper.api.CertificateRenewalState;
import io.nkd.housekeeper.api.ContractJson;
import io.nkd.housekeeper.api.NodeKeys;
import io.nkd.housekeeper.api.NodeRole;
import io.nkd.housekeeper.testing.FakeHost;
import io.nkd.housekeeper.testing.MutableClock;
import io.nkd.housekeeper.testing.SimulatedCluster;
import io.nkd.housekeeper.testing.SimulatedNode;
import io.nkd.testkit.KubeApiServerExtension;
import io.nkd.testkit.KubeFixtures;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A real agent renews a control-plane node's kubeadm certificates against the real API server, on a host double that
 * behaves as kubeadm's "Certificate Management with kubeadm" says: renew rewrites every certificate for a year, the
 * static pods load them only once restarted, and a static pod restarts when its manifest leaves
 * /etc/kubernetes/manifests until the kubelet stopped it.
 */
@ExtendWith(KubeApiServerExtension.class)
class CertificateRenewalAgentTest {
    static final String IMAGE = "registry.example/nestos/k8s:1.29";
    static final Duration WAIT = Duration.ofSeconds(60);
    static final Instant START = Instant.parse("2027-11-20T10:00:00Z");
    static final Instant OLD_EXPIRY = Instant.parse("2027-12-01T09:00:00Z");

    KubernetesClient client;
    KubeFixtures kube;
    MutableClock clock = new MutableClock(START);
    SimulatedCluster cluster;

    @BeforeEach
    void cluster(TestInfo info) {
        String method = info.getTestMethod().orElseThrow().getName();
        // every wait of the agent advances the test's clock instead of sleeping
        cluster = new SimulatedCluster(client, kube.uniqueName("c" + Integer.toHexString(method.hashCode())), clock,
                d -> clock.advance(d));
    }

    @AfterEach
    void close() {
        cluster.close();
    }

    FakeHost controlPlaneHost() {
        return new FakeHost(IMAGE, FakeHost.digestOf(IMAGE), "v1.29.3").controlPlane(OLD_EXPIRY, clock::instant)
                .kubeletLag(3);
    }

    SimulatedNode started(FakeHost host) throws InterruptedException {
        SimulatedNode n = cluster.addNode("cp-1", NodeRole.CONTROL_PLANE, host);
        n.startAgent();
        n.awaitReport(r -> r.state() == AgentState.IDLE && r.booted() != null, WAIT);
        return n;
    }

    void assign(SimulatedNode node, String request) {
        Map<String, Object> annotations = new HashMap<>();
        annotations.put(NodeKeys.CERTIFICATE_RENEWAL_ANNOTATION, request == null ? null
                : ContractJson.write(new CertificateRenewalAssignment("housekeeper-system/nkd", request)));
        client.nodes().withName(node.name()).patch(PatchContext.of(PatchType.JSON_MERGE),
                ContractJson.write(Map.of("metadata", Map.of("annotations", annotations))));
    }

    static CertificateRenewalReport awaitCertificates(SimulatedNode node, String request,
                                                      CertificateRenewalState state) throws InterruptedException {
        long end = System.nanoTime() + WAIT.toNanos();
        Optional<CertificateRenewalReport> last = Optional.empty();
        while (System.nanoTime() < end) {
            last = ContractJson.certificateReport(node.node());
            if (last.isPresent() && last.get().request().equals(request) && last.get().state() == state) {
                return last.get();
            }
            Thread.sleep(50);
        }
        throw new AssertionError("node " + node.name() + ": no " + state + " report for " + request + "; last: "
                + last.map(ContractJson::write).orElse("none") + "; host: " + node.commandLines());
    }

    static List<String> renewalCommands(SimulatedNode node) {
        return node.commandLines().stream().filter(c -> !c.startsWith("rpm-ostree status") && !c.startsWith("kubelet "))
                .filter(c -> !c.startsWith("crictl ps")).toList();
    }

    @Test
    void renewsThenRestartsEachStaticPodOneAtATimeAndReportsTheNewExpiry() throws Exception {
        FakeHost host = controlPlaneHost();
        SimulatedNode cp = started(host);
        assign(cp, "2027-11-20T10:00:00Z");
        CertificateRenewalReport done = awaitCertificates(cp, "2027-11-20T10:00:00Z", CertificateRenewalState.RENEWED);

        assertEquals(1, host.certificateRenewals());
        String p = "/etc/kubernetes/nkd-parked-manifests/";
        String m = "/etc/kubernetes/manifests/";
        List<String> expected = new java.util.ArrayList<>();
        for (String c : List.of("etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler")) {
            expected.add("test -e " + p + c + ".yaml"); // nothing left parked by an interrupted run
        }
        expected.add("kubeadm certs renew all");
        for (String c : List.of("etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler")) {
            expected.add("test -e " + m + c + ".yaml");
            expected.add("mkdir -p /etc/kubernetes/nkd-parked-manifests");
            expected.add("mv -f " + m + c + ".yaml " + p + c + ".yaml");
            expected.add("mv -f " + p + c + ".yaml " + m + c + ".yaml");
            if (c.equals("kube-apiserver")) {
                expected.add("curl -ksf --max-time 5 https://127.0.0.1:6443/readyz");
            }
        }
        expected.add("kubeadm certs check-expiration");
        assertEquals(expected, renewalCommands(cp));
        // the kubelet stopped each container before its manifest came back: polled until it did (lag 3)
        long polls = cp.commandLines().stream().filter(c -> c.startsWith("crictl ps --name ^etcd$")).count();
        assertTrue(polls >= 8, "crictl polled while etcd stopped and started: " + polls);
        for (String c : List.of("etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler")) {
            assertTrue(host.containerRunning(c), c + " runs again");
            assertTrue(host.files().contains(m + c + ".yaml"), c + "'s manifest is back");
        }
        // kubeadm's one-year leaves, from the host's clock at the renewal
        Instant renewedAt = host.certificates().get("apiserver");
        assertTrue(renewedAt.isAfter(START.plus(Duration.ofDays(364))), "renewed for a year: " + renewedAt);
        assertEquals(FakeHost.KUBEADM_CERTIFICATES.size(), done.certificates().size());
        assertEquals(renewedAt.truncatedTo(java.time.temporal.ChronoUnit.MINUTES).toString(), done.notAfter());
        assertTrue(done.message().startsWith("renewed 11 certificates"), done.message());

        // the same request again does nothing; a new one renews again
        cp.restartAgent();
        Thread.sleep(500);
        assertEquals(1, host.certificateRenewals(), "a finished request is not run again by a new agent");
        assign(cp, "2027-11-21T00:00:00Z");
        awaitCertificates(cp, "2027-11-21T00:00:00Z", CertificateRenewalState.RENEWED);
        assertEquals(2, host.certificateRenewals());
    }

    @Test
    void anInterruptedRenewalPutsTheParkedManifestBackAndRunsAgain() throws Exception {
        FakeHost host = controlPlaneHost();
        SimulatedNode cp = cluster.addNode("cp-1", NodeRole.CONTROL_PLANE, host);
        // what an agent killed between parking the API server's manifest and putting it back leaves: the manifest
        // parked and its report Renewing
        host.moveFile("/etc/kubernetes/manifests/kube-apiserver.yaml",
                "/etc/kubernetes/nkd-parked-manifests/kube-apiserver.yaml");
        String startedAt = START.minus(Duration.ofMinutes(3)).toString();
        client.nodes().withName(cp.name()).patch(PatchContext.of(PatchType.JSON_MERGE), ContractJson.write(Map.of(
                "metadata", Map.of("annotations", Map.of(
                        NodeKeys.CERTIFICATE_RENEWAL_ANNOTATION,
                        ContractJson.write(new CertificateRenewalAssignment("housekeeper-system/nkd", "r1")),
                        NodeKeys.CERTIFICATE_REPORT_ANNOTATION,
                        ContractJson.write(new CertificateRenewalReport("r1", CertificateRenewalState.RENEWING,
                                "restarting kube-apiserver", startedAt, null, null, null)))))));
        cp.startAgent();
        CertificateRenewalReport done = awaitCertificates(cp, "r1", CertificateRenewalState.RENEWED);

        List<String> lines = cp.commandLines();
        int restored = lines.indexOf("mv -f /etc/kubernetes/nkd-parked-manifests/kube-apiserver.yaml "
                + "/etc/kubernetes/manifests/kube-apiserver.yaml");
        assertTrue(restored >= 0 && restored < lines.indexOf("kubeadm certs renew all"),
                "the parked manifest goes back before anything else: " + lines);
        assertTrue(host.containerRunning("kube-apiserver"));
        assertTrue(host.files().contains("/etc/kubernetes/manifests/kube-apiserver.yaml"));
        assertEquals(1, host.certificateRenewals());
        assertTrue(done.since().compareTo(startedAt) >= 0);
    }

    @Test
    void aComponentThatDoesNotComeBackFailsTheNodeWithItsCommandAndLeavesEveryManifestInPlace() throws Exception {
        FakeHost host = controlPlaneHost().neverStarts("kube-controller-manager");
        SimulatedNode cp = started(host);
        assign(cp, "r1");
        CertificateRenewalReport failed = awaitCertificates(cp, "r1", CertificateRenewalState.FAILED);

        assertTrue(failed.message().contains("restarting kube-controller-manager failed"), failed.message());
        assertTrue(failed.message().contains("did not run again within 3 minutes"), failed.message());
        assertTrue(failed.message().contains("crictl ps --name ^kube-controller-manager$ --state running -q"),
                "names the last command: " + failed.message());
        assertEquals(List.of("crictl", "ps", "--name", "^kube-controller-manager$", "--state", "running", "-q"),
                failed.lastCommand().argv());
        assertTrue(host.files().contains("/etc/kubernetes/manifests/kube-controller-manager.yaml"),
                "the manifest is back even though its pod did not start");
        assertTrue(host.containerRunning("kube-apiserver") && host.containerRunning("etcd"));
        assertTrue(!host.containerRunning("kube-scheduler") || host.files().stream()
                .noneMatch(f -> f.contains("nkd-parked")), "nothing stays parked");
        // the failure is final for this request: a new agent does not loop on it
        int renewals = host.certificateRenewals();
        cp.restartAgent();
        Thread.sleep(500);
        assertEquals(renewals, host.certificateRenewals());
    }

    @Test
    void kubeadmFailingIsReportedWithItsExitStatusAndOutput() throws Exception {
        FakeHost host = controlPlaneHost().fail("kubeadm certs renew all", 1,
                "error execution phase: failed to load CA: open /etc/kubernetes/pki/ca.key: no such file", 1);
        SimulatedNode cp = started(host);
        assign(cp, "r1");
        CertificateRenewalReport failed = awaitCertificates(cp, "r1", CertificateRenewalState.FAILED);
        assertTrue(failed.message().contains("'kubeadm certs renew all' failed (exit 1)"), failed.message());
        assertTrue(failed.message().contains("ca.key: no such file"), failed.message());
        assertEquals(1, failed.lastCommand().exitCode());
        assertTrue(cp.commandLines().stream().noneMatch(c -> c.startsWith("mv ")), "no pod restarted");
    }
}
