package io.nkd.pki;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The generated PKI as the real openssl sees it: chains, kubeadm's SANs and usages, sound keys, the discovery hash. */
class OpensslVerificationTest {
    /** openssl checks validity against this instant (the fixed clock), not the wall clock. */
    private static final String AT = String.valueOf(PkiFixtures.NOW.getEpochSecond());

    @TempDir
    Path dir;

    static Stream<Arguments> pkis() {
        return Stream.of(Arguments.of("ECDSA", (Supplier<ClusterPki>) PkiFixtures::ecdsa),
                Arguments.of("RSA-2048", (Supplier<ClusterPki>) PkiFixtures::rsa));
    }

    private Openssl write(Supplier<ClusterPki> pki) {
        PkiFixtures.write(dir, pki.get().files());
        return new Openssl(dir);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("pkis")
    void everyLeafVerifiesAgainstItsCaStrictlyAndForItsPurpose(String name, Supplier<ClusterPki> pki) {
        Openssl openssl = write(pki);
        for (Leaf leaf : Leaf.values()) {
            for (String purpose : purposes(leaf)) {
                var r = openssl.run("verify", "-x509_strict", "-attime", AT, "-purpose", purpose,
                        "-CAfile", leaf.authority().certPath(), leaf.certPath());
                assertEquals(0, r.exit(), leaf + " " + purpose + ": " + r.output());
                assertEquals(leaf.certPath() + ": OK", r.output().strip());
            }
        }
        // and not against a CA of another tree: the three CAs are separate
        var wrong = openssl.run("verify", "-attime", AT, "-CAfile", "pki/ca.crt", "pki/front-proxy-client.crt");
        assertTrue(wrong.exit() != 0, wrong.output());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("pkis")
    void apiServerHasKubeadmsSans(String name, Supplier<ClusterPki> pki) {
        Openssl openssl = write(pki);
        assertEquals(List.of("DNS:cp-1", "DNS:kubernetes", "DNS:kubernetes.default", "DNS:kubernetes.default.svc",
                "DNS:kubernetes.default.svc.cluster.local", "DNS:k8s.example.com", "DNS:api.example.org",
                "IP Address:10.96.0.1", "IP Address:192.168.10.11", "IP Address:203.0.113.7", "IP Address:2001:DB8:0:0:0:0:0:7"),
                List.copyOf(sans(openssl, Leaf.APISERVER.certPath())));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("pkis")
    void etcdServerAndPeerHaveNodeAndLoopbackSans(String name, Supplier<ClusterPki> pki) {
        Openssl openssl = write(pki);
        Set<String> expected = new LinkedHashSet<>(List.of("DNS:cp-1", "DNS:localhost",
                "IP Address:192.168.10.11", "IP Address:127.0.0.1", "IP Address:0:0:0:0:0:0:0:1"));
        assertEquals(expected, sans(openssl, Leaf.ETCD_SERVER.certPath()));
        assertEquals(expected, sans(openssl, Leaf.ETCD_PEER.certPath()));
        assertEquals(Set.of(), sans(openssl, Leaf.APISERVER_ETCD_CLIENT.certPath()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("pkis")
    void subjectsAreKubeadms(String name, Supplier<ClusterPki> pki) {
        Openssl openssl = write(pki);
        assertEquals("subject=CN=kubernetes", subject(openssl, "pki/ca.crt"));
        assertEquals("subject=CN=front-proxy-ca", subject(openssl, "pki/front-proxy-ca.crt"));
        assertEquals("subject=CN=etcd-ca", subject(openssl, "pki/etcd/ca.crt"));
        assertEquals("subject=CN=kube-apiserver", subject(openssl, "pki/apiserver.crt"));
        assertEquals("subject=CN=kube-apiserver-kubelet-client,O=kubeadm:cluster-admins", subject(openssl, "pki/apiserver-kubelet-client.crt"));
        assertEquals("subject=CN=kube-apiserver-etcd-client", subject(openssl, "pki/apiserver-etcd-client.crt"));
        assertEquals("subject=CN=front-proxy-client", subject(openssl, "pki/front-proxy-client.crt"));
        assertEquals("subject=CN=cp-1", subject(openssl, "pki/etcd/server.crt"));
        assertEquals("subject=CN=cp-1", subject(openssl, "pki/etcd/peer.crt"));
        assertEquals("subject=CN=kube-etcd-healthcheck-client", subject(openssl, "pki/etcd/healthcheck-client.crt"));
        assertEquals("issuer=CN=front-proxy-ca", openssl.run("x509", "-noout", "-issuer", "-nameopt", "RFC2253",
                "-in", "pki/front-proxy-client.crt").output().strip());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("pkis")
    void keyUsagesAndExtendedKeyUsagesAreKubeadms(String name, Supplier<ClusterPki> pki) {
        Openssl openssl = write(pki);
        boolean rsa = name.startsWith("RSA");
        for (Leaf leaf : Leaf.values()) {
            String ext = openssl.run("x509", "-noout", "-ext", "basicConstraints,keyUsage,extendedKeyUsage", "-in", leaf.certPath()).output();
            assertTrue(ext.contains("X509v3 Basic Constraints: critical\n    CA:FALSE"), leaf + ": " + ext);
            String usage = rsa ? "Digital Signature, Key Encipherment" : "Digital Signature";
            assertTrue(ext.contains("X509v3 Key Usage: critical\n    " + usage + "\n"), leaf + ": " + ext);
            String eku = switch (leaf) {
                case APISERVER -> "TLS Web Server Authentication";
                case ETCD_SERVER, ETCD_PEER -> "TLS Web Server Authentication, TLS Web Client Authentication";
                default -> "TLS Web Client Authentication";
            };
            assertTrue(ext.contains("X509v3 Extended Key Usage: \n    " + eku + "\n"), leaf + ": " + ext);
            String ids = openssl.run("x509", "-noout", "-ext", "authorityKeyIdentifier", "-in", leaf.certPath()).output();
            String caSki = openssl.run("x509", "-noout", "-ext", "subjectKeyIdentifier", "-in", leaf.authority().certPath()).output();
            assertEquals(caSki.lines().skip(1).findFirst().orElseThrow().strip(), ids.lines().skip(1).findFirst().orElseThrow().strip(),
                    leaf + ": authority key id is the CA's subject key id");
        }
        for (Authority ca : Authority.values()) {
            String ext = openssl.run("x509", "-noout", "-ext", "basicConstraints,keyUsage,subjectKeyIdentifier", "-in", ca.certPath()).output();
            assertTrue(ext.contains("X509v3 Basic Constraints: critical\n    CA:TRUE"), ca + ": " + ext);
            assertTrue(ext.contains("X509v3 Key Usage: critical\n    Digital Signature, Certificate Sign, CRL Sign"), ca + ": " + ext);
            assertTrue(ext.contains("X509v3 Subject Key Identifier:"), ca + ": " + ext);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("pkis")
    void keysAreSoundAndBelongToTheirCertificates(String name, Supplier<ClusterPki> pki) throws Exception {
        Openssl openssl = write(pki);
        String typeCheck = name.startsWith("RSA") ? "rsa" : "ec";
        List<String> bases = Stream.concat(Arrays.stream(Authority.values()).map(Authority::baseName),
                Arrays.stream(Leaf.values()).map(Leaf::baseName)).toList();
        for (String base : bases) {
            String key = "pki/" + base + ".key";
            var check = openssl.run(typeCheck, "-check", "-noout", "-in", key);
            assertEquals(0, check.exit(), key + ": " + check.output());
            assertTrue(check.output().contains(typeCheck.equals("ec") ? "EC Key valid." : "RSA key ok"), check.output());
            var pkey = openssl.run("pkey", "-check", "-noout", "-in", key);
            assertEquals(0, pkey.exit(), key + ": " + pkey.output());
            String fromKey = openssl.run("pkey", "-pubout", "-in", key).output();
            String fromCert = openssl.run("x509", "-pubkey", "-noout", "-in", "pki/" + base + ".crt").output();
            assertEquals(fromCert, fromKey, base);
        }
        // sa.key is RSA even when the certificates are ECDSA (see KeyAlgorithm.serviceAccountAlgorithm)
        var sa = openssl.run("rsa", "-check", "-noout", "-in", "pki/sa.key");
        assertEquals(0, sa.exit(), sa.output());
        assertEquals(Files.readString(dir.resolve("pki/sa.pub")), openssl.run("pkey", "-pubout", "-in", "pki/sa.key").output());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("pkis")
    void discoveryHashIsKubeadmsRecipe(String name, Supplier<ClusterPki> pki) {
        Openssl openssl = write(pki);
        var r = openssl.shell("openssl x509 -pubkey -noout -in pki/ca.crt | openssl pkey -pubin -outform der | sha256sum");
        assertEquals(0, r.exit(), r.output());
        String hex = r.output().strip().split("\\s+")[0];
        assertEquals("sha256:" + hex, DiscoveryHash.of(pki.get().ca(Authority.CLUSTER).certificate()));
        assertEquals("sha256:" + hex, pki.get().discoveryHash());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("pkis")
    void datesFollowTheSpecWithKubeadmsBackdate(String name, Supplier<ClusterPki> pki) {
        Openssl openssl = write(pki);
        assertEquals("notBefore=Mar  1 11:55:00 2025 GMT\nnotAfter=Feb 27 12:00:00 2035 GMT",
                openssl.run("x509", "-noout", "-dates", "-in", "pki/etcd/ca.crt").output().strip());
        assertEquals("notBefore=Mar  1 11:55:00 2025 GMT\nnotAfter=Mar  1 12:00:00 2026 GMT",
                openssl.run("x509", "-noout", "-dates", "-in", "pki/apiserver.crt").output().strip());
    }

    private static List<String> purposes(Leaf leaf) {
        return switch (leaf) {
            case APISERVER -> List.of("sslserver");
            case ETCD_SERVER, ETCD_PEER -> List.of("sslserver", "sslclient");
            default -> List.of("sslclient");
        };
    }

    private static Set<String> sans(Openssl openssl, String cert) {
        var r = openssl.run("x509", "-noout", "-ext", "subjectAltName", "-in", cert);
        assertEquals(0, r.exit(), r.output());
        return r.output().lines().skip(1).flatMap(l -> Arrays.stream(l.split(",")))
                .map(String::strip).filter(s -> !s.isEmpty()).collect(Collectors.toCollection(LinkedHashSet::new));
    }

    private static String subject(Openssl openssl, String cert) {
        return openssl.run("x509", "-noout", "-subject", "-nameopt", "RFC2253", "-in", cert).output().strip();
    }
}
