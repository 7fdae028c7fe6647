package io.nkd.pki;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** User-supplied CAs are used as given, and anything that cannot serve as one is refused with a clear message. */
class UserCasTest {
    @TempDir
    Path dir;

    private static String text(Map<String, byte[]> files, String path) {
        return new String(files.get(path), StandardCharsets.US_ASCII);
    }

    @Test
    void suppliedCaIsUsedAndEverythingChainsToIt() throws Exception {
        Map<String, byte[]> corp = PkiFixtures.ecdsa().files();
        UserCas cas = UserCas.none().with(Authority.ETCD, text(corp, "pki/etcd/ca.crt"), text(corp, "pki/etcd/ca.key"));
        ClusterPki pki = PkiFixtures.generator(11).generate(PkiFixtures.SPEC, cas);
        Map<String, byte[]> files = pki.files();
        assertArrayEquals(corp.get("pki/etcd/ca.crt"), files.get("pki/etcd/ca.crt"));
        assertArrayEquals(corp.get("pki/etcd/ca.key"), files.get("pki/etcd/ca.key"));
        assertNotEquals(PkiFixtures.ecdsa().leaf(Leaf.ETCD_SERVER), pki.leaf(Leaf.ETCD_SERVER));
        // the CAs not supplied are generated afresh
        assertFalse(java.util.Arrays.equals(corp.get("pki/ca.crt"), files.get("pki/ca.crt")));
        assertEquals(java.util.List.of(), new CertificateCheck(PkiFixtures.CLOCK).check(files));
    }

    @Test
    void opensslMadeRsaAndP384CasWork() throws Exception {
        Openssl openssl = new Openssl(dir);
        assertEquals(0, openssl.run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "corp.key", "-out", "corp.crt",
                "-subj", "/O=Example Corp/CN=corp-kubernetes-ca", "-days", "3650",
                "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign").exit());
        assertEquals(0, openssl.run("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-384", "-nodes",
                "-keyout", "etcd.key", "-out", "etcd.crt", "-subj", "/CN=corp-etcd-ca", "-days", "3650",
                "-addext", "keyUsage=critical,keyCertSign").exit());
        String corpCrt = Files.readString(dir.resolve("corp.crt"));
        UserCas cas = UserCas.none()
                .with(Authority.CLUSTER, corpCrt, Files.readString(dir.resolve("corp.key")))
                .with(Authority.ETCD, Files.readString(dir.resolve("etcd.crt")), Files.readString(dir.resolve("etcd.key")));
        // openssl dates its CAs from the wall clock: generate "now" so the chain is valid for openssl too
        Clock now = Clock.fixed(Instant.now(), ZoneOffset.UTC);
        ClusterPki pki = new PkiGenerator(PkiFixtures.seeded(12), now).generate(PkiFixtures.SPEC, cas);
        Map<String, byte[]> files = pki.files();
        assertEquals(corpCrt, text(files, "pki/ca.crt"), "the supplied certificate, byte for byte");
        PkiFixtures.write(dir, files);
        for (Leaf leaf : new Leaf[] {Leaf.APISERVER, Leaf.APISERVER_KUBELET_CLIENT, Leaf.ETCD_PEER, Leaf.APISERVER_ETCD_CLIENT}) {
            var r = openssl.run("verify", "-x509_strict", "-CAfile", leaf.authority().certPath(), leaf.certPath());
            assertEquals(0, r.exit(), leaf + ": " + r.output());
        }
        assertTrue(openssl.run("x509", "-noout", "-text", "-in", "pki/etcd/server.crt").output()
                .contains("Signature Algorithm: ecdsa-with-SHA384"), "a P-384 CA signs with SHA-384");
        assertEquals("CN=kube-apiserver", pki.leaf(Leaf.APISERVER).certificate().getSubjectX500Principal().getName());
        assertEquals("CN=corp-kubernetes-ca,O=Example Corp", pki.leaf(Leaf.APISERVER).certificate().getIssuerX500Principal().getName());
        assertEquals(java.util.List.of(), new CertificateCheck(now).check(files));
    }

    @Test
    void aLeafCertificateIsNotACa() {
        Map<String, byte[]> other = PkiFixtures.ecdsa().files();
        UserCas cas = UserCas.none().with(Authority.CLUSTER, text(other, "pki/apiserver.crt"), text(other, "pki/apiserver.key"));
        var e = assertThrows(IllegalArgumentException.class, () -> PkiFixtures.generator(13).generate(PkiFixtures.SPEC, cas));
        assertEquals("user-supplied cluster CA (pki/ca.crt) (CN=kube-apiserver) is not a CA certificate: it lacks basicConstraints "
                + "CA:TRUE; supply the CA itself, not a certificate it signed", e.getMessage());
    }

    @Test
    void aKeyOfAnotherCaIsRefusedWithoutShowingIt() {
        Map<String, byte[]> other = PkiFixtures.ecdsa().files();
        String wrongKey = text(other, "pki/front-proxy-ca.key");
        UserCas cas = UserCas.none().with(Authority.FRONT_PROXY, text(other, "pki/ca.crt"), wrongKey);
        var e = assertThrows(IllegalArgumentException.class, () -> PkiFixtures.generator(14).generate(PkiFixtures.SPEC, cas));
        assertEquals("user-supplied front-proxy CA (pki/front-proxy-ca.crt) (CN=kubernetes): the private key does not belong to this certificate",
                e.getMessage());
        assertFalse(cas.toString().contains(wrongKey.lines().skip(1).findFirst().orElseThrow()), cas.toString());
    }

    @Test
    void anExpiredCaIsRefused() {
        Clock past = Clock.fixed(Instant.parse("2020-01-01T00:00:00Z"), ZoneOffset.UTC);
        PkiSpec shortLived = PkiFixtures.SPEC.withValidity(Duration.ofDays(30), Duration.ofDays(10));
        Map<String, byte[]> old = new PkiGenerator(PkiFixtures.seeded(15), past).generate(shortLived).files();
        UserCas cas = UserCas.none().with(Authority.CLUSTER, text(old, "pki/ca.crt"), text(old, "pki/ca.key"));
        var e = assertThrows(IllegalArgumentException.class, () -> PkiFixtures.generator(16).generate(PkiFixtures.SPEC, cas));
        assertEquals("user-supplied cluster CA (pki/ca.crt) (CN=kubernetes) expired on 2020-01-31T00:00:00Z", e.getMessage());
    }

    @Test
    void aCaThatMayNotSignIsRefused() throws Exception {
        Openssl openssl = new Openssl(dir);
        assertEquals(0, openssl.run("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", "ca.key", "-out", "ca.crt", "-subj", "/CN=no-sign", "-days", "30",
                "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,digitalSignature").exit());
        UserCas cas = UserCas.none().with(Authority.CLUSTER, Files.readString(dir.resolve("ca.crt")), Files.readString(dir.resolve("ca.key")));
        var e = assertThrows(IllegalArgumentException.class,
                () -> new PkiGenerator(PkiFixtures.seeded(17), Clock.systemUTC()).generate(PkiFixtures.SPEC, cas));
        assertTrue(e.getMessage().endsWith("may not sign certificates: its keyUsage lacks keyCertSign"), e.getMessage());
    }

    @Test
    void unreadableInputIsNamedButNotQuoted() {
        Map<String, byte[]> other = PkiFixtures.ecdsa().files();
        String key = text(other, "pki/ca.key");
        String garbled = key.replace("MHcCAQEE", "MHcXXQEE");
        UserCas cas = UserCas.none().with(Authority.CLUSTER, text(other, "pki/ca.crt"), garbled);
        var e = assertThrows(IllegalArgumentException.class, () -> PkiFixtures.generator(18).generate(PkiFixtures.SPEC, cas));
        assertTrue(e.getMessage().startsWith("user-supplied cluster CA (pki/ca.crt) private key: "), e.getMessage());
        assertFalse(e.getMessage().contains("MHcXXQEE"), e.getMessage());

        UserCas noCert = UserCas.none().with(Authority.ETCD, "not a certificate", key);
        var e2 = assertThrows(IllegalArgumentException.class, () -> PkiFixtures.generator(18).generate(PkiFixtures.SPEC, noCert));
        assertEquals("user-supplied etcd CA (pki/etcd/ca.crt): no PEM CERTIFICATE block found", e2.getMessage());
    }
}
