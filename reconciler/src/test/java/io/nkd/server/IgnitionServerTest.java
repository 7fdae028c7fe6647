package io.nkd.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nkd.render.RenderedCluster;
import io.nkd.render.RenderedConfig;
import io.nkd.report.Report;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The server through the JDK's HTTP client, trusting the serving CA: statuses, bytes, metrics, logs, shutdown. */
class IgnitionServerTest {
    private static final String C = ServerFixture.CLUSTER;

    @TempDir
    Path tmp;
    private ServerFixture fx;

    @BeforeEach
    void start() {
        fx = new ServerFixture(tmp);
    }

    @AfterEach
    void stop() {
        fx.close();
    }

    @Test
    void servesTheExactStoredBytesOfOwnPoolAndOverlay() throws Exception {
        NodeToken t = fx.tokens.issue(C, "workers", "lab-worker-1");
        HttpResponse<byte[]> pool = fx.get(fx.url(ConfigKind.POOL, "workers"), t.value());
        assertEquals(200, pool.statusCode());
        RenderedConfig workers = ServerFixture.rendered(C).pools().stream().filter(p -> p.name().equals("workers")).findFirst().orElseThrow();
        assertArrayEquals(IgnitionContent.serialize(workers.config()), pool.body(), "the rendered JSON as nkd render writes it");
        assertEquals(fx.content.current(C, ConfigKind.POOL, "workers").orElseThrow().sha512(),
                "sha512-" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-512").digest(pool.body())));
        assertEquals("no-store", pool.headers().firstValue("Cache-Control").orElseThrow());
        assertEquals(IgnitionHandler.CONTENT_TYPE, pool.headers().firstValue("Content-Type").orElseThrow());

        HttpResponse<byte[]> node = fx.get(fx.url(ConfigKind.NODE, "lab-worker-1"), t.value());
        assertEquals(200, node.statusCode());
        assertTrue(new String(node.body(), StandardCharsets.UTF_8).contains("/etc/hostname"));
        assertEquals(2.0, fx.requests(200));
    }

    @Test
    void aNodeMayFetchAnyRetainedVersionOfItsPool() {
        NodeToken t = fx.tokens.issue(C, "workers", "lab-worker-1");
        URI old = fx.url(ConfigKind.POOL, "workers");
        fx.content.put(C, changedWorkers(ServerFixture.rendered(C)));
        URI current = fx.url(ConfigKind.POOL, "workers");
        assertFalse(old.equals(current), "a new version");
        assertEquals(200, fx.get(old, t.value()).statusCode(), "a node booting from an older pointer still gets its config");
        assertEquals(200, fx.get(current, t.value()).statusCode());
    }

    @Test
    void refusesWhatATokenMayNotFetch() {
        NodeToken w1 = fx.tokens.issue(C, "workers", "lab-worker-1");
        NodeToken w2 = fx.tokens.issue(C, "workers", "lab-worker-2");
        fx.tokens.revoke(C, w2.id());
        NodeToken elsewhere = fx.tokens.issue("sandbox-demo", "workers", "lab-worker-1");
        URI pool = fx.url(ConfigKind.POOL, "workers");

        assertEquals(401, fx.get(pool, null).statusCode(), "no token");
        assertEquals(403, fx.get(pool, "A".repeat(43)).statusCode(), "unknown token");
        assertEquals(403, fx.get(pool, "not a token!").statusCode(), "malformed token");
        assertEquals(403, fx.get(pool, w2.value()).statusCode(), "revoked token");
        assertEquals(403, fx.get(pool, elsewhere.value()).statusCode(), "another cluster's token");
        assertEquals(403, fx.get(fx.url(ConfigKind.NODE, "lab-worker-2"), w1.value()).statusCode(), "another node's overlay");
        assertEquals(403, fx.get(fx.url(ConfigKind.POOL, "control-plane"), w1.value()).statusCode(), "another pool's config");
        assertEquals(6.0, fx.requests(403));
        assertEquals(1.0, fx.requests(401));
        assertEquals(0.0, fx.requests(200));
    }

    @Test
    void aRevocationAppliesToTheVeryNextRequest() {
        NodeToken t = fx.tokens.issue(C, "workers", "lab-worker-1");
        URI pool = fx.url(ConfigKind.POOL, "workers");
        assertEquals(200, fx.get(pool, t.value()).statusCode());
        assertEquals(200, fx.get(pool, t.value()).statusCode(), "answered again while the registry is unchanged");
        fx.tokens.revoke(C, t.id());
        assertEquals(403, fx.get(pool, t.value()).statusCode(), "revoked: refused at once");
        NodeToken again = fx.tokens.issue(C, "workers", "lab-worker-1");
        assertEquals(200, fx.get(pool, again.value()).statusCode(), "a token issued after a refusal works at once");
    }

    @Test
    void unknownVersionsAndPathsAre404() {
        NodeToken t = fx.tokens.issue(C, "workers", "lab-worker-1");
        URI base = fx.server.baseUrl();
        assertEquals(404, fx.get(base.resolve("/ignition/v1/libvirt-lab/pools/rendered-workers-0000000000000000"), t.value()).statusCode());
        assertEquals(404, fx.get(base.resolve("/ignition/v1/libvirt-lab/nodes/rendered-lab-worker-1-0000000000000000"), t.value()).statusCode());
        assertEquals(404, fx.get(base.resolve("/ignition/v1/libvirt-lab/secrets/x"), t.value()).statusCode());
        assertEquals(404, fx.get(base.resolve("/ignition/v1/libvirt-lab/pools/..%2Fx"), t.value()).statusCode());
        assertEquals(404, fx.get(base.resolve("/"), t.value()).statusCode());
        assertEquals(5.0, fx.requests(404));
    }

    @Test
    void onlyGetIsAllowed() throws Exception {
        NodeToken t = fx.tokens.issue(C, "workers", "lab-worker-1");
        HttpRequest post = HttpRequest.newBuilder(fx.url(ConfigKind.POOL, "workers")).header("Authorization", "Bearer " + t.value())
                .POST(HttpRequest.BodyPublishers.ofString("{}")).build();
        HttpResponse<String> r = fx.client().send(post, HttpResponse.BodyHandlers.ofString());
        assertEquals(405, r.statusCode());
        assertEquals("GET, HEAD", r.headers().firstValue("Allow").orElseThrow());
    }

    @Test
    void healthIsServedWithoutATokenAndNotCounted() {
        HttpResponse<byte[]> r = fx.get(fx.server.baseUrl().resolve("/healthz"), null);
        assertEquals(200, r.statusCode());
        assertEquals("ok\n", new String(r.body(), StandardCharsets.UTF_8));
        assertTrue(fx.meters.find(IgnitionHandler.METER).meters().isEmpty(), "health checks are not counted");
    }

    @Test
    void requestsAreCountedByStatusInPrometheusFormat() {
        NodeToken t = fx.tokens.issue(C, "workers", "lab-worker-1");
        fx.get(fx.url(ConfigKind.POOL, "workers"), t.value());
        fx.get(fx.url(ConfigKind.NODE, "lab-worker-1"), t.value());
        fx.get(fx.url(ConfigKind.NODE, "lab-worker-2"), t.value());
        String scrape = fx.meters.scrape();
        assertTrue(scrape.contains("nkd_ignition_requests_total{status=\"200\"} 2.0"), scrape);
        assertTrue(scrape.contains("nkd_ignition_requests_total{status=\"403\"} 1.0"), scrape);
    }

    @Test
    void aCorruptTokenRegistryIs500() throws IOException {
        NodeToken t = fx.tokens.issue(C, "workers", "lab-worker-1");
        Path file = fx.store.root().resolve("clusters/" + C + "/" + NodeTokens.PATH);
        Files.writeString(file, "{not json");
        assertEquals(500, fx.get(fx.url(ConfigKind.POOL, "workers"), t.value()).statusCode());
        assertEquals(1.0, fx.requests(500));
    }

    @Test
    void noTokenEverReachesTheLog() {
        NodeToken t = fx.tokens.issue(C, "workers", "lab-worker-1");
        NodeToken revoked = fx.tokens.issue(C, "workers", "lab-worker-2");
        fx.tokens.revokeNode(C, "lab-worker-2");
        String forged = "Z".repeat(43);
        String log = captureStderr(() -> {
            fx.get(fx.url(ConfigKind.POOL, "workers"), t.value());
            fx.get(fx.url(ConfigKind.NODE, "lab-worker-2"), t.value());
            fx.get(fx.url(ConfigKind.POOL, "workers"), revoked.value());
            fx.get(fx.url(ConfigKind.POOL, "workers"), forged);
            fx.get(fx.url(ConfigKind.POOL, "workers"), null);
        });
        assertEquals(5, log.lines().filter(l -> l.contains("ignition " + C)).count(), log);
        for (String secret : List.of(t.value(), revoked.value(), forged, "Bearer", "Authorization")) {
            assertFalse(log.contains(secret), "log contains " + secret + ":\n" + log);
        }
        String first = log.lines().filter(l -> l.contains("status 200")).findFirst().orElseThrow();
        assertTrue(first.contains("pools/rendered-workers-") && first.contains("pool workers") && first.contains("node lab-worker-1"), first);
        assertFalse(t.toString().contains(t.value()), "NodeToken.toString redacts");
    }

    @Test
    void closeStopsServingPromptlyAndTwiceIsHarmless() {
        URI health = fx.server.baseUrl().resolve("/healthz");
        assertEquals(200, fx.get(health, null).statusCode());
        assertTimeoutPreemptively(Duration.ofSeconds(2), fx.server::close,
                "idle: no waiting for the grace period");
        fx.server.close();
        assertThrows(UncheckedIOException.class, () -> fx.get(health, null), "nothing listens any more");
        assertTrue(requestThreadsEnd(), "request threads ended");
    }

    @Test
    void tlsIsVersion12Or13WithStrongSuitesOnly() throws Exception {
        assertEquals("TLSv1.3", Tls.handshake(fx, new String[] {"TLSv1.3", "TLSv1.2"}, null).getProtocol());
        var tls12 = Tls.handshake(fx, new String[] {"TLSv1.2"}, null);
        assertEquals("TLSv1.2", tls12.getProtocol());
        assertTrue(tls12.getCipherSuite().startsWith("TLS_ECDHE_ECDSA_") && tls12.getCipherSuite().contains("_GCM_"), tls12.getCipherSuite());
        assertThrows(IOException.class, () -> Tls.handshake(fx, new String[] {"TLSv1.2"}, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256"),
                "CBC suites are refused");
    }

    /** Whether the server's request threads are gone (a thread may take a moment to die after its pool terminated). */
    private static boolean requestThreadsEnd() {
        for (int i = 0; i < 100; i++) {
            if (Thread.getAllStackTraces().keySet().stream().noneMatch(th -> th.getName().startsWith("nkd-ignition-"))) {
                return true;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return false;
    }

    /** The cluster with the workers pool changed: a new version, as after a commit. */
    static RenderedCluster changedWorkers(RenderedCluster r) {
        List<RenderedConfig> pools = new ArrayList<>();
        for (RenderedConfig p : r.pools()) {
            if (p.name().equals("workers")) {
                ObjectNode changed = p.config().deepCopy();
                changed.putObject("kernelArguments").putArray("shouldExist").add("quiet");
                pools.add(new RenderedConfig(p.name(), "rendered-workers-00000000000000ff", changed));
            } else {
                pools.add(p);
            }
        }
        return new RenderedCluster(r.cluster(), pools, r.nodes(), new Report());
    }

    static String captureStderr(Runnable action) {
        PrintStream original = System.err;
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        System.setErr(new PrintStream(buffer, true, StandardCharsets.UTF_8));
        try {
            action.run();
        } finally {
            System.setErr(original);
        }
        String out = buffer.toString(StandardCharsets.UTF_8);
        original.print(out);
        return out;
    }
}
