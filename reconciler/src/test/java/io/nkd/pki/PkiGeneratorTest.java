package io.nkd.pki;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nkd.config.KeyAlgorithm;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Validity periods, serials, key types and determinism of the generator. */
class PkiGeneratorTest {
    private static final Instant NOT_BEFORE = PkiFixtures.NOW.minus(Duration.ofMinutes(5));

    @Test
    void defaultValidityIsKubeadmsWithAFiveMinuteBackdate() {
        ClusterPki pki = PkiFixtures.ecdsa();
        for (Authority a : Authority.values()) {
            X509Certificate c = pki.ca(a).certificate();
            assertEquals(NOT_BEFORE, c.getNotBefore().toInstant(), a.name());
            assertEquals(PkiFixtures.NOW.plus(Duration.ofDays(3650)), c.getNotAfter().toInstant(), a.name());
        }
        List<X509Certificate> leaves = new java.util.ArrayList<>(leafCerts(pki));
        leaves.add(pki.admin().clientCertificate());
        leaves.add(pki.superAdmin().clientCertificate());
        for (X509Certificate c : leaves) {
            assertEquals(NOT_BEFORE, c.getNotBefore().toInstant());
            assertEquals(PkiFixtures.NOW.plus(Duration.ofDays(365)), c.getNotAfter().toInstant(), c.getSubjectX500Principal().getName());
        }
    }

    @Test
    void customValidityIsFollowedAndNoLeafOutlivesItsCa() {
        PkiSpec spec = PkiFixtures.SPEC.withValidity(Duration.ofDays(100), Duration.ofDays(30));
        ClusterPki pki = PkiFixtures.generator(21).generate(spec);
        assertEquals(PkiFixtures.NOW.plus(Duration.ofDays(100)), pki.ca(Authority.ETCD).certificate().getNotAfter().toInstant());
        leafCerts(pki).forEach(c -> assertEquals(PkiFixtures.NOW.plus(Duration.ofDays(30)), c.getNotAfter().toInstant()));

        PkiSpec longLeaves = PkiFixtures.SPEC.withValidity(Duration.ofDays(60), Duration.ofDays(365));
        ClusterPki capped = PkiFixtures.generator(22).generate(longLeaves);
        leafCerts(capped).forEach(c -> assertEquals(PkiFixtures.NOW.plus(Duration.ofDays(60)), c.getNotAfter().toInstant()));
    }

    @Test
    void serialsArePositiveLargeAndDistinct() {
        Set<BigInteger> serials = new HashSet<>();
        for (ClusterPki pki : List.of(PkiFixtures.ecdsa(), PkiFixtures.rsa())) {
            Stream.concat(leafCerts(pki).stream(), Stream.of(pki.admin().clientCertificate(), pki.superAdmin().clientCertificate()))
                    .forEach(c -> serials.add(c.getSerialNumber()));
            for (Authority a : Authority.values()) {
                serials.add(pki.ca(a).certificate().getSerialNumber());
            }
        }
        assertEquals(2 * (Leaf.values().length + 2 + Authority.values().length), serials.size());
        serials.forEach(s -> assertTrue(s.signum() > 0 && s.bitLength() >= 63 && s.bitLength() <= 159, s.toString(16)));
    }

    @Test
    void keyAlgorithmIsFollowedAndServiceAccountKeyIsRsa() {
        ClusterPki ec = PkiFixtures.ecdsa();
        assertTrue(ec.leaf(Leaf.APISERVER).certificate().getPublicKey() instanceof ECPublicKey);
        assertTrue(ec.admin().clientCertificate().getPublicKey() instanceof ECPublicKey);
        assertEquals("RSA 2048", Keys.describe(ec.serviceAccountPublicKey()));
        ClusterPki rsa = PkiFixtures.rsa();
        for (X509Certificate c : leafCerts(rsa)) {
            assertEquals(2048, ((RSAPublicKey) c.getPublicKey()).getModulus().bitLength());
        }
        assertEquals("SHA256withRSA", rsa.leaf(Leaf.ETCD_PEER).certificate().getSigAlgName());
        assertEquals("SHA256withECDSA", ec.leaf(Leaf.ETCD_PEER).certificate().getSigAlgName());
        assertEquals(KeyAlgorithm.RSA_3072, KeyAlgorithm.RSA_3072.serviceAccountAlgorithm());
        assertEquals(KeyAlgorithm.RSA_2048, KeyAlgorithm.ECDSA_P256.serviceAccountAlgorithm());
    }

    @Test
    void sameSeedAndClockGiveTheSamePkiByteForByte() {
        Map<String, byte[]> a = PkiFixtures.generator(1).generate(PkiFixtures.SPEC).files();
        Map<String, byte[]> b = PkiFixtures.ecdsa().files();
        a.forEach((path, bytes) -> assertArrayEquals(bytes, b.get(path), path));
        Map<String, byte[]> other = PkiFixtures.generator(99).generate(PkiFixtures.SPEC).files();
        assertFalse(java.util.Arrays.equals(a.get("pki/ca.key"), other.get("pki/ca.key")));
    }

    @Test
    void clusterCaCarriesItsNameAsDnsSanLikeKubeadm() throws Exception {
        X509Certificate ca = PkiFixtures.ecdsa().ca(Authority.CLUSTER).certificate();
        assertEquals(List.of(List.of(2, "kubernetes")), List.copyOf(ca.getSubjectAlternativeNames()));
        assertEquals(Integer.MAX_VALUE, ca.getBasicConstraints(), "CA without a path length limit");
    }

    @Test
    void filesAreAsciiPemWithLfOnly() {
        PkiFixtures.ecdsa().files().forEach((path, bytes) -> {
            String s = new String(bytes, StandardCharsets.UTF_8);
            assertFalse(s.contains("\r"), path);
            assertTrue(s.endsWith("\n"), path);
        });
        assertTrue(new String(PkiFixtures.ecdsa().files().get("pki/ca.key"), StandardCharsets.US_ASCII).startsWith("-----BEGIN EC PRIVATE KEY-----\n"));
        assertTrue(new String(PkiFixtures.rsa().files().get("pki/ca.key"), StandardCharsets.US_ASCII).startsWith("-----BEGIN RSA PRIVATE KEY-----\n"));
        assertTrue(new String(PkiFixtures.rsa().files().get("pki/sa.pub"), StandardCharsets.US_ASCII).startsWith("-----BEGIN PUBLIC KEY-----\n"));
    }

    static List<X509Certificate> leafCerts(ClusterPki pki) {
        Map<Leaf, CertKeyPair> leaves = new TreeMap<>(pki.leaves());
        return leaves.values().stream().map(CertKeyPair::certificate).toList();
    }
}
