package io.nkd.plan;

import static io.nkd.plan.PlanAssertions.assertContains;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import org.junit.jupiter.api.Test;

class RedactorTest {
    private static final String KEY = """
            -----BEGIN EC PRIVATE KEY-----
            MHcCAQEEIBkg4LVWM9nuwNSk3yByxZpYRTBnVJk5oOKyAB1v8D9ZoAoGCCqGSM49
            AwEHoUQDQgAE2sTx3MnsqLZ0V4rAmXsB9kYy1mJd1QU8mQb8fzM8ZxU=
            -----END EC PRIVATE KEY-----
            """;

    @Test
    void privateKeysAreWithheldAndCertificatesShownByFingerprint() {
        String cert = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUK\n-----END CERTIFICATE-----";
        String out = Redactor.redact("key:\n" + KEY + "cert:\n" + cert + "\n");
        assertEquals("key:\n<redacted: ec private key>\ncert:\n<certificate, sha256 " + Redactor.sha256(cert) + ">\n", out);
    }

    @Test
    void aKeyInsideJsonStringsIsFoundToo() {
        String json = "\"" + KEY.replace("\n", "\\n") + "\"";
        String out = Redactor.redact(json);
        assertFalse(out.contains("MHcCAQEE"), out);
        assertFalse(out.contains("-----BEGIN"), out);
    }

    @Test
    void aLonePemHeaderIsRemoved() {
        assertFalse(Redactor.redact("-----BEGIN RSA PRIVATE KEY-----\ncut off").contains("-----BEGIN"));
    }

    @Test
    void bootstrapTokensCertificateKeysPasswordHashesAndUrlPasswordsGo() {
        String out = Redactor.redact("""
                - token: "abcdef.0123456789abcdef"
                certificateKey: "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
                kubeadm join --certificate-key 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
                password_hash: $6$rounds=5000$saltsalt$abcdefghijklmnopqrstuvwxyzABCDEFGHIJ
                source: https://user:s3cret@example.com/config.ign
                """);
        assertFalse(out.contains("abcdef.0123456789abcdef"), out);
        assertFalse(out.contains("0123456789abcdef0123456789abcdef"), out);
        assertFalse(out.contains("saltsalt"), out);
        assertFalse(out.contains("s3cret"), out);
        assertContains(out, "certificateKey: \"<redacted: certificate key>\"");
        assertContains(out, "https://<redacted>@example.com/config.ign");
    }

    @Test
    void digestsPlaceholdersAndOrdinaryTextAreLeftAlone() {
        String text = """
                target="hub.oepkgs.net/nestos/nestos@sha256:9c1e7a5b3d2f0e8c6a4b2d0f9e7c5a3b1d9f8e6c4a2b0d8f6e4c2a0b9d7f5e3c"
                token: "<nkd-secret:bootstrap-token>"
                caCertHashes: ["sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"]
                server ntp1.example.com iburst
                echo "$1$2"
                """;
        assertEquals(text, Redactor.redact(text));
    }
}
