package io.nkd.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.nkd.config.Infrastructure;
import io.nkd.config.Snapshot;
import io.nkd.git.Snapshots;
import io.nkd.pki.ClusterPki;
import io.nkd.secrets.ClusterSecrets;
import io.nkd.secrets.SecretResolver;
import io.nkd.state.LocalStateStore;
import io.nkd.status.Condition;
import io.nkd.testsupport.RepoPaths;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The reconcile renews the certificates nkd keeps before they expire, exports their expiry as a metric, and warns in
 * status about what it cannot renew itself (the CAs).
 */
class CertificateWatchTest {
    private static final String DEMO = "sandbox-demo";

    @TempDir
    Path tmp;

    /** The registry of the latest reconciler (one per process in nkd; one per simulated day here). */
    private SimpleMeterRegistry metrics;
    /** Held: Micrometer holds gauge targets weakly, and the reconciler holds them. */
    private ClusterReconciler reconciler;

    private ClusterReconciler reconcilerAt(LocalStateStore store, Instant now) {
        var provider = new ClusterReconcilerTest.FakeProvider();
        metrics = new SimpleMeterRegistry();
        Clock clock = Clock.fixed(now, ZoneOffset.UTC);
        Collaborators c = new Collaborators(new ClusterSecrets(store, new SecretResolver(tmp, Map.of()), new SecureRandom(), clock),
                (cluster, rendered) -> { }, new Collaborators.BootConfigs() {
                    @Override
                    public String pointer(io.nkd.state.ClusterState state, String pool, String node, String poolVersion, String nodeVersion) {
                        return "pointer;pool=" + poolVersion + ";node=" + nodeVersion;
                    }

                    @Override
                    public void revoke(io.nkd.state.ClusterState state, String node) {
                    }
                },
                infra -> infra.provider() == Infrastructure.ProviderType.SANDBOX ? Optional.of(provider) : Optional.empty());
        reconciler = new ClusterReconciler(store, c, clock, metrics);
        return reconciler;
    }

    /** The sandbox example with short lifetimes: CAs for 40 days, everything else for 20. */
    private static Snapshot shortLived() {
        Snapshot base = Snapshots.fromDirectory(RepoPaths.repoRoot().resolve("repo-layout/example"));
        TreeMap<String, byte[]> files = new TreeMap<>(base.files());
        String file = "clusters/" + DEMO + "/cluster.yaml";
        files.put(file, base.text(file).orElseThrow().replaceFirst("\nspec:\n", "\nspec:\n  pki:\n    caValidity: 960h\n    certificateValidity: 480h\n")
                .getBytes(StandardCharsets.UTF_8));
        return new Snapshot("a".repeat(40), files);
    }

    @Test
    void leavesAreRenewedAheadAndAnExpiringCaIsAWarningThatNamesIt() {
        LocalStateStore store = new LocalStateStore(tmp.resolve("state"));
        Instant t0 = Instant.parse("2026-03-01T00:00:00Z");
        var first = reconcilerAt(store, t0).reconcile(DEMO, DesiredRevision.of(shortLived()));
        Condition fresh = first.status().condition("CertificatesValid");
        assertTrue(fresh.isTrue(), fresh::toString);
        assertEquals("CertificatesValid", fresh.reason());
        byte[] admin = store.view(DEMO).read("kubernetes/" + ClusterPki.ADMIN_CONF).orElseThrow();
        Instant adminExpiry = ClusterPki.fromFiles(ClusterSecrets.pkiFiles(store.view(DEMO))).admin().clientCertificate().getNotAfter().toInstant();
        assertEquals((double) adminExpiry.getEpochSecond(), metrics.get("nkd_certificate_expiry_timestamp_seconds")
                .tag("cluster", DEMO).tag("certificate", ClusterPki.ADMIN_CONF).gauge().value());

        // 15 days later: the 20-day leaves are within a third of their life of expiry, so they are renewed; the CA
        // (40 days) expires within 30 days, which nkd cannot fix by itself: a warning naming it, the cluster still Ready
        Instant later = t0.plus(Duration.ofDays(15));
        var second = reconcilerAt(store, later).reconcile(DEMO, DesiredRevision.of(shortLived()));
        assertTrue(!java.util.Arrays.equals(admin, store.view(DEMO).read("kubernetes/" + ClusterPki.ADMIN_CONF).orElseThrow()),
                "admin.conf was renewed");
        Instant renewedExpiry = ClusterPki.fromFiles(ClusterSecrets.pkiFiles(store.view(DEMO))).admin().clientCertificate().getNotAfter().toInstant();
        assertEquals(later.plus(Duration.ofDays(20)), renewedExpiry);
        assertEquals((double) renewedExpiry.getEpochSecond(), metrics.get("nkd_certificate_expiry_timestamp_seconds")
                .tag("cluster", DEMO).tag("certificate", ClusterPki.ADMIN_CONF).gauge().value(), "the series moves forward");
        Condition warning = second.status().condition("CertificatesValid");
        assertEquals(Condition.Status.FALSE, warning.status());
        assertEquals("CertificateExpiring", warning.reason());
        assertTrue(warning.message().contains("pki/ca.crt expires on") && warning.message().contains("(25 days)")
                && warning.message().contains("plan a CA rotation"), warning.message());
        assertTrue(!warning.message().contains("admin.conf"), "renewed certificates are not reported: " + warning.message());
        assertTrue(second.status().condition("Ready").isTrue(), "a warning, not an outage: " + second.status().condition("Ready"));

        // after the CA's end: expired
        var third = reconcilerAt(store, t0.plus(Duration.ofDays(41))).reconcile(DEMO, DesiredRevision.of(shortLived()));
        Condition expired = third.status().condition("CertificatesValid");
        assertEquals("CertificateExpired", expired.reason());
        assertTrue(expired.message().contains("pki/ca.crt expired on"), expired.message());
    }
}
