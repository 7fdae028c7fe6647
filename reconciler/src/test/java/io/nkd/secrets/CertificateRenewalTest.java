package io.nkd.secrets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nkd.config.ConfigLoader;
import io.nkd.config.LoadedCluster;
import io.nkd.git.Snapshots;
import io.nkd.pki.Authority;
import io.nkd.pki.ClusterPki;
import io.nkd.pki.Kubeconfig;
import io.nkd.state.ClusterState;
import io.nkd.state.LocalStateStore;
import io.nkd.testsupport.RepoPaths;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.SortedMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The certificates nkd keeps are renewed before they expire, from the same CAs, without touching anything else. */
class CertificateRenewalTest {
    private static final Instant GENERATED = Instant.parse("2026-01-01T00:00:00Z");

    @TempDir
    Path tmp;

    private static LoadedCluster lab() {
        return ConfigLoader.load(Snapshots.fromDirectory(RepoPaths.repoRoot().resolve("repo-layout/example")))
                .cluster("libvirt-lab").orElseThrow();
    }

    private ClusterSecrets at(LocalStateStore store, Instant now) {
        return new ClusterSecrets(store, new SecretResolver(tmp, java.util.Map.of()), new SecureRandom(), Clock.fixed(now, ZoneOffset.UTC));
    }

    @Test
    void dueCertificatesAreReissuedFromTheSameCasAndTheRestStaysByteForByte() throws Exception {
        LocalStateStore store = new LocalStateStore(tmp.resolve("state"));
        LoadedCluster lab = lab();
        at(store, GENERATED).ensure(lab);
        SortedMap<String, byte[]> before = ClusterSecrets.pkiFiles(store.view("libvirt-lab"));
        ClusterPki old = ClusterPki.fromFiles(before);
        Instant leafExpiry = old.admin().clientCertificate().getNotAfter().toInstant();
        assertEquals(365, Duration.between(GENERATED, leafExpiry).toDays(), "the example's leaves live a year (spec.pki default)");

        // two months before expiry: nothing is due
        try (ClusterState state = store.open("libvirt-lab")) {
            assertEquals(List.of(), at(store, leafExpiry.minus(Duration.ofDays(60))).renewExpiring(state, "libvirt-lab", lab.spec(),
                    ClusterSecrets.RENEW_BEFORE));
        }
        assertEquals(before.keySet(), ClusterSecrets.pkiFiles(store.view("libvirt-lab")).keySet());

        // three weeks before expiry: every leaf and both kubeconfigs are renewed
        Instant now = leafExpiry.minus(Duration.ofDays(21));
        List<ClusterSecrets.Renewal> renewed;
        try (ClusterState state = store.open("libvirt-lab")) {
            renewed = at(store, now).renewExpiring(state, "libvirt-lab", lab.spec(), ClusterSecrets.RENEW_BEFORE);
        }
        List<String> paths = renewed.stream().map(ClusterSecrets.Renewal::path).sorted().toList();
        assertTrue(paths.containsAll(List.of("admin.conf", "super-admin.conf", "pki/apiserver.crt", "pki/etcd/peer.crt",
                "pki/front-proxy-client.crt")), paths::toString);
        SortedMap<String, byte[]> after = ClusterSecrets.pkiFiles(store.view("libvirt-lab"));
        for (Authority a : Authority.values()) {
            assertArrayEquals(before.get(a.certPath()), after.get(a.certPath()), a.certPath() + " is kept");
            assertArrayEquals(before.get(a.keyPath()), after.get(a.keyPath()), a.keyPath() + " is kept");
        }
        assertArrayEquals(before.get(ClusterPki.SA_KEY), after.get(ClusterPki.SA_KEY), "service-account tokens stay valid");
        assertArrayEquals(before.get(ClusterPki.SA_PUB), after.get(ClusterPki.SA_PUB));

        Kubeconfig admin = ClusterPki.fromFiles(after).admin();
        assertEquals(now.plus(Duration.ofDays(365)), admin.clientCertificate().getNotAfter().toInstant());
        admin.clientCertificate().verify(old.ca(Authority.CLUSTER).certificate().getPublicKey()); // signed by the same CA
        assertEquals(old.admin().userName(), admin.userName());
        assertEquals(old.admin().server(), admin.server());
        assertEquals(old.admin().clientCertificate().getSubjectX500Principal(), admin.clientCertificate().getSubjectX500Principal(),
                "same user and group (kubeadm:cluster-admins)");
        assertFalse(old.admin().clientKey().equals(admin.clientKey()), "a renewal comes with a new key");
        assertNotEquals(new String(before.get("pki/apiserver.key")), new String(after.get("pki/apiserver.key")));
        assertEquals(renewed.stream().filter(r -> r.path().equals("admin.conf")).findFirst().orElseThrow().expired(), leafExpiry);

        // and a second pass right after has nothing left to do
        try (ClusterState state = store.open("libvirt-lab")) {
            assertEquals(List.of(), at(store, now).renewExpiring(state, "libvirt-lab", lab.spec(), ClusterSecrets.RENEW_BEFORE));
        }
    }

    @Test
    void aClusterWithoutPkiHasNothingToRenew() throws Exception {
        LocalStateStore store = new LocalStateStore(tmp.resolve("state"));
        try (ClusterState state = store.open("libvirt-lab")) {
            assertEquals(List.of(), at(store, GENERATED).renewExpiring(state, "libvirt-lab", lab().spec(), Duration.ofDays(1000)));
            assertTrue(ClusterSecrets.pkiFiles(state).isEmpty(), "renewal never generates a PKI");
        }
    }
}
