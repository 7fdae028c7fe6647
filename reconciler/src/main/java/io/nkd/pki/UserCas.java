package io.nkd.pki;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * CAs the user brings (a corporate intermediate, or a cluster's CAs carried over): each one given replaces
 * the CA nkd would generate, so certificates chain to it. Any subset of the three may be given.
 */
public record UserCas(SuppliedCa cluster, SuppliedCa frontProxy, SuppliedCa etcd) {

    /** A CA certificate and its unencrypted private key, both PEM. {@link #toString()} shows neither. */
    public record SuppliedCa(String certificatePem, String privateKeyPem) {
        public SuppliedCa {
            Objects.requireNonNull(certificatePem, "certificatePem");
            Objects.requireNonNull(privateKeyPem, "privateKeyPem");
        }

        @Override
        public String toString() {
            return "SuppliedCa[certificate, privateKey=<redacted>]";
        }
    }

    /** Generate all three CAs. */
    public static UserCas none() {
        return new UserCas(null, null, null);
    }

    /** These CAs with {@code authority}'s replaced by the given one. */
    public UserCas with(Authority authority, String certificatePem, String privateKeyPem) {
        SuppliedCa ca = new SuppliedCa(certificatePem, privateKeyPem);
        return switch (authority) {
            case CLUSTER -> new UserCas(ca, frontProxy, etcd);
            case FRONT_PROXY -> new UserCas(cluster, ca, etcd);
            case ETCD -> new UserCas(cluster, frontProxy, ca);
        };
    }

    public Optional<SuppliedCa> get(Authority authority) {
        return Optional.ofNullable(switch (authority) {
            case CLUSTER -> cluster;
            case FRONT_PROXY -> frontProxy;
            case ETCD -> etcd;
        });
    }

    /**
     * The supplied CA for {@code authority}, checked: it must parse, be a CA that may sign certificates, be
     * valid at {@code now}, and its key must belong to it. Messages name the CA and never quote the key.
     */
    Optional<CertKeyPair> load(Authority authority, Instant now) {
        Optional<SuppliedCa> supplied = get(authority);
        if (supplied.isEmpty()) {
            return Optional.empty();
        }
        String what = "user-supplied " + authority.label();
        X509Certificate cert;
        try {
            cert = Pem.decodeCertificate(supplied.get().certificatePem());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(what + ": " + e.getMessage(), e);
        }
        String subject = " (" + cert.getSubjectX500Principal().getName() + ")";
        if (cert.getBasicConstraints() < 0) {
            throw new IllegalArgumentException(what + subject + " is not a CA certificate: it lacks basicConstraints CA:TRUE;"
                    + " supply the CA itself, not a certificate it signed");
        }
        boolean[] keyUsage = cert.getKeyUsage();
        if (keyUsage != null && !keyUsage[5]) {
            throw new IllegalArgumentException(what + subject + " may not sign certificates: its keyUsage lacks keyCertSign");
        }
        if (now.isAfter(cert.getNotAfter().toInstant())) {
            throw new IllegalArgumentException(what + subject + " expired on " + cert.getNotAfter().toInstant());
        }
        PrivateKey key;
        try {
            key = Pem.decodePrivateKey(supplied.get().privateKeyPem());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(what + " private key: " + e.getMessage());
        }
        if (!Keys.matches(cert.getPublicKey(), key)) {
            throw new IllegalArgumentException(what + subject + ": the private key does not belong to this certificate");
        }
        return Optional.of(new CertKeyPair(cert, key));
    }
}
