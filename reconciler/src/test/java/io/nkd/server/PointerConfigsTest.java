package io.nkd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nkd.ignition.spec.IgnitionVersion;
import io.nkd.ignition.validate.IgnitionValidator;
import io.nkd.pki.AltNames;
import io.nkd.pki.Pem;
import io.nkd.state.LocalStateStore;
import io.nkd.testsupport.IgnitionTools;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Pointer configs without a server: shape, determinism, spec versions, validity (nkd's and the real validator's). */
class PointerConfigsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String C = ServerFixture.CLUSTER;
    private static final URI BASE = URI.create("https://nkd.lab.example:8443");

    @TempDir
    Path tmp;
    private IgnitionContent content;
    private NodeTokens tokens;
    private ServingCa ca;
    private PointerConfigs.Target target;

    @BeforeEach
    void setUp() {
        Clock clock = Clock.fixed(Instant.parse("2026-03-01T12:00:00Z"), ZoneOffset.UTC);
        LocalStateStore store = new LocalStateStore(tmp.resolve("state"));
        content = new IgnitionContent();
        content.put(C, ServerFixture.rendered(C));
        tokens = new NodeTokens(store, ServerFixture.seeded(1), clock);
        ca = ServingCa.ensure(store, ServerFixture.seeded(2), clock);
        target = new PointerConfigs.Target(BASE, ca.certificatePem());
    }

    @Test
    void mergesPoolThenOverlayWithTokenHashAndTheServingCa() throws Exception {
        NodeToken t = tokens.issue(C, "workers", "lab-worker-1");
        JsonNode p = JSON.readTree(PointerConfigs.pointer(target, content, t));
        ServedConfig pool = content.current(C, ConfigKind.POOL, "workers").orElseThrow();
        ServedConfig node = content.current(C, ConfigKind.NODE, "lab-worker-1").orElseThrow();

        assertEquals("3.3.0", p.at("/ignition/version").asText(), "the default spec");
        JsonNode merge = p.at("/ignition/config/merge");
        assertEquals(2, merge.size());
        assertEquals(BASE + "/ignition/v1/libvirt-lab/pools/" + pool.version(), merge.get(0).get("source").asText());
        assertEquals(BASE + "/ignition/v1/libvirt-lab/nodes/" + node.version(), merge.get(1).get("source").asText());
        for (JsonNode ref : merge) {
            assertEquals("Authorization", ref.at("/httpHeaders/0/name").asText());
            assertEquals("Bearer " + t.value(), ref.at("/httpHeaders/0/value").asText());
        }
        assertEquals(pool.sha512(), merge.get(0).at("/verification/hash").asText());
        assertEquals(node.sha512(), merge.get(1).at("/verification/hash").asText());
        String caUrl = p.at("/ignition/security/tls/certificateAuthorities/0/source").asText();
        assertTrue(caUrl.startsWith("data:;base64,"));
        assertEquals(ca.certificatePem(), new String(Base64.getDecoder().decode(caUrl.substring("data:;base64,".length())),
                StandardCharsets.US_ASCII));
        assertTrue(p.at("/ignition/timeouts").isMissingNode(), "Ignition's default: retry while nkd is unreachable");
    }

    @Test
    void deterministic() {
        NodeToken t = tokens.issue(C, "workers", "lab-worker-1");
        assertEquals(PointerConfigs.pointer(target, content, t), PointerConfigs.pointer(target, content, t));
        String pem = ca.certificatePem().replace("\n", "\r\n") + "\n\n";
        assertEquals(PointerConfigs.pointer(target, content, t),
                PointerConfigs.pointer(new PointerConfigs.Target(URI.create(BASE + "/"), pem), content, t),
                "CA whitespace and a trailing slash make no difference");
    }

    @Test
    void theSpecVersionIsTheCallers() throws Exception {
        NodeToken t = tokens.issue(C, "workers", "lab-worker-1");
        for (IgnitionVersion v : IgnitionVersion.values()) {
            if (v.before(PointerConfigs.MIN_SPEC)) {
                assertThrows(IllegalArgumentException.class, () -> PointerConfigs.Options.defaults().withSpec(v), "no httpHeaders in " + v);
                continue;
            }
            JsonNode p = JSON.readTree(PointerConfigs.pointer(target, content, t, PointerConfigs.Options.defaults().withSpec(v)
                    .withHttpTotal(Duration.ofSeconds(30))));
            assertEquals(v.text(), p.at("/ignition/version").asText());
            assertEquals(30, p.at("/ignition/timeouts/httpTotal").asInt());
            var report = IgnitionValidator.validate(p, v);
            assertFalse(report.hasErrors(), v + ": " + report);
        }
    }

    @Test
    void theRealIgnitionValidateAcceptsIt() throws Exception {
        IgnitionTools.assumeIgnitionValidate();
        NodeToken t = tokens.issue(C, "workers", "lab-worker-1");
        Path file = Files.writeString(tmp.resolve("pointer.ign"), PointerConfigs.pointer(target, content, t));
        IgnitionTools.Run run = IgnitionTools.validate(file);
        assertEquals(0, run.exit(), run.output());
    }

    @Test
    void aTokenOnlyPointsAtItsOwnConfigs() {
        NodeToken w1 = tokens.issue(C, "workers", "lab-worker-1");
        ServedConfig pool = content.current(C, ConfigKind.POOL, "workers").orElseThrow();
        ServedConfig otherNode = content.current(C, ConfigKind.NODE, "lab-worker-2").orElseThrow();
        ServedConfig cpPool = content.current(C, ConfigKind.POOL, "control-plane").orElseThrow();
        ServedConfig node = content.current(C, ConfigKind.NODE, "lab-worker-1").orElseThrow();
        var o = PointerConfigs.Options.defaults();
        assertThrows(IllegalArgumentException.class, () -> PointerConfigs.pointer(target, pool, otherNode, w1, o));
        assertThrows(IllegalArgumentException.class, () -> PointerConfigs.pointer(target, cpPool, node, w1, o));
        assertThrows(IllegalArgumentException.class, () -> PointerConfigs.pointer(target, node, pool, w1, o), "pool first");
        NodeToken unknown = tokens.issue(C, "workers", "not-a-node");
        assertThrows(IllegalArgumentException.class, () -> PointerConfigs.pointer(target, content, unknown));
    }

    @Test
    void aPrivateKeyInTheCaFileNeverReachesThePointer() {
        NodeToken t = tokens.issue(C, "workers", "lab-worker-1");
        ServingIdentity id = ca.issueServerIdentity(AltNames.parse(List.of("127.0.0.1")));
        String keyPem = Pem.encodePrivateKey(id.privateKey());
        String pointer = PointerConfigs.pointer(new PointerConfigs.Target(BASE, ca.certificatePem() + keyPem), content, t);
        String caUrl = pointer.substring(pointer.indexOf("data:;base64,") + "data:;base64,".length());
        String carried = new String(Base64.getDecoder().decode(caUrl.substring(0, caUrl.indexOf('"'))), StandardCharsets.US_ASCII);
        assertEquals(ca.certificatePem(), carried);
    }

    @Test
    void onlyHttpsBaseUrls() {
        String pem = ca.certificatePem();
        assertThrows(IllegalArgumentException.class, () -> new PointerConfigs.Target(URI.create("http://nkd:8080"), pem));
        assertThrows(IllegalArgumentException.class, () -> new PointerConfigs.Target(URI.create("https://nkd:8443/?x=1"), pem));
        assertEquals(URI.create("https://nkd:8443/prefix/ignition/v1/libvirt-lab/pools/v"),
                PointerConfigs.url(URI.create("https://nkd:8443/prefix/"), new ServedConfig(C, ConfigKind.POOL, "workers", "v", new byte[0])));
    }
}
