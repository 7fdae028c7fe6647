package io.nkd.pki;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Objects;

/** A certificate and its private key. {@link #toString()} names the certificate and never shows the key. */
public record CertKeyPair(X509Certificate certificate, PrivateKey privateKey) {

    public CertKeyPair {
        Objects.requireNonNull(certificate, "certificate");
        privateKey = Pem.canonical(Objects.requireNonNull(privateKey, "privateKey"));
    }

    public boolean isCa() {
        return certificate.getBasicConstraints() >= 0;
    }

    @Override
    public String toString() {
        return "CertKeyPair[subject=" + certificate.getSubjectX500Principal().getName()
                + ", notAfter=" + certificate.getNotAfter().toInstant() + ", privateKey=<redacted>]";
    }
}
