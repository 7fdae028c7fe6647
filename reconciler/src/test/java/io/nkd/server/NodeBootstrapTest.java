package io.nkd.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nkd.render.RenderedCluster;
import io.nkd.render.RenderedConfig;
import io.nkd.report.Report;
import io.nkd.state.ClusterState;
import io.nkd.state.CorruptStateException;
import io.nkd.state.LocalStateStore;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What is served survives a restart; what no live token names is garbage-collected; a corrupt registry is loud. */
class NodeBootstrapTest {
    private PointerConfigs.Target target;

    @TempDir
    Path tmp;
    private LocalStateStore store;
    private NodeTokens tokens;

    @BeforeEach
    void setUp() {
        store = new LocalStateStore(tmp.resolve("state"));
        Clock clock = Clock.fixed(Instant.parse("2026-03-01T12:00:00Z"), ZoneOffset.UTC);
        tokens = new NodeTokens(store, ServerFixture.seeded(7), clock);
        target = new PointerConfigs.Target(URI.create("https://127.0.0.1:8443"),
                ServingCa.ensure(store, ServerFixture.seeded(2), clock).certificatePem());
    }

    private static RenderedCluster rendering(String v) {
        return new RenderedCluster("lab", List.of(new RenderedConfig("workers", "rendered-workers-" + v, config("pool " + v))),
                List.of(new RenderedConfig("w-1", "rendered-w-1-" + v, config("node " + v))), new Report());
    }

    private static ObjectNode config(String marker) {
        ObjectNode c = JsonNodeFactory.instance.objectNode();
        c.putObject("ignition").put("version", "3.3.0");
        c.put("marker", marker);
        return c;
    }

    private void publish(NodeBootstrap boot, String v) {
        try (ClusterState s = store.open("lab")) {
            boot.publish(s, rendering(v));
        }
    }

    /** A daemon started afresh on the same state directory. */
    private IgnitionContent restarted() {
        IgnitionContent content = new IgnitionContent();
        assertEquals(Map.of(), new NodeBootstrap(content, tokens, target).restore(new LocalStateStore(store.root())));
        return content;
    }

    private long blobs() throws Exception {
        try (Stream<Path> s = Files.list(store.root().resolve("clusters/lab/" + ServedConfigStore.BLOBS))) {
            return s.count();
        }
    }

    @Test
    void aRestartServesExactlyWhatWasServedBefore() throws Exception {
        IgnitionContent before = new IgnitionContent();
        NodeBootstrap boot = new NodeBootstrap(before, tokens, target);
        publish(boot, "1");
        publish(boot, "2");

        IgnitionContent after = restarted();
        for (String v : List.of("1", "2")) {
            assertArrayEquals(before.get("lab", ConfigKind.POOL, "rendered-workers-" + v).orElseThrow().content(),
                    after.get("lab", ConfigKind.POOL, "rendered-workers-" + v).orElseThrow().content());
            assertTrue(after.get("lab", ConfigKind.NODE, "rendered-w-1-" + v).isPresent());
        }
        assertEquals("rendered-workers-2", after.current("lab", ConfigKind.POOL, "workers").orElseThrow().version(),
                "the newest rendering is still the one new pointers name");
        Path blob = Files.list(store.root().resolve("clusters/lab/" + ServedConfigStore.BLOBS)).findFirst().orElseThrow();
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(blob)),
                "served configs hold secrets");
    }

    @Test
    void configsALiveTokenNamesAreKeptAndTheRestIsCollected() throws Exception {
        IgnitionContent content = new IgnitionContent();
        NodeBootstrap boot = new NodeBootstrap(content, tokens, target);
        publish(boot, "1");
        try (ClusterState s = store.open("lab")) {
            boot.pointer(s, "workers", "w-1", "rendered-workers-1", "rendered-w-1-1");
        }
        for (int v = 2; v <= 8; v++) {
            publish(boot, String.valueOf(v));
        }
        // 5 renderings retained (4..8), plus version 1 that w-1's pointer names; 2 and 3 are gone
        assertTrue(content.get("lab", ConfigKind.POOL, "rendered-workers-1").isPresent());
        assertTrue(content.get("lab", ConfigKind.POOL, "rendered-workers-2").isEmpty());
        assertEquals(12, blobs(), "5 renderings of 2 configs, plus the 2 configs w-1 is pinned to");
        IgnitionContent after = restarted();
        assertTrue(after.get("lab", ConfigKind.NODE, "rendered-w-1-1").isPresent(), "still served after a restart");
        assertTrue(after.get("lab", ConfigKind.POOL, "rendered-workers-3").isEmpty());

        // w-1 no longer exists: its token goes, and with it what only it needed
        try (ClusterState s = store.open("lab")) {
            boot.retainOnly(s, Set.of());
        }
        publish(boot, "9");
        assertTrue(content.get("lab", ConfigKind.POOL, "rendered-workers-1").isEmpty());
        assertEquals(10, blobs());
        assertTrue(restarted().get("lab", ConfigKind.POOL, "rendered-workers-1").isEmpty());
    }

    @Test
    void aDamagedBlobIsReportedAndNotServed() throws Exception {
        NodeBootstrap boot = new NodeBootstrap(new IgnitionContent(), tokens, target);
        publish(boot, "1");
        Path blob = Files.list(store.root().resolve("clusters/lab/" + ServedConfigStore.BLOBS)).sorted().findFirst().orElseThrow();
        Files.writeString(blob, "{}");
        IgnitionContent content = new IgnitionContent();
        Map<String, String> problems = new NodeBootstrap(content, tokens, target).restore(store);
        assertTrue(problems.get("lab").contains(blob.getFileName() + " does not hold the bytes it is named for"), problems.toString());
        assertEquals(1, content.versions("lab", ConfigKind.POOL).size() + content.versions("lab", ConfigKind.NODE).size(),
                "the intact config is served, the damaged one is not");
    }

    @Test
    void aCorruptTokenRegistryFailsThePublishNamingTheFile() throws Exception {
        NodeBootstrap boot = new NodeBootstrap(new IgnitionContent(), tokens, target);
        publish(boot, "1");
        try (ClusterState s = store.open("lab")) {
            boot.pointer(s, "workers", "w-1", "rendered-workers-1", "rendered-w-1-1");
        }
        Path file = store.root().resolve("clusters/lab/" + NodeTokens.PATH);
        Files.writeString(file, "{\"tokens\": [");
        CorruptStateException e;
        try (ClusterState s = store.open("lab")) {
            e = assertThrows(CorruptStateException.class, () -> boot.publish(s, rendering("2")));
            assertThrows(CorruptStateException.class, () -> boot.retainOnly(s, Set.of("w-1")));
        }
        assertTrue(e.getMessage().startsWith("state file " + file + " is corrupt: the JSON ends early"), e.getMessage());
        assertTrue(e.getMessage().contains("Restore it from a backup of the state directory. Without one, delete it"), e.getMessage());
    }

    @Test
    void aNodeNeverHasTwoLiveTokens() {
        NodeBootstrap boot = new NodeBootstrap(new IgnitionContent(), tokens, target);
        publish(boot, "1");
        try (ClusterState s = store.open("lab")) {
            boot.pointer(s, "workers", "w-1", "rendered-workers-1", "rendered-w-1-1");
            // a re-created machine (after kill -9, or after its provider forgot it) gets a new pointer
            boot.pointer(s, "workers", "w-1", "rendered-workers-1", "rendered-w-1-1");
            tokens.issueOnly(s, "workers", "w-2", "rendered-workers-1", null);
        }
        List<TokenRecord> live = tokens.live(store.view("lab"));
        assertEquals(List.of("w-1", "w-2"), live.stream().map(TokenRecord::node).toList());
        assertEquals(3, tokens.list("lab").size(), "the replaced token is revoked, not forgotten");
        assertEquals("rendered-workers-1", live.get(0).poolVersion());
        try (ClusterState s = store.open("lab")) {
            boot.retainOnly(s, Set.of("w-2"));
        }
        assertEquals(List.of("w-2"), tokens.live(store.view("lab")).stream().map(TokenRecord::node).toList());
        assertFalse(tokens.list("lab").stream().anyMatch(t -> t.node().equals("w-1") && !t.revoked()));
    }

    @Test
    void aJoinedNodesTokenIsRevokedItsFetchIsKeptAndANewMachineGetsANewToken() {
        NodeBootstrap boot = new NodeBootstrap(new IgnitionContent(), tokens, target);
        publish(boot, "1");
        String first;
        try (ClusterState s = store.open("lab")) {
            first = bearer(boot.pointer(s, "workers", "w-1", "rendered-workers-1", "rendered-w-1-1"));
        }
        tokens.fetches().record("lab", "w-1", "rendered-workers-1");
        assertTrue(tokens.authenticate("lab", first).isPresent());
        try (ClusterState s = store.open("lab")) {
            assertEquals(java.util.Set.of("w-1"), boot.withLiveTokens(s));
            boot.revokeJoined(s, "w-1");
            assertEquals(java.util.Set.of(), boot.withLiveTokens(s));
            assertEquals("rendered-workers-1", boot.fetched(s).get("w-1").poolVersion(), "the status still shows what it fetched");
        }
        assertTrue(tokens.authenticate("lab", first).isEmpty(), "the joined node's pointer no longer opens its configs");
        String second;
        try (ClusterState s = store.open("lab")) {
            second = bearer(boot.pointer(s, "workers", "w-1", "rendered-workers-1", "rendered-w-1-1"));
        }
        assertTrue(tokens.authenticate("lab", second).isPresent(), "a machine created again gets a new token");
        assertTrue(!first.equals(second));
    }

    private static String bearer(String pointer) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("Bearer ([A-Za-z0-9_-]+)").matcher(pointer);
        assertTrue(m.find(), pointer);
        return m.group(1);
    }
}
