package io.nkd.server;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;

/** The checks of a serving identity, each with a message that says what to fix (and never quotes a key). */
final class IdentityChecks {
    private static final String SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
    private static final byte[] PROBE = "nkd serving key probe".getBytes(StandardCharsets.US_ASCII);

    private IdentityChecks() {
    }

    static void check(List<X509Certificate> chain, PrivateKey key, List<X509Certificate> cas, SecureRandom random, Instant now) {
        X509Certificate leaf = chain.get(0);
        String subject = "the serving certificate (" + leaf.getSubjectX500Principal().getName() + ")";
        if (!belongs(leaf.getPublicKey(), key, random)) {
            throw new IllegalArgumentException("the private key does not belong to " + subject);
        }
        if (now.isAfter(leaf.getNotAfter().toInstant())) {
            throw new IllegalArgumentException(subject + " expired on " + leaf.getNotAfter().toInstant());
        }
        if (now.isBefore(leaf.getNotBefore().toInstant())) {
            throw new IllegalArgumentException(subject + " is not valid before " + leaf.getNotBefore().toInstant()
                    + " (check the clock)");
        }
        try {
            List<String> eku = leaf.getExtendedKeyUsage();
            if (eku != null && !eku.contains(SERVER_AUTH)) {
                throw new IllegalArgumentException(subject + " may not serve TLS: its extended key usage lacks serverAuth");
            }
            if (leaf.getSubjectAlternativeNames() == null || leaf.getSubjectAlternativeNames().isEmpty()) {
                throw new IllegalArgumentException(subject + " has no subject alternative names; Ignition checks only"
                        + " those: add the DNS names and IP addresses nodes use to reach nkd");
            }
        } catch (CertificateParsingException e) {
            throw new IllegalArgumentException(subject + " has malformed extensions");
        }
        for (int i = 0; i + 1 < chain.size(); i++) {
            if (!signedBy(chain.get(i), chain.get(i + 1))) {
                throw new IllegalArgumentException("certificate " + (i + 1) + " of the serving chain is not signed by certificate "
                        + (i + 2) + "; list the server certificate first, then each issuer in order");
            }
        }
        X509Certificate last = chain.get(chain.size() - 1);
        boolean anchored = cas.stream().anyMatch(ca -> ca.equals(last) || signedBy(last, ca));
        if (!anchored) {
            throw new IllegalArgumentException(subject + " does not chain to the given CA certificate(s); nodes would"
                    + " refuse it. Give the CA that issued it (" + last.getIssuerX500Principal().getName() + ")");
        }
    }

    private static boolean signedBy(X509Certificate cert, X509Certificate issuer) {
        try {
            cert.verify(issuer.getPublicKey());
            return cert.getIssuerX500Principal().equals(issuer.getSubjectX500Principal());
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    /** Signs a probe with the key and verifies it with the certificate's: works for RSA and ECDSA alike. */
    static boolean belongs(PublicKey publicKey, PrivateKey key, SecureRandom random) {
        String algorithm = switch (key.getAlgorithm()) {
            case "EC" -> "SHA256withECDSA";
            case "RSA" -> "SHA256withRSA";
            default -> throw new IllegalArgumentException("unsupported key type " + key.getAlgorithm() + "; use ECDSA or RSA");
        };
        if (!publicKey.getAlgorithm().equals(key.getAlgorithm())) {
            return false;
        }
        try {
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key, random);
            signer.update(PROBE);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(publicKey);
            verifier.update(PROBE);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }
}
