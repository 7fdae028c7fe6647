package io.nkd.pki;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nkd.pki.CertificateCheck.Finding;
import io.nkd.pki.CertificateCheck.Kind;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** {@code nkd certs list|check}: what is listed, and each kind of finding. */
class CertificateCheckTest {

    private static Clock at(Duration afterNow) {
        return Clock.fixed(PkiFixtures.NOW.plus(afterNow), ZoneOffset.UTC);
    }

    private static List<String> render(List<Finding> findings) {
        return findings.stream().map(Finding::toString).toList();
    }

    @Test
    void aFreshPkiHasNoFindings() {
        assertEquals(List.of(), new CertificateCheck(PkiFixtures.CLOCK).check(PkiFixtures.ecdsa().files()));
        assertEquals(List.of(), new CertificateCheck(PkiFixtures.CLOCK).check(PkiFixtures.rsa().files()));
    }

    @Test
    void leavesExpiringWithinThirtyDaysAreReportedCasAreNot() {
        List<Finding> findings = new CertificateCheck(at(Duration.ofDays(345))).check(PkiFixtures.ecdsa().files());
        assertEquals(Leaf.values().length + 2, findings.size(), render(findings)::toString);
        findings.forEach(f -> assertEquals(Kind.EXPIRING, f.kind()));
        assertEquals("pki/apiserver.crt: EXPIRING: expires on 2026-03-01T12:00:00Z, in 20 days",
                findings.stream().filter(f -> f.path().equals("pki/apiserver.crt")).findFirst().orElseThrow().toString());
        assertTrue(findings.stream().anyMatch(f -> f.path().equals("admin.conf")));
        assertEquals(List.of(), new CertificateCheck(at(Duration.ofDays(345)), 10).check(PkiFixtures.ecdsa().files()),
                "a 10-day threshold ignores them");
    }

    @Test
    void expiredAndNotYetValidAreReported() {
        List<Finding> expired = new CertificateCheck(at(Duration.ofDays(400))).check(PkiFixtures.ecdsa().files());
        assertEquals(Leaf.values().length + 2, expired.size());
        expired.forEach(f -> assertEquals(Kind.EXPIRED, f.kind()));
        List<Finding> early = new CertificateCheck(at(Duration.ofHours(-1))).check(PkiFixtures.ecdsa().files());
        assertEquals(Leaf.values().length + 2 + Authority.values().length, early.size());
        assertEquals("pki/ca.crt: NOT_YET_VALID: not valid before 2025-03-01T11:55:00Z (check the clock)",
                early.stream().filter(f -> f.path().equals("pki/ca.crt")).findFirst().orElseThrow().toString());
    }

    @Test
    void aLeafFromAnotherPkiIsNotSignedByTheExpectedCa() {
        Map<String, byte[]> files = new TreeMap<>(PkiFixtures.ecdsa().files());
        Map<String, byte[]> other = PkiFixtures.rsa().files();
        files.put("pki/apiserver.crt", other.get("pki/apiserver.crt"));
        files.put("pki/apiserver.key", other.get("pki/apiserver.key"));
        assertEquals(List.of("pki/apiserver.crt: WRONG_ISSUER: not signed by pki/ca.crt (issuer: CN=kubernetes)"),
                render(new CertificateCheck(PkiFixtures.CLOCK).check(files)));
        // swap only the certificate: the key no longer matches either
        files.put("pki/apiserver.key", PkiFixtures.ecdsa().files().get("pki/apiserver.key"));
        assertEquals(List.of("pki/apiserver.crt: WRONG_ISSUER: not signed by pki/ca.crt (issuer: CN=kubernetes)",
                "pki/apiserver.crt: KEY_MISMATCH: the private key in the .key file does not belong to this certificate"),
                render(new CertificateCheck(PkiFixtures.CLOCK).check(files)));
    }

    @Test
    void etcdLeafSignedByTheClusterCaIsCaught() {
        Map<String, byte[]> files = new TreeMap<>(PkiFixtures.ecdsa().files());
        files.put("pki/etcd/ca.crt", files.get("pki/ca.crt"));
        files.put("pki/etcd/ca.key", files.get("pki/ca.key"));
        List<Finding> findings = new CertificateCheck(PkiFixtures.CLOCK).check(files);
        assertEquals(List.of("pki/apiserver-etcd-client.crt", "pki/etcd/healthcheck-client.crt", "pki/etcd/peer.crt", "pki/etcd/server.crt"),
                findings.stream().map(Finding::path).toList());
        findings.forEach(f -> assertEquals(Kind.WRONG_ISSUER, f.kind()));
    }

    @Test
    void kubeconfigsAndServiceAccountKeysAreChecked() {
        Map<String, byte[]> files = new TreeMap<>(PkiFixtures.ecdsa().files());
        files.put("admin.conf", PkiFixtures.rsa().files().get("admin.conf"));
        files.put("pki/sa.pub", PkiFixtures.rsa().files().get("pki/sa.pub"));
        files.put("pki/ca.key", "-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n".getBytes(StandardCharsets.US_ASCII));
        assertEquals(List.of("admin.conf: WRONG_ISSUER: certificate-authority-data is not pki/ca.crt",
                "pki/ca.key: UNREADABLE: not a valid PEM private key (malformed block)",
                "pki/sa.key: KEY_MISMATCH: pki/sa.key does not belong to pki/sa.pub"),
                render(new CertificateCheck(PkiFixtures.CLOCK).check(files)));
    }

    @Test
    void listShowsEveryCertificateWithSansAndDaysLeft() {
        List<CertificateInfo> infos = CertificateInfo.list(PkiFixtures.ecdsa().files(), at(Duration.ofDays(65)));
        assertEquals(List.of("admin.conf", "pki/apiserver-etcd-client.crt", "pki/apiserver-kubelet-client.crt", "pki/apiserver.crt",
                "pki/ca.crt", "pki/etcd/ca.crt", "pki/etcd/healthcheck-client.crt", "pki/etcd/peer.crt", "pki/etcd/server.crt",
                "pki/front-proxy-ca.crt", "pki/front-proxy-client.crt", "super-admin.conf"),
                infos.stream().map(CertificateInfo::path).toList());
        CertificateInfo api = infos.get(3);
        assertEquals("CN=kube-apiserver", api.subject());
        assertEquals("CN=kubernetes", api.issuer());
        assertEquals(List.of("10.96.0.1", "192.168.10.11", "203.0.113.7", "2001:db8::7"), api.ipAddresses());
        assertEquals("k8s.example.com", api.dnsNames().get(5));
        assertEquals(300, api.daysLeft());
        assertEquals("ECDSA P-256", api.keyAlgorithm());
        assertEquals(false, api.ca());
        CertificateInfo admin = infos.get(0);
        assertEquals("CN=kubernetes-admin,O=kubeadm:cluster-admins", admin.subject());
        CertificateInfo etcdCa = infos.get(5);
        assertEquals(true, etcdCa.ca());
        assertEquals(3650 - 65, etcdCa.daysLeft());
        assertEquals("RSA 2048", CertificateInfo.list(PkiFixtures.rsa().files(), PkiFixtures.CLOCK).get(1).keyAlgorithm());
        assertEquals(-35, CertificateInfo.list(PkiFixtures.ecdsa().files(), at(Duration.ofDays(400))).get(3).daysLeft());
    }

    @Test
    void ipv6IsShownShort() {
        assertEquals("::1", CertificateInfo.shortIp("0:0:0:0:0:0:0:1"));
        assertEquals("2001:db8::7", CertificateInfo.shortIp("2001:DB8:0:0:0:0:0:7"));
        assertEquals("fd00:0:1::", CertificateInfo.shortIp("fd00:0:1:0:0:0:0:0"));
        assertEquals("2001:db8:0:1:1:1:1:1", CertificateInfo.shortIp("2001:db8:0:1:1:1:1:1"));
        assertEquals("1:0:0:2::3", CertificateInfo.shortIp("1:0:0:2:0:0:0:3"));
        assertEquals("10.0.0.1", CertificateInfo.shortIp("10.0.0.1"));
    }
}
