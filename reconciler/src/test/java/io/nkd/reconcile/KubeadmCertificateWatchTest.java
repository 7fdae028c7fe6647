package io.nkd.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nkd.config.Snapshot;
import io.nkd.git.Snapshots;
import io.nkd.housekeeper.api.CertificateRenewalNode;
import io.nkd.housekeeper.api.CertificateRenewalPhase;
import io.nkd.housekeeper.api.CertificateRenewalState;
import io.nkd.housekeeper.api.CertificateRenewalStatus;
import io.nkd.status.ClusterStatus;
import io.nkd.status.Condition;
import io.nkd.status.RolloutStatus;
import io.nkd.testsupport.RepoPaths;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * CertificatesValid and the expiry metric's labels also cover what kubeadm issued on the control-plane nodes, seen
 * from outside: the API server's serving certificate (TLS handshake) and each node's expiry its agent reported after a
 * renewal. A warning 30 days ahead names the certificate and the node and says how to renew it.
 */
class KubeadmCertificateWatchTest {
    private static final String DEMO = "sandbox-demo";
    private static final Instant NOW = Instant.parse("2027-11-20T10:00:00Z");
    private final Snapshot commit = Snapshots.fromDirectory(RepoPaths.repoRoot().resolve("repo-layout/example"));

    private Scope scope(Instant serving, Map<String, Instant> nodes) {
        DesiredRevision desired = DesiredRevision.of(commit);
        Scope s = new Scope(DEMO, desired, null, ClusterStatus.initial(DEMO), null);
        s.loaded = desired.config().cluster(DEMO).orElseThrow();
        s.servingCertificateExpiry = serving;
        List<CertificateRenewalNode> renewal = nodes.entrySet().stream().map(e -> new CertificateRenewalNode(e.getKey(),
                CertificateRenewalState.RENEWED, "r1", NOW.toString(), e.getValue().toString(), null)).toList();
        s.rollout = nodes.isEmpty() ? null : new RolloutStatus("housekeeper-system/nkd", null, null, null, null, null, List.of(),
                null, null, true, "nkd", Map.of(), null, null,
                new CertificateRenewalStatus("r1", CertificateRenewalPhase.COMPLETED, "done", renewal, NOW.toString()));
        return s;
    }

    @Test
    void aNodesCertificatesExpiringWithinThirtyDaysAreAWarningNamingTheNodeAndTheWayToRenew() {
        Scope s = scope(NOW.plus(Duration.ofDays(200)), Map.of("sandbox-demo-control-plane-1", NOW.plus(Duration.ofDays(12))));
        Condition c = StatusComputer.certificates(ClusterStatus.initial(DEMO), s, NOW).condition("CertificatesValid");
        assertEquals(Condition.Status.FALSE, c.status());
        assertEquals("CertificateExpiring", c.reason());
        assertTrue(c.message().contains("the kubeadm certificates of node sandbox-demo-control-plane-1 expire on "
                + NOW.plus(Duration.ofDays(12)) + " (12 days)"), c.message());
        assertTrue(c.message().contains("nkd certs renew sandbox-demo --state-dir DIR"), c.message());
        assertEquals(Map.of("apiserver-serving", NOW.plus(Duration.ofDays(200)),
                "node/sandbox-demo-control-plane-1", NOW.plus(Duration.ofDays(12))), StatusComputer.kubeadmCertificates(s),
                "the certificate labels of nkd_certificate_expiry_timestamp_seconds");
    }

    @Test
    void anExpiredServingCertificateIsCertificateExpired() {
        Scope s = scope(NOW.minus(Duration.ofDays(1)), Map.of());
        Condition c = StatusComputer.certificates(ClusterStatus.initial(DEMO), s, NOW).condition("CertificatesValid");
        assertEquals("CertificateExpired", c.reason());
        assertTrue(c.message().contains("the API server's serving certificate expired on " + NOW.minus(Duration.ofDays(1))),
                c.message());
    }

    @Test
    void farAwayIsValidAndNamesTheNextToExpire() {
        Scope s = scope(NOW.plus(Duration.ofDays(300)), Map.of("sandbox-demo-control-plane-1", NOW.plus(Duration.ofDays(100))));
        Condition c = StatusComputer.certificates(ClusterStatus.initial(DEMO), s, NOW).condition("CertificatesValid");
        assertEquals(Condition.Status.TRUE, c.status());
        assertTrue(c.message().startsWith("the next to expire is the kubeadm certificates of node sandbox-demo-control-plane-1"),
                c.message());
    }
}
