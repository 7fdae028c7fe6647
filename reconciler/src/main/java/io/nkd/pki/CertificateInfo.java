package io.nkd.pki;

import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import javax.security.auth.x500.X500Principal;

/**
 * What {@code nkd certs list} shows for one certificate. Subjects and issuers are RFC 2253 strings
 * ({@code CN=kube-apiserver-kubelet-client,O=kubeadm:cluster-admins}); IPv6 SANs in RFC 5952 short form.
 *
 * @param path     where it is: a file path, or a kubeconfig's path for the client certificate it embeds
 * @param daysLeft whole days until it expires at the time asked; negative once expired
 */
public record CertificateInfo(String path, String subject, String issuer, List<String> dnsNames, List<String> ipAddresses,
        Instant notBefore, Instant notAfter, long daysLeft, String keyAlgorithm, boolean ca, BigInteger serial) {

    public CertificateInfo {
        dnsNames = List.copyOf(dnsNames);
        ipAddresses = List.copyOf(ipAddresses);
    }

    public static CertificateInfo of(String path, X509Certificate cert, Instant now) {
        List<String> dns = new ArrayList<>();
        List<String> ips = new ArrayList<>();
        try {
            Collection<List<?>> sans = cert.getSubjectAlternativeNames();
            for (List<?> san : sans == null ? List.<List<?>>of() : sans) {
                int type = (Integer) san.get(0);
                if (type == 2) {
                    dns.add((String) san.get(1));
                } else if (type == 7) {
                    ips.add(shortIp((String) san.get(1)));
                }
            }
        } catch (CertificateParsingException e) {
            dns.add("<unparsable subjectAltName>");
        }
        Instant notAfter = cert.getNotAfter().toInstant();
        long daysLeft = Math.floorDiv(Duration.between(now, notAfter).getSeconds(), 86_400L);
        return new CertificateInfo(path, cert.getSubjectX500Principal().getName(X500Principal.RFC2253),
                cert.getIssuerX500Principal().getName(X500Principal.RFC2253), dns, ips, cert.getNotBefore().toInstant(),
                notAfter, daysLeft, Keys.describe(cert.getPublicKey()), cert.getBasicConstraints() >= 0, cert.getSerialNumber());
    }

    /**
     * Every certificate in a kubeadm file set (e.g. {@link ClusterPki#files()}), sorted by path: each
     * {@code .crt} file, and the client certificate of each {@code .conf} kubeconfig. Files that do not parse
     * are left out; {@link CertificateCheck} reports them.
     */
    public static List<CertificateInfo> list(Map<String, byte[]> files, Clock clock) {
        Instant now = clock.instant();
        List<CertificateInfo> out = new ArrayList<>();
        new TreeMap<>(files).forEach((path, bytes) -> {
            try {
                if (path.endsWith(".crt")) {
                    out.add(of(path, Pem.decodeCertificate(new String(bytes, StandardCharsets.UTF_8)), now));
                } else if (path.endsWith(".conf")) {
                    out.add(of(path, Kubeconfig.parse(bytes).clientCertificate(), now));
                }
            } catch (IllegalArgumentException e) {
                // unreadable: reported by CertificateCheck
            }
        });
        return List.copyOf(out);
    }

    /** RFC 5952 text for IPv6 (the JDK writes 0:0:0:0:0:0:0:1 for ::1); IPv4 unchanged. */
    static String shortIp(String text) {
        InetAddress a = io.nkd.config.Cidr.parseAddress(text);
        byte[] b = a.getAddress();
        if (b.length == 4) {
            return a.getHostAddress();
        }
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) {
            groups[i] = ((b[2 * i] & 0xff) << 8) | (b[2 * i + 1] & 0xff);
        }
        int bestStart = -1;
        int bestLength = 1; // a single zero group is not shortened
        for (int i = 0; i < 8; ) {
            int j = i;
            while (j < 8 && groups[j] == 0) {
                j++;
            }
            if (j - i > bestLength) {
                bestStart = i;
                bestLength = j - i;
            }
            i = j == i ? i + 1 : j;
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                sb.append("::");
                i += bestLength - 1;
                continue;
            }
            if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
                sb.append(':');
            }
            sb.append(Integer.toHexString(groups[i]));
        }
        return sb.toString();
    }
}
