package io.nkd.pki;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * What {@code nkd certs check} reports about a kubeadm file set: certificates expired, not yet valid or
 * expiring soon, leaves not signed by the CA kubeadm's layout expects, kubeconfigs embedding another CA,
 * and private keys that do not belong to their certificate (or sa.key to sa.pub). Problems are findings,
 * never exceptions; files that are absent are not findings (a worker holds only some of them).
 */
public final class CertificateCheck {
    public static final int DEFAULT_WARN_DAYS = 30;

    public enum Kind { UNREADABLE, EXPIRED, NOT_YET_VALID, EXPIRING, WRONG_ISSUER, KEY_MISMATCH }

    /** One problem with the file at {@code path}. The message never contains key material. */
    public record Finding(Kind kind, String path, String message) {
        @Override
        public String toString() {
            return path + ": " + kind + ": " + message;
        }
    }

    private final Clock clock;
    private final int warnDays;

    public CertificateCheck(Clock clock) {
        this(clock, DEFAULT_WARN_DAYS);
    }

    /** Warns about certificates that expire within {@code warnDays} days. */
    public CertificateCheck(Clock clock, int warnDays) {
        this.clock = Objects.requireNonNull(clock, "clock");
        if (warnDays < 0) {
            throw new IllegalArgumentException("warnDays must not be negative");
        }
        this.warnDays = warnDays;
    }

    /** The findings for {@code files} (paths relative to /etc/kubernetes/), sorted by path; empty when all is well. */
    public List<Finding> check(Map<String, byte[]> files) {
        Instant now = clock.instant();
        List<Finding> findings = new ArrayList<>();
        Map<String, X509Certificate> certs = new TreeMap<>();
        Map<String, PrivateKey> keys = new HashMap<>();
        Map<String, Kubeconfig> kubeconfigs = new TreeMap<>();
        PublicKey[] saPub = new PublicKey[1];
        new TreeMap<>(files).forEach((path, bytes) -> {
            String text = new String(bytes, StandardCharsets.UTF_8);
            if (path.endsWith(".crt")) {
                parse(path, () -> Pem.decodeCertificate(text), findings).ifPresent(c -> certs.put(path, c));
            } else if (path.endsWith(".key")) {
                parse(path, () -> Pem.decodePrivateKey(text), findings).ifPresent(k -> keys.put(path, k));
            } else if (path.equals(ClusterPki.SA_PUB)) {
                parse(path, () -> Pem.decodePublicKey(text), findings).ifPresent(k -> saPub[0] = k);
            } else if (path.endsWith(".conf")) {
                parse(path, () -> Kubeconfig.parse(bytes), findings).ifPresent(k -> kubeconfigs.put(path, k));
            }
        });

        certs.forEach((path, cert) -> {
            validity(path, cert, now, findings);
            String caPath = expectedCaPath(path);
            if (caPath != null && certs.containsKey(caPath)) {
                issuer(path, cert, certs.get(caPath), caPath, findings);
            }
            PrivateKey key = keys.get(path.substring(0, path.length() - ".crt".length()) + ".key");
            if (key != null && !Keys.matches(cert.getPublicKey(), key)) {
                findings.add(new Finding(Kind.KEY_MISMATCH, path, "the private key in the .key file does not belong to this certificate"));
            }
        });
        kubeconfigs.forEach((path, kc) -> {
            validity(path, kc.clientCertificate(), now, findings);
            issuer(path, kc.clientCertificate(), kc.certificateAuthority(), "its certificate-authority-data", findings);
            X509Certificate clusterCa = certs.get(Authority.CLUSTER.certPath());
            if (clusterCa != null && !clusterCa.equals(kc.certificateAuthority())) {
                findings.add(new Finding(Kind.WRONG_ISSUER, path, "certificate-authority-data is not " + Authority.CLUSTER.certPath()));
            }
            if (!Keys.matches(kc.clientCertificate().getPublicKey(), kc.clientKey())) {
                findings.add(new Finding(Kind.KEY_MISMATCH, path, "client-key-data does not belong to client-certificate-data"));
            }
        });
        PrivateKey saKey = keys.get(ClusterPki.SA_KEY);
        if (saKey != null && saPub[0] != null && !Keys.matches(saPub[0], saKey)) {
            findings.add(new Finding(Kind.KEY_MISMATCH, ClusterPki.SA_KEY, ClusterPki.SA_KEY + " does not belong to " + ClusterPki.SA_PUB));
        }
        findings.sort(Comparator.comparing(Finding::path).thenComparing(Finding::kind));
        return List.copyOf(findings);
    }

    private void validity(String path, X509Certificate cert, Instant now, List<Finding> findings) {
        Instant notAfter = cert.getNotAfter().toInstant();
        Instant notBefore = cert.getNotBefore().toInstant();
        if (now.isAfter(notAfter)) {
            findings.add(new Finding(Kind.EXPIRED, path, "expired on " + notAfter));
        } else if (now.isBefore(notBefore)) {
            findings.add(new Finding(Kind.NOT_YET_VALID, path, "not valid before " + notBefore + " (check the clock)"));
        } else if (Duration.between(now, notAfter).compareTo(Duration.ofDays(warnDays)) < 0) {
            long days = Duration.between(now, notAfter).toDays();
            findings.add(new Finding(Kind.EXPIRING, path, "expires on " + notAfter + ", in " + days + (days == 1 ? " day" : " days")));
        }
    }

    private static void issuer(String path, X509Certificate cert, X509Certificate ca, String caName, List<Finding> findings) {
        boolean signed = cert.getIssuerX500Principal().equals(ca.getSubjectX500Principal());
        if (signed) {
            try {
                cert.verify(ca.getPublicKey());
            } catch (GeneralSecurityException e) {
                signed = false;
            }
        }
        if (!signed) {
            findings.add(new Finding(Kind.WRONG_ISSUER, path, "not signed by " + caName + " (issuer: "
                    + cert.getIssuerX500Principal().getName() + ")"));
        }
    }

    /** The CA file kubeadm's layout signs {@code certPath} with, or null for CAs and unknown files. */
    private static String expectedCaPath(String certPath) {
        for (Leaf leaf : Leaf.values()) {
            if (leaf.certPath().equals(certPath)) {
                return leaf.authority().certPath();
            }
        }
        return null;
    }

    private static <T> Optional<T> parse(String path, Supplier<T> parser, List<Finding> findings) {
        try {
            return Optional.of(parser.get());
        } catch (IllegalArgumentException e) {
            findings.add(new Finding(Kind.UNREADABLE, path, e.getMessage()));
            return Optional.empty();
        }
    }
}
