package io.nkd.pki;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.nkd.config.Endpoint;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.List;
import javax.security.auth.x500.X500Principal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** admin.conf and super-admin.conf as kubectl would read them, and the generic kubeconfig builder. */
class KubeconfigTest {
    private static final String AT = String.valueOf(PkiFixtures.NOW.getEpochSecond());

    @TempDir
    Path dir;

    @Test
    void adminConfIsKubeadmsConfigDocument() throws Exception {
        JsonNode doc = new YAMLMapper().readTree(PkiFixtures.ecdsa().files().get("admin.conf"));
        assertEquals("v1", doc.path("apiVersion").asText());
        assertEquals("Config", doc.path("kind").asText());
        assertEquals("kubernetes-admin@prod", doc.path("current-context").asText());
        assertEquals("prod", doc.path("clusters").get(0).path("name").asText());
        assertEquals("https://k8s.example.com:6443", doc.path("clusters").get(0).path("cluster").path("server").asText());
        JsonNode context = doc.path("contexts").get(0);
        assertEquals("kubernetes-admin@prod", context.path("name").asText());
        assertEquals("prod", context.path("context").path("cluster").asText());
        assertEquals("kubernetes-admin", context.path("context").path("user").asText());
        assertEquals("kubernetes-admin", doc.path("users").get(0).path("name").asText());

        X509Certificate client = embeddedCert(doc.path("users").get(0).path("user").path("client-certificate-data"));
        assertEquals(new X500Principal("CN=kubernetes-admin, O=kubeadm:cluster-admins"), client.getSubjectX500Principal());
        assertEquals(List.of(ExtendedKeyUsage.CLIENT_AUTH.oid()), client.getExtendedKeyUsage());
        X509Certificate ca = embeddedCert(doc.path("clusters").get(0).path("cluster").path("certificate-authority-data"));
        assertEquals(PkiFixtures.ecdsa().ca(Authority.CLUSTER).certificate(), ca);
        String key = new String(Base64.getDecoder().decode(doc.path("users").get(0).path("user").path("client-key-data").asText()),
                StandardCharsets.US_ASCII);
        assertTrue(Keys.matches(client.getPublicKey(), Pem.decodePrivateKey(key)));
    }

    @Test
    void superAdminConfIsInSystemMasters() throws Exception {
        JsonNode doc = new YAMLMapper().readTree(PkiFixtures.ecdsa().files().get("super-admin.conf"));
        assertEquals("kubernetes-super-admin@prod", doc.path("current-context").asText());
        assertEquals("kubernetes-super-admin", doc.path("users").get(0).path("name").asText());
        X509Certificate client = embeddedCert(doc.path("users").get(0).path("user").path("client-certificate-data"));
        assertEquals(new X500Principal("CN=kubernetes-super-admin, O=system:masters"), client.getSubjectX500Principal());
    }

    @Test
    void embeddedClientCertificatesVerifyAgainstTheClusterCaWithOpenssl() throws Exception {
        ClusterPki pki = PkiFixtures.rsa();
        Openssl openssl = new Openssl(dir);
        Files.writeString(dir.resolve("ca.crt"), Pem.encodeCertificate(pki.ca(Authority.CLUSTER).certificate()));
        for (String conf : List.of("admin.conf", "super-admin.conf")) {
            JsonNode doc = new YAMLMapper().readTree(pki.files().get(conf));
            Files.write(dir.resolve("client.crt"), Base64.getDecoder().decode(
                    doc.path("users").get(0).path("user").path("client-certificate-data").asText()));
            var r = openssl.run("verify", "-x509_strict", "-attime", AT, "-purpose", "sslclient", "-CAfile", "ca.crt", "client.crt");
            assertEquals(0, r.exit(), conf + ": " + r.output());
            assertEquals("client.crt: OK", r.output().strip());
        }
    }

    @Test
    void genericBuilderMakesAKubeconfigForNkdItself() {
        ClusterPki pki = PkiFixtures.ecdsa();
        PkiGenerator generator = PkiFixtures.generator(7);
        Kubeconfig nkd = generator.kubeconfig(PkiFixtures.SPEC, pki.ca(Authority.CLUSTER), "nkd", List.of("nkd:controllers"));
        assertEquals("nkd@prod", nkd.contextName());
        assertEquals(new X500Principal("CN=nkd, O=nkd:controllers"), nkd.clientCertificate().getSubjectX500Principal());
        Kubeconfig back = Kubeconfig.parse(nkd.toYaml());
        assertEquals(nkd, back);
        assertEquals(List.of(), new CertificateCheck(PkiFixtures.CLOCK).check(java.util.Map.of(
                "pki/ca.crt", pki.files().get("pki/ca.crt"), "nkd.conf", nkd.toYaml())));
    }

    @Test
    void ipv6EndpointIsBracketedInTheServerUrl() throws Exception {
        PkiSpec spec = PkiSpec.of("lab", Endpoint.parse("[fd00::10]:6443"), "cp-1", "fd00::11", "fd00:10:96::/112");
        ClusterPki pki = PkiFixtures.generator(3).generate(spec);
        assertEquals("https://[fd00::10]:6443", pki.server());
        assertEquals("https://[fd00::10]:6443", new YAMLMapper().readTree(pki.files().get("admin.conf"))
                .path("clusters").get(0).path("cluster").path("server").asText());
        assertEquals("https://[fd00::10]:6443", Kubeconfig.parse(pki.files().get("admin.conf")).server());
    }

    @Test
    void toStringAndParseErrorsNeverShowTheKey() {
        Kubeconfig admin = PkiFixtures.ecdsa().admin();
        String yaml = new String(admin.toYaml(), StandardCharsets.UTF_8);
        String keyData = yaml.lines().filter(l -> l.contains("client-key-data")).findFirst().orElseThrow().split(": ")[1];
        assertFalse(admin.toString().contains(keyData.substring(0, 40)));
        assertTrue(admin.toString().contains("<redacted>"));

        // a broken key inside the kubeconfig: the message names the problem, not the data
        String broken = yaml.replace(keyData, keyData.substring(0, 30) + "!!!" + keyData.substring(30));
        var e = assertThrows(IllegalArgumentException.class, () -> Kubeconfig.parse(broken.getBytes(StandardCharsets.UTF_8)));
        assertFalse(e.getMessage().contains(keyData.substring(0, 20)), e.getMessage());
        var notYaml = assertThrows(IllegalArgumentException.class,
                () -> Kubeconfig.parse(("users: [\n  client-key-data: " + keyData).getBytes(StandardCharsets.UTF_8)));
        assertFalse(notYaml.getMessage().contains(keyData.substring(0, 20)), notYaml.getMessage());
    }

    private static X509Certificate embeddedCert(JsonNode base64) {
        return Pem.decodeCertificate(new String(Base64.getDecoder().decode(base64.asText()), StandardCharsets.US_ASCII));
    }
}
