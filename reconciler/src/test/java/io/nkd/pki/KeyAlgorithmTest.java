package io.nkd.pki;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nkd.config.KeyAlgorithm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The one slow case: a single RSA-4096 key and certificate (a whole RSA-4096 PKI would take tens of seconds). */
class KeyAlgorithmTest {
    @TempDir
    Path dir;

    @Test
    void rsa4096LeafIsIssuedAndVerifies() throws Exception {
        PkiGenerator generator = PkiFixtures.generator(40);
        CertKeyPair ca = PkiFixtures.ecdsa().ca(Authority.CLUSTER);
        CertKeyPair leaf = generator.issue(ca, LeafProfile.client("nkd", List.of("nkd:controllers")), KeyAlgorithm.RSA_4096, Duration.ofDays(30));
        assertEquals(4096, ((RSAPublicKey) leaf.certificate().getPublicKey()).getModulus().bitLength());
        assertTrue(Keys.matches(leaf.certificate().getPublicKey(), leaf.privateKey()));

        Openssl openssl = new Openssl(dir);
        Files.writeString(dir.resolve("ca.crt"), Pem.encodeCertificate(ca.certificate()));
        Files.writeString(dir.resolve("leaf.crt"), Pem.encodeCertificate(leaf.certificate()));
        Files.writeString(dir.resolve("leaf.key"), Pem.encodePrivateKey(leaf.privateKey()));
        var verify = openssl.run("verify", "-x509_strict", "-attime", String.valueOf(PkiFixtures.NOW.getEpochSecond()),
                "-purpose", "sslclient", "-CAfile", "ca.crt", "leaf.crt");
        assertEquals("leaf.crt: OK", verify.output().strip());
        var check = openssl.run("rsa", "-check", "-noout", "-in", "leaf.key");
        assertEquals(0, check.exit(), check.output());
        assertTrue(openssl.run("x509", "-noout", "-text", "-in", "leaf.crt").output().contains("Public-Key: (4096 bit)"));
        assertTrue(openssl.run("x509", "-noout", "-ext", "keyUsage", "-in", "leaf.crt").output().contains("Digital Signature, Key Encipherment"));
    }
}
