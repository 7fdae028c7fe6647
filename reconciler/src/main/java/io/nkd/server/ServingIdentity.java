package io.nkd.server;

import io.nkd.pki.Pem;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.List;
import java.util.Objects;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;

/**
 * What the Ignition server presents and what nodes must trust: the server's certificate chain (leaf
 * first) and key, and the CA certificates a pointer config carries. Either issued by nkd's
 * {@link ServingCa} or brought by the user ({@link #fromPem}). {@link #toString()} never shows the key.
 */
public record ServingIdentity(List<X509Certificate> chain, PrivateKey privateKey, List<X509Certificate> trustedCas) {

    public ServingIdentity {
        chain = List.copyOf(chain);
        trustedCas = List.copyOf(trustedCas);
        Objects.requireNonNull(privateKey, "privateKey");
        if (chain.isEmpty() || trustedCas.isEmpty()) {
            throw new IllegalArgumentException("a serving identity needs a certificate and a CA to trust");
        }
    }

    /** The server's own certificate. */
    public X509Certificate certificate() {
        return chain.get(0);
    }

    /** The CA certificates as one PEM bundle: what {@code ignition.security.tls.certificateAuthorities} carries. */
    public String caPem() {
        StringBuilder b = new StringBuilder();
        trustedCas.forEach(c -> b.append(Pem.encodeCertificate(c)));
        return b.toString();
    }

    /**
     * The user's own serving certificate instead of nkd's CA, from PEM files: the certificate (optionally
     * followed by intermediates), its unencrypted key, and the CA(s) nodes should trust. Checked like
     * {@link #fromPem}; messages name the files, never the key.
     */
    public static ServingIdentity fromPemFiles(Path certificate, Path privateKey, Path ca, SecureRandom random, Clock clock) {
        return fromPem(read(certificate), read(privateKey), read(ca), random, clock);
    }

    /**
     * A user-provided identity, checked so that a mistake fails at start rather than on every booting node:
     * the key belongs to the certificate, the certificate is valid now, may serve TLS (no extended key usage,
     * or serverAuth among them) and has subject alternative names (Ignition, written in Go, ignores the
     * common name), and the chain leads to one of the CAs.
     *
     * @param random signs a probe to prove that key and certificate belong together
     */
    public static ServingIdentity fromPem(String certificatePem, String privateKeyPem, String caPem, SecureRandom random,
                                          Clock clock) {
        List<X509Certificate> chain = Pem.decodeCertificates(certificatePem);
        PrivateKey key = Pem.decodePrivateKey(privateKeyPem);
        List<X509Certificate> cas = Pem.decodeCertificates(caPem);
        IdentityChecks.check(chain, key, cas, random, clock.instant());
        return new ServingIdentity(chain, key, cas);
    }

    /** A TLS context presenting this identity; handshakes draw from {@code random}. */
    SSLContext sslContext(SecureRandom random) {
        try {
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(new KeyManager[] {new FixedKeyManager(chain, privateKey)}, null, random);
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot set up TLS with the serving certificate "
                    + certificate().getSubjectX500Principal().getName() + ": " + e.getClass().getSimpleName());
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    @Override
    public String toString() {
        return "ServingIdentity[subject=" + certificate().getSubjectX500Principal().getName() + ", notAfter="
                + certificate().getNotAfter().toInstant() + ", cas=" + trustedCas.size() + ", privateKey=<redacted>]";
    }
}
