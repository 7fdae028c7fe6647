package io.nkd.pki;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** kubeadm's file layout, which of it is secret, and reading a stored PKI back unchanged. */
class ClusterPkiFilesTest {
    private static final List<String> LAYOUT = List.of(
            "admin.conf",
            "pki/apiserver-etcd-client.crt", "pki/apiserver-etcd-client.key",
            "pki/apiserver-kubelet-client.crt", "pki/apiserver-kubelet-client.key",
            "pki/apiserver.crt", "pki/apiserver.key",
            "pki/ca.crt", "pki/ca.key",
            "pki/etcd/ca.crt", "pki/etcd/ca.key",
            "pki/etcd/healthcheck-client.crt", "pki/etcd/healthcheck-client.key",
            "pki/etcd/peer.crt", "pki/etcd/peer.key",
            "pki/etcd/server.crt", "pki/etcd/server.key",
            "pki/front-proxy-ca.crt", "pki/front-proxy-ca.key",
            "pki/front-proxy-client.crt", "pki/front-proxy-client.key",
            "pki/sa.key", "pki/sa.pub",
            "super-admin.conf");

    @Test
    void filesAreKubeadmsLayoutSorted() {
        assertEquals(LAYOUT, List.copyOf(PkiFixtures.ecdsa().files().keySet()));
    }

    @Test
    void keysAndKubeconfigsAreSecretCertificatesAndSaPubAreNot() {
        for (String path : LAYOUT) {
            boolean secret = path.endsWith(".key") || path.endsWith(".conf");
            assertEquals(secret, ClusterPki.isSecret(path), path);
        }
        assertFalse(ClusterPki.isSecret("pki/sa.pub"));
        assertTrue(ClusterPki.isSecret("pki/sa.key"));
        assertTrue(ClusterPki.isSecret("kubelet.conf"));
    }

    @Test
    void fromFilesRoundTripsByteForByte() {
        for (ClusterPki pki : List.of(PkiFixtures.ecdsa(), PkiFixtures.rsa())) {
            Map<String, byte[]> files = pki.files();
            ClusterPki back = ClusterPki.fromFiles(files);
            assertEquals(pki, back);
            Map<String, byte[]> again = back.files();
            assertEquals(files.keySet(), again.keySet());
            files.forEach((path, bytes) -> assertArrayEquals(bytes, again.get(path), path));
            assertEquals("prod", back.clusterName());
            assertEquals("https://k8s.example.com:6443", back.server());
        }
    }

    @Test
    void extraFilesAreIgnored() {
        Map<String, byte[]> files = new TreeMap<>(PkiFixtures.ecdsa().files());
        files.put("kubelet.conf", "whatever".getBytes(StandardCharsets.UTF_8));
        assertEquals(PkiFixtures.ecdsa(), ClusterPki.fromFiles(files));
    }

    @Test
    void aMissingFileIsNamed() {
        Map<String, byte[]> files = new TreeMap<>(PkiFixtures.ecdsa().files());
        files.remove("pki/etcd/peer.key");
        var e = assertThrows(PkiFileException.class, () -> ClusterPki.fromFiles(files));
        assertEquals("pki/etcd/peer.key", e.path());
        assertEquals("pki/etcd/peer.key: missing", e.getMessage());
    }

    @Test
    void anUnparsableFileIsNamedAndItsContentNotQuoted() {
        Map<String, byte[]> files = new TreeMap<>(PkiFixtures.ecdsa().files());
        String key = new String(files.get("pki/sa.key"), StandardCharsets.US_ASCII);
        String secretLine = key.lines().skip(2).findFirst().orElseThrow();
        files.put("pki/sa.key", key.replace(secretLine, secretLine.substring(0, 20) + "%%%%" + secretLine.substring(24))
                .getBytes(StandardCharsets.US_ASCII));
        var e = assertThrows(PkiFileException.class, () -> ClusterPki.fromFiles(files));
        assertEquals("pki/sa.key", e.path());
        assertTrue(e.getMessage().startsWith("pki/sa.key: "), e.getMessage());
        assertFalse(e.getMessage().contains(secretLine.substring(0, 20)), e.getMessage());

        Map<String, byte[]> badConf = new TreeMap<>(PkiFixtures.ecdsa().files());
        badConf.put("super-admin.conf", "kind: Config\napiVersion: v1\n".getBytes(StandardCharsets.UTF_8));
        var e2 = assertThrows(PkiFileException.class, () -> ClusterPki.fromFiles(badConf));
        assertEquals("super-admin.conf: the kubeconfig has no current-context", e2.getMessage());

        Map<String, byte[]> badCert = new TreeMap<>(PkiFixtures.ecdsa().files());
        badCert.put("pki/front-proxy-client.crt", new byte[] {1, 2, 3});
        assertEquals("pki/front-proxy-client.crt", assertThrows(PkiFileException.class, () -> ClusterPki.fromFiles(badCert)).path());
    }

    @Test
    void sharedControlPlaneFilesAreTheCasAndServiceAccountKeys() {
        ClusterPki pki = PkiFixtures.ecdsa();
        var shared = pki.sharedControlPlaneFiles();
        assertEquals(Set.of("pki/ca.crt", "pki/ca.key", "pki/front-proxy-ca.crt", "pki/front-proxy-ca.key",
                "pki/etcd/ca.crt", "pki/etcd/ca.key", "pki/sa.key", "pki/sa.pub"), shared.keySet());
        shared.forEach((path, bytes) -> assertArrayEquals(pki.files().get(path), bytes, path));
    }

    @Test
    void toStringShowsNoKey() {
        ClusterPki pki = PkiFixtures.ecdsa();
        String s = pki.toString() + pki.ca(Authority.CLUSTER) + pki.leaf(Leaf.APISERVER) + pki.admin();
        for (String path : LAYOUT) {
            if (path.endsWith(".key")) {
                String body = new String(pki.files().get(path), StandardCharsets.US_ASCII).lines().skip(1).findFirst().orElseThrow();
                assertFalse(s.contains(body.substring(0, 16)), path);
            }
        }
        assertTrue(pki.leaf(Leaf.APISERVER).toString().contains("privateKey=<redacted>"));
        assertTrue(pki.toString().startsWith("ClusterPki[cluster=prod, server=https://k8s.example.com:6443"), pki.toString());
    }
}
