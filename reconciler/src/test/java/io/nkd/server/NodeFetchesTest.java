package io.nkd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nkd.reconcile.Collaborators.NodeFetch;
import io.nkd.state.ClusterState;
import io.nkd.state.CorruptStateException;
import io.nkd.state.Sensitivity;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Ignition server's record of which node fetched which pool config, through real HTTPS fetches. */
class NodeFetchesTest {
    private static final String NODE = "lab-worker-1";

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

    private int fetchPool(NodeToken token) {
        return fx.get(fx.url(ConfigKind.POOL, "workers"), token.value()).statusCode();
    }

    private String poolVersion() {
        return fx.content.current(ServerFixture.CLUSTER, ConfigKind.POOL, "workers").orElseThrow().version();
    }

    @Test
    void aSuccessfulPoolFetchIsRecordedOnceAndSurvivesARestart() {
        NodeToken token = fx.tokens.issue(ServerFixture.CLUSTER, "workers", NODE);
        assertTrue(fx.tokens.fetches().fetched(fx.store.view(ServerFixture.CLUSTER)).isEmpty(), "nothing fetched yet");

        assertEquals(200, fetchPool(token));
        Map<String, NodeFetch> fetched = fx.tokens.fetches().fetched(fx.store.view(ServerFixture.CLUSTER));
        assertEquals(Set.of(NODE), fetched.keySet());
        NodeFetch f = fetched.get(NODE);
        assertEquals(poolVersion(), f.poolVersion());
        assertEquals(f.first(), f.last(), "first fetch");
        var version = fx.store.view(ServerFixture.CLUSTER).version(NodeFetches.PATH);
        assertTrue(version.isPresent(), "written to the cluster's state at once (the lock was free)");

        assertEquals(200, fetchPool(token));
        NodeFetch again = fx.tokens.fetches().fetched(fx.store.view(ServerFixture.CLUSTER)).get(NODE);
        assertEquals(f.first(), again.first());
        assertTrue(!again.last().isBefore(f.last()), "the latest fetch is known in memory");
        assertEquals(version, fx.store.view(ServerFixture.CLUSTER).version(NodeFetches.PATH),
                "a repeated fetch of the same version does not rewrite the file");

        // a restarted nkd reads the record from the state
        NodeTokens restarted = new NodeTokens(fx.store, new SecureRandom(), Clock.systemUTC());
        NodeFetch read = restarted.fetches().fetched(fx.store.view(ServerFixture.CLUSTER)).get(NODE);
        assertNotNull(read);
        assertEquals(poolVersion(), read.poolVersion());
        assertEquals(f.first(), read.first());
    }

    @Test
    void theLastFetchTimeIsWrittenOnlyWhenItMovedMoreThanTenMinutes() {
        java.util.concurrent.atomic.AtomicReference<java.time.Instant> now =
                new java.util.concurrent.atomic.AtomicReference<>(java.time.Instant.parse("2026-12-06T05:00:00Z"));
        Clock clock = new Clock() {
            @Override
            public java.time.ZoneId getZone() {
                return java.time.ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(java.time.ZoneId zone) {
                return this;
            }

            @Override
            public java.time.Instant instant() {
                return now.get();
            }
        };
        NodeFetches fetches = new NodeFetches(fx.store, clock);
        fx.tokens.issue(ServerFixture.CLUSTER, "workers", NODE); // the cluster's ignition/ exists, as after any pointer
        var view = fx.store.view(ServerFixture.CLUSTER);
        fetches.record(ServerFixture.CLUSTER, NODE, "rendered-workers-1");
        var first = view.version(NodeFetches.PATH);
        assertTrue(first.isPresent());
        for (int minute = 1; minute <= 10; minute++) { // Ignition re-fetching every minute
            now.set(now.get().plusSeconds(60));
            fetches.record(ServerFixture.CLUSTER, NODE, "rendered-workers-1");
        }
        assertEquals(first, view.version(NodeFetches.PATH), "ten minutes of re-fetches: no write");
        assertEquals(now.get(), fetches.fetched(view).get(NODE).last(), "the latest time is known in memory");
        now.set(now.get().plusSeconds(61));
        fetches.record(ServerFixture.CLUSTER, NODE, "rendered-workers-1");
        assertNotEquals(first, view.version(NodeFetches.PATH), "more than ten minutes after the written time: written");
        NodeFetch onDisk = new NodeFetches(fx.store, clock).fetched(view).get(NODE);
        assertEquals(now.get(), onDisk.last());
        assertEquals(java.time.Instant.parse("2026-12-06T05:00:00Z"), onDisk.first());
        fetches.record(ServerFixture.CLUSTER, NODE, "rendered-workers-2");
        assertEquals("rendered-workers-2", new NodeFetches(fx.store, clock).fetched(view).get(NODE).poolVersion(),
                "a new version is written at once");
    }

    @Test
    void refusedFetchesAndNodeOverlaysAreNotRecorded() {
        NodeToken token = fx.tokens.issue(ServerFixture.CLUSTER, "workers", NODE);
        assertEquals(403, fx.get(fx.url(ConfigKind.POOL, "workers"), "x".repeat(43)).statusCode());
        assertEquals(403, fx.get(fx.url(ConfigKind.POOL, "control-plane"), token.value()).statusCode(), "another pool's config");
        assertEquals(200, fx.get(fx.url(ConfigKind.NODE, NODE), token.value()).statusCode());
        assertTrue(fx.tokens.fetches().fetched(fx.store.view(ServerFixture.CLUSTER)).isEmpty(),
                "only a node's own pool config counts as its config fetched");
    }

    @Test
    void aFetchWhileTheClusterIsLockedIsKeptAndWrittenByTheLockHolder() {
        NodeToken token = fx.tokens.issue(ServerFixture.CLUSTER, "workers", NODE);
        try (ClusterState state = fx.store.open(ServerFixture.CLUSTER)) {
            assertEquals(200, fetchPool(token), "a held lock does not delay the node");
            assertTrue(state.version(NodeFetches.PATH).isEmpty(), "not written while another holds the lock");
            assertEquals(poolVersion(), fx.tokens.fetches().fetched(state).get(NODE).poolVersion(), "known in memory");
            assertTrue(state.exists(NodeFetches.PATH), "written by the lock holder's read (the reconciler's)");
        }
        NodeTokens restarted = new NodeTokens(fx.store, new SecureRandom(), Clock.systemUTC());
        assertEquals(Set.of(NODE), restarted.fetches().fetched(fx.store.view(ServerFixture.CLUSTER)).keySet());
    }

    @Test
    void aCorruptRecordIsReportedByNameAndServingGoesOn() {
        NodeToken token = fx.tokens.issue(ServerFixture.CLUSTER, "workers", NODE);
        try (ClusterState state = fx.store.open(ServerFixture.CLUSTER)) {
            state.write(NodeFetches.PATH, "{\"fetches\": [".getBytes(StandardCharsets.UTF_8), Sensitivity.PUBLIC);
        }
        assertEquals(200, fetchPool(token), "the node still gets its config");
        assertEquals(200, fetchPool(token));
        try (ClusterState state = fx.store.open(ServerFixture.CLUSTER)) {
            CorruptStateException e = assertThrows(CorruptStateException.class, () -> fx.tokens.fetches().fetched(state));
            assertTrue(e.getMessage().contains("fetches.json"), e.getMessage());
        }
    }

    @Test
    void aDeletedMachineIsForgotten() {
        NodeToken token = fx.tokens.issue(ServerFixture.CLUSTER, "workers", NODE);
        assertEquals(200, fetchPool(token));
        try (ClusterState state = fx.store.open(ServerFixture.CLUSTER)) {
            fx.tokens.fetches().retainOnly(state, Set.of("lab-worker-2"));
            assertEquals(Optional.empty(), Optional.ofNullable(fx.tokens.fetches().fetched(state).get(NODE)),
                    "a new machine of that name starts unfetched");
        }
    }

    @Test
    void aClusterDestroyedAndAddedAgainStartsUnfetchedInTheRunningDaemon() throws Exception {
        NodeFetches fetches = new NodeFetches(fx.store, Clock.systemUTC());
        fx.tokens.issue(ServerFixture.CLUSTER, "workers", NODE);
        fetches.record(ServerFixture.CLUSTER, NODE, "rendered-workers-1");
        assertTrue(fetches.fetched(fx.store.view(ServerFixture.CLUSTER)).containsKey(NODE));
        // nkd destroy (another process) forgets the cluster's state; Git adds the cluster back: new state, new tokens
        try (ClusterState state = fx.store.open(ServerFixture.CLUSTER)) {
            ((io.nkd.state.LocalStateStore) fx.store).forget(state, true, java.time.Instant.now());
        }
        fx.tokens.issue(ServerFixture.CLUSTER, "workers", NODE);
        assertEquals(Optional.empty(), Optional.ofNullable(fetches.fetched(fx.store.view(ServerFixture.CLUSTER)).get(NODE)),
                "the new machine of that name has not fetched anything (bare metal would refuse its pointer with 410)");
    }
}
