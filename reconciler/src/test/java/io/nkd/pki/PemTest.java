package io.nkd.pki;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.PublicKey;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** PEM in every form openssl and kubeadm write keys, and what kubeadm writes back. */
class PemTest {
    @TempDir
    Path dir;

    @Test
    void readsOpensslKeysInEveryFormAndWritesKubeadmsForm() throws Exception {
        Openssl openssl = new Openssl(dir);
        String[][] keys = {
                {"ec-pkcs8.key", "genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ec-pkcs8.key", "EC PRIVATE KEY"},
                {"ec-sec1.key", "ecparam -name prime256v1 -genkey -out ec-sec1.key", "EC PRIVATE KEY"},
                {"rsa-pkcs1.key", "genrsa -traditional -out rsa-pkcs1.key 2048", "RSA PRIVATE KEY"},
                {"rsa-pkcs8.key", "genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out rsa-pkcs8.key", "RSA PRIVATE KEY"},
        };
        for (String[] k : keys) {
            var gen = openssl.run(k[1].split(" "));
            assertEquals(0, gen.exit(), gen.output());
            PrivateKey key = Pem.decodePrivateKey(Files.readString(dir.resolve(k[0])));
            String written = Pem.encodePrivateKey(key);
            assertTrue(written.startsWith("-----BEGIN " + k[2] + "-----\n"), written.lines().findFirst().orElseThrow());
            Files.writeString(dir.resolve("out-" + k[0]), written);
            var check = openssl.run("pkey", "-check", "-noout", "-in", "out-" + k[0]);
            assertEquals(0, check.exit(), k[0] + ": " + check.output());
            assertEquals(openssl.run("pkey", "-pubout", "-in", k[0]).output(), openssl.run("pkey", "-pubout", "-in", "out-" + k[0]).output(), k[0]);
            assertEquals(openssl.run("pkey", "-pubout", "-in", k[0]).output(), Pem.encodePublicKey(Keys.publicKeyOf(key)), k[0]);
            assertEquals(written, Pem.encodePrivateKey(Pem.decodePrivateKey(written)), "stable encoding");
        }
    }

    @Test
    void readsPublicKeysInPkixAndPkcs1Form() throws Exception {
        Openssl openssl = new Openssl(dir);
        Files.write(dir.resolve("sa.key"), PkiFixtures.rsa().files().get("pki/sa.key"));
        assertEquals(0, openssl.run("rsa", "-in", "sa.key", "-RSAPublicKey_out", "-out", "sa-pkcs1.pub").exit());
        PublicKey pkcs1 = Pem.decodePublicKey(Files.readString(dir.resolve("sa-pkcs1.pub")));
        assertEquals(PkiFixtures.rsa().serviceAccountPublicKey(), pkcs1);
        assertTrue(Keys.matches(pkcs1, PkiFixtures.rsa().serviceAccountKey()));
    }

    @Test
    void refusesEncryptedAndUnsupportedKeysWithoutQuotingThem() throws Exception {
        Openssl openssl = new Openssl(dir);
        assertEquals(0, openssl.run("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-aes256",
                "-pass", "pass:nkd-test", "-out", "enc.key").exit());
        assertEquals(0, openssl.run("genpkey", "-algorithm", "ED25519", "-out", "ed.key").exit());
        assertEquals("the private key is encrypted; nkd needs it unencrypted",
                assertThrows(IllegalArgumentException.class, () -> Pem.decodePrivateKey(Files.readString(dir.resolve("enc.key")))).getMessage());
        String ed = Files.readString(dir.resolve("ed.key"));
        var e = assertThrows(IllegalArgumentException.class, () -> Pem.decodePrivateKey(ed));
        assertEquals("not a valid RSA or ECDSA private key", e.getMessage());
        assertEquals("no PEM private key found (expected PRIVATE KEY, EC PRIVATE KEY or RSA PRIVATE KEY)",
                assertThrows(IllegalArgumentException.class, () -> Pem.decodePrivateKey("hello")).getMessage());
        assertFalse(e.getMessage().contains(ed.lines().skip(1).findFirst().orElseThrow()));
    }

    @Test
    void certificateBundlesKeepTheirOrder() {
        ClusterPki pki = PkiFixtures.ecdsa();
        String bundle = Pem.encodeCertificate(pki.leaf(Leaf.APISERVER).certificate()) + Pem.encodeCertificate(pki.ca(Authority.CLUSTER).certificate());
        assertEquals(2, Pem.decodeCertificates(bundle).size());
        assertEquals(pki.leaf(Leaf.APISERVER).certificate(), Pem.decodeCertificate(bundle));
        assertEquals("no PEM CERTIFICATE block found", assertThrows(IllegalArgumentException.class, () -> Pem.decodeCertificate("")).getMessage());
    }
}
