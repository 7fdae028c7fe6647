package io.nkd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.nkd.pki.AltNames;
import io.nkd.pki.CertKeyPair;
import io.nkd.pki.ExtendedKeyUsage;
import io.nkd.config.KeyAlgorithm;
import io.nkd.pki.LeafProfile;
import io.nkd.pki.PkiGenerator;
import io.nkd.pki.Pem;
import io.nkd.state.LocalStateStore;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.PrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.io.TempDir;

class ServingCaTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-03-01T12:00:00Z"), ZoneOffset.UTC);

    @TempDir
    Path tmp;

    /** A CA in its own store; the seed decides its key (the same seed and clock give the same CA). */
    private ServingCa ca(String dir) {
        return ServingCa.ensure(new LocalStateStore(tmp.resolve(dir)), ServerFixture.seeded(dir.hashCode()), CLOCK);
    }

    @Test
    void generatedOnceIntoTheStateStoreAndReused() throws Exception {
        ServingCa first = ca("state");
        ServingCa again = ServingCa.ensure(new LocalStateStore(tmp.resolve("state")), ServerFixture.seeded(99), Clock.systemUTC());
        assertEquals(first.certificate(), again.certificate());
        Path dir = tmp.resolve("state/clusters/" + ServingCa.STATE_CLUSTER);
        assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve(ServingCa.CERT_PATH))));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve(ServingCa.KEY_PATH))));
        assertEquals(first.certificatePem(), Files.readString(dir.resolve(ServingCa.CERT_PATH)));
    }

    @Test
    void theCaIsAnEcdsaP256CaThatSignsOnlyLeaves() {
        X509Certificate c = ca("state").certificate();
        assertEquals("CN=" + ServingCa.COMMON_NAME, c.getSubjectX500Principal().getName());
        assertEquals(0, c.getBasicConstraints(), "CA with path length 0");
        assertEquals(256, ((ECPublicKey) c.getPublicKey()).getParams().getOrder().bitLength());
        assertTrue(c.getKeyUsage()[5], "keyCertSign");
        assertEquals(CLOCK.instant().plus(ServingCa.CA_VALIDITY), c.getNotAfter().toInstant());
    }

    @Test
    void theServerCertificateNamesWhatNodesConnectTo() throws Exception {
        ServingCa ca = ca("state");
        InetSocketAddress listen = new InetSocketAddress(InetAddress.getByName("192.168.122.1"), 8443);
        AltNames names = ServingCa.serverNames(List.of("nkd.lab.example", "10.0.2.2"), listen);
        ServingIdentity id = ca.issueServerIdentity(names);
        X509Certificate leaf = id.certificate();
        List<String> sans = leaf.getSubjectAlternativeNames().stream().map(l -> l.get(1).toString()).toList();
        assertEquals(List.of("nkd.lab.example", "10.0.2.2", "192.168.122.1"), sans);
        assertEquals(List.of("1.3.6.1.5.5.7.3.1"), leaf.getExtendedKeyUsage());
        leaf.verify(ca.certificate().getPublicKey());
        assertEquals(List.of(ca.certificate()), id.trustedCas());
        assertEquals(ca.certificatePem(), id.caPem());
        assertTrue(leaf.getPublicKey() instanceof ECPublicKey);
    }

    @Test
    void aWildcardListenAddressIsNoName() {
        AltNames names = ServingCa.serverNames(List.of("nkd.example"), new InetSocketAddress(8443));
        assertEquals(List.of("nkd.example"), names.dnsNames());
        assertTrue(names.ipAddresses().isEmpty());
        ServingCa ca = ca("state");
        assertThrows(IllegalArgumentException.class,
                () -> ca.issueServerIdentity(ServingCa.serverNames(List.of(), new InetSocketAddress(8443))));
    }

    @Test
    void halfACaIsNeverReplaced() throws Exception {
        ca("state");
        Files.delete(tmp.resolve("state/clusters/" + ServingCa.STATE_CLUSTER + "/" + ServingCa.KEY_PATH));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> ca("state"));
        assertTrue(e.getMessage().contains("incomplete"), e.getMessage());
    }

    @Test
    void toStringsNeverShowKeys() {
        ServingCa ca = ca("state");
        ServingIdentity id = ca.issueServerIdentity(AltNames.parse(List.of("127.0.0.1")));
        String keyPem = Pem.encodePrivateKey(id.privateKey());
        String body = keyPem.lines().skip(1).findFirst().orElseThrow();
        assertFalse(id.toString().contains(body));
        assertTrue(id.toString().contains("<redacted>") && ca.toString().contains("<redacted>"));
    }

    @ParameterizedTest
    @EnumSource(value = KeyAlgorithm.class, names = {"ECDSA_P256", "RSA_2048"})
    void aUserProvidedCertificateIsCheckedAndServed(KeyAlgorithm algorithm) throws Exception {
        // the user's own CA and server certificate, made here with another serving CA's key
        ServingCa userCa = ca("user");
        PrivateKey userCaKey = Pem.decodePrivateKey(Files.readString(
                tmp.resolve("user/clusters/" + ServingCa.STATE_CLUSTER + "/" + ServingCa.KEY_PATH)));
        CertKeyPair issued = new PkiGenerator(ServerFixture.seeded(4), Clock.systemUTC()).issue(new CertKeyPair(userCa.certificate(), userCaKey),
                new LeafProfile("nkd.example", List.of(), AltNames.parse(List.of("127.0.0.1")), Set.of(ExtendedKeyUsage.SERVER_AUTH)),
                algorithm, Duration.ofDays(1));
        Path cert = Files.writeString(tmp.resolve("tls.crt"), Pem.encodeCertificate(issued.certificate()));
        Path key = Files.writeString(tmp.resolve("tls.key"), Pem.encodePrivateKey(issued.privateKey()));
        Path caFile = Files.writeString(tmp.resolve("ca.crt"), userCa.certificatePem());
        ServingIdentity id = ServingIdentity.fromPemFiles(cert, key, caFile, ServerFixture.seeded(1), Clock.systemUTC());
        assertEquals(userCa.certificatePem(), id.caPem(), "the pointer carries the user's CA");

        IgnitionContent content = new IgnitionContent();
        content.put(ServerFixture.CLUSTER, ServerFixture.rendered(ServerFixture.CLUSTER));
        NodeTokens tokens = new NodeTokens(new LocalStateStore(tmp.resolve("state")), ServerFixture.seeded(2), Clock.systemUTC());
        NodeToken t = tokens.issue(ServerFixture.CLUSTER, "workers", "lab-worker-1");
        ServerSettings settings = new ServerSettings(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                ServerSettings.defaultLimits().withShutdownGrace(Duration.ZERO), 1, 0);
        try (IgnitionServer server = IgnitionServer.start(settings, id, content, tokens, new SimpleMeterRegistry())) {
            var request = HttpRequest.newBuilder(PointerConfigs.url(server.baseUrl(),
                    content.current(ServerFixture.CLUSTER, ConfigKind.POOL, "workers").orElseThrow()))
                    .header("Authorization", "Bearer " + t.value()).build();
            var response = ServerFixture.client(Pem.decodeCertificates(userCa.certificatePem())).send(request,
                    HttpResponse.BodyHandlers.discarding());
            assertEquals(200, response.statusCode());
        }
    }

    @Test
    void userProvidedMistakesFailAtStart() {
        ServingCa userCa = ca("user");
        ServingCa otherCa = ca("other");
        ServingIdentity issued = userCa.issueServerIdentity(AltNames.parse(List.of("127.0.0.1")));
        ServingIdentity another = userCa.issueServerIdentity(AltNames.parse(List.of("127.0.0.1")));
        String cert = Pem.encodeCertificate(issued.certificate());
        String key = Pem.encodePrivateKey(issued.privateKey());

        var wrongKey = assertThrows(IllegalArgumentException.class, () -> ServingIdentity.fromPem(cert,
                Pem.encodePrivateKey(another.privateKey()), userCa.certificatePem(), ServerFixture.seeded(1), CLOCK));
        assertTrue(wrongKey.getMessage().contains("does not belong"), wrongKey.getMessage());
        assertFalse(wrongKey.getMessage().contains(Pem.encodePrivateKey(another.privateKey()).lines().skip(1).findFirst().orElseThrow()));

        var wrongCa = assertThrows(IllegalArgumentException.class,
                () -> ServingIdentity.fromPem(cert, key, otherCa.certificatePem(), ServerFixture.seeded(1), CLOCK));
        assertTrue(wrongCa.getMessage().contains("does not chain"), wrongCa.getMessage());

        Clock later = Clock.offset(CLOCK, ServingCa.SERVER_VALIDITY.plusDays(1));
        var expired = assertThrows(IllegalArgumentException.class,
                () -> ServingIdentity.fromPem(cert, key, userCa.certificatePem(), ServerFixture.seeded(1), later));
        assertTrue(expired.getMessage().contains("expired"), expired.getMessage());

        var caAsServer = assertThrows(IllegalArgumentException.class, () -> ServingIdentity.fromPem(userCa.certificatePem(),
                key, userCa.certificatePem(), ServerFixture.seeded(1), CLOCK));
        assertTrue(caAsServer.getMessage().contains("does not belong"), caAsServer.getMessage());
    }
}
