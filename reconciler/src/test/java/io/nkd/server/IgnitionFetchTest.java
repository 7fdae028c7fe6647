package io.nkd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nkd.ignition.spec.IgnitionVersion;
import io.nkd.state.LocalStateStore;
import io.nkd.testsupport.IgnitionTools;
import io.nkd.testsupport.JsonCompare;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real Ignition (Debian's 2.14, fetch stage, platform "file") as the client: it reads a pointer config
 * exactly as a provider would hand it to a booting machine and fetches from the running server.
 */
class IgnitionFetchTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;
    private ServerFixture fx;

    @BeforeEach
    void start() {
        IgnitionTools.assumeIgnition();
        fx = new ServerFixture(tmp);
    }

    @AfterEach
    void stop() {
        if (fx != null) {
            fx.close();
        }
    }

    @Test
    void ignitionFetchesPoolConfigAndNodeOverlayThroughThePointer() throws IOException {
        NodeToken token = fx.tokens.issue(ServerFixture.CLUSTER, "workers", "lab-worker-1");
        IgnitionTools.Fetched f = fetch("ok", fx.pointer(token));

        assertEquals(0, f.exit(), f.output());
        JsonNode cached = JSON.readTree(f.cachedConfig().orElseThrow());
        assertEquals("lab-worker-1", text(cached, "/etc/hostname").trim(), "the node overlay's content");
        assertTrue(text(cached, "/etc/nkd/kubeadm-join.yaml").contains("JoinConfiguration"), "the pool config's content");
        assertTrue(text(cached, "/etc/nkd/cluster").contains("workers"), "the pool config's content");
        assertEquals(2.0, fx.requests(200), "one request for the pool config, one for the overlay");
        assertFalse(f.output().contains(token.value()), "Ignition's log (the node's journal) does not show the token");
    }

    @Test
    void aPointerMadeBeforeANewRenderingStillBoots() throws IOException {
        NodeToken token = fx.tokens.issue(ServerFixture.CLUSTER, "workers", "lab-worker-1");
        String old = fx.pointer(token);
        fx.content.put(ServerFixture.CLUSTER, IgnitionServerTest.changedWorkers(ServerFixture.rendered(ServerFixture.CLUSTER)));
        String current = fx.pointer(token);
        assertFalse(current.equals(old), "new pointers name the new version");
        IgnitionTools.Fetched before = fetch("old-pointer", old);
        assertEquals(0, before.exit(), before.output());
        assertFalse(kernelArguments(before).contains("quiet"), "the old version's content");
        IgnitionTools.Fetched after = fetch("new-pointer", current);
        assertEquals(0, after.exit(), after.output());
        assertTrue(kernelArguments(after).contains("quiet"), "the new version's content");
    }

    private static String kernelArguments(IgnitionTools.Fetched f) throws IOException {
        return JSON.readTree(f.cachedConfig().orElseThrow()).path("kernelArguments").path("shouldExist").toString();
    }

    @Test
    void aSpec31PointerWorksToo() throws IOException {
        NodeToken token = fx.tokens.issue(ServerFixture.CLUSTER, "control-plane", "lab-cp-1");
        String pointer = PointerConfigs.pointer(fx.target(), fx.content, token,
                PointerConfigs.Options.defaults().withSpec(IgnitionVersion.V3_1_0));
        IgnitionTools.Fetched f = fetch("spec-3.1", pointer);
        assertEquals(0, f.exit(), f.output());
        JsonNode cached = JSON.readTree(f.cachedConfig().orElseThrow());
        assertEquals("lab-cp-1", text(cached, "/etc/hostname").trim());
        assertTrue(text(cached, "/etc/nkd/kubeadm-init.yaml").contains("InitConfiguration"), "the control-plane pool's config");
    }

    @Test
    void anUnknownTokenMakesIgnitionFail() throws IOException {
        NodeToken real = fx.tokens.issue(ServerFixture.CLUSTER, "workers", "lab-worker-1");
        String forged = fx.pointer(real).replace(real.value(), "A".repeat(43));
        assertFails("forged", forged, "Forbidden");
        assertEquals(1.0, fx.requests(403));
        assertEquals(0.0, fx.requests(200));
    }

    @Test
    void aRevokedTokenMakesIgnitionFail() throws IOException {
        NodeToken token = fx.tokens.issue(ServerFixture.CLUSTER, "workers", "lab-worker-1");
        String pointer = fx.pointer(token);
        assertEquals(0, fetch("before", pointer).exit(), "works before the revocation");
        assertEquals(1, fx.tokens.revokeNode(ServerFixture.CLUSTER, "lab-worker-1"));
        assertFails("revoked", pointer, "Forbidden");
    }

    @Test
    void aTokenCannotFetchAnotherNodesOverlay() throws IOException {
        NodeToken mine = fx.tokens.issue(ServerFixture.CLUSTER, "workers", "lab-worker-1");
        NodeToken other = fx.tokens.issue(ServerFixture.CLUSTER, "workers", "lab-worker-2");
        // lab-worker-2's pointer (same pool) carrying lab-worker-1's token: the pool config is allowed, the overlay not
        String pointer = fx.pointer(other).replace(other.value(), mine.value());
        assertFails("other-node", pointer, "Forbidden");
        assertEquals(1.0, fx.requests(200), "the shared pool config was served");
        assertEquals(1.0, fx.requests(403), "the other node's overlay was refused");
    }

    @Test
    void aTokenCannotFetchAnotherPoolsConfig() throws IOException {
        NodeToken worker = fx.tokens.issue(ServerFixture.CLUSTER, "workers", "lab-worker-1");
        NodeToken cp = fx.tokens.issue(ServerFixture.CLUSTER, "control-plane", "lab-cp-1");
        // the control-plane config holds the cluster's CA keys: a worker's token must not open it
        String pointer = fx.pointer(cp).replace(cp.value(), worker.value());
        assertFails("other-pool", pointer, "Forbidden");
        assertEquals(0.0, fx.requests(200));
    }

    @Test
    void aWrongVerificationHashMakesIgnitionFail() throws IOException {
        NodeToken token = fx.tokens.issue(ServerFixture.CLUSTER, "workers", "lab-worker-1");
        String pointer = fx.pointer(token);
        String hash = fx.content.current(ServerFixture.CLUSTER, ConfigKind.POOL, "workers").orElseThrow().sha512();
        String wrong = hash.substring(0, hash.length() - 1) + (hash.endsWith("0") ? "1" : "0");
        assertFails("hash", pointer.replace(hash, wrong), "hash");
        assertEquals(1.0, fx.requests(200), "the server answered; Ignition refused the bytes");
    }

    @Test
    void aPointerTrustingAForeignCaMakesIgnitionFail() throws IOException {
        NodeToken token = fx.tokens.issue(ServerFixture.CLUSTER, "workers", "lab-worker-1");
        ServingCa foreign = ServingCa.ensure(new LocalStateStore(tmp.resolve("other-state")), ServerFixture.seeded(9),
                fx.clock);
        PointerConfigs.Target target = new PointerConfigs.Target(fx.server.baseUrl(), foreign.certificatePem());
        // Ignition retries failed connections until httpTotal; a booting node would wait forever, the test need not
        String pointer = PointerConfigs.pointer(target, fx.content, token,
                PointerConfigs.Options.defaults().withHttpTotal(Duration.ofSeconds(3)));
        assertFails("foreign-ca", pointer, "x509");
        assertEquals(0.0, fx.requests(200));
    }

    private IgnitionTools.Fetched fetch(String name, String pointer) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("ignition-" + name));
        Path file = Files.writeString(dir.resolve("pointer.ign"), pointer);
        IgnitionTools.Fetched f = IgnitionTools.fetchStage(file, dir, 90);
        // what Ignition said about the fetches, for whoever reads the test output
        f.output().lines().filter(l -> l.contains("GET") || l.contains("CRITICAL") || l.contains("failed to fetch"))
                .forEach(l -> System.out.println("ignition[" + name + "] " + l));
        return f;
    }

    private void assertFails(String name, String pointer, String why) throws IOException {
        IgnitionTools.Fetched f = fetch(name, pointer);
        assertNotEquals(0, f.exit(), () -> "Ignition succeeded:\n" + f.output());
        assertTrue(f.output().contains(why), () -> "expected \"" + why + "\" in Ignition's log:\n" + f.output());
        assertTrue(f.cachedConfig().isEmpty(), "no config cached");
    }

    /** A file's contents in an Ignition config (data URL, maybe gzip). */
    static String text(JsonNode config, String path) throws IOException {
        for (JsonNode file : config.path("storage").path("files")) {
            if (file.path("path").asText().equals(path)) {
                byte[] bytes = JsonCompare.decodeDataUrl(file.path("contents").path("source").asText());
                if ("gzip".equals(file.path("contents").path("compression").asText())) {
                    try (var in = new GZIPInputStream(new ByteArrayInputStream(bytes))) {
                        bytes = in.readAllBytes();
                    }
                }
                return new String(bytes, StandardCharsets.UTF_8);
            }
        }
        throw new AssertionError("no file " + path + " in " + config);
    }
}
