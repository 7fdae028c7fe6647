package io.nkd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nkd.ha.Leadership;
import io.nkd.render.RenderedCluster;
import io.nkd.render.RenderedConfig;
import io.nkd.report.Report;
import io.nkd.state.ClusterState;
import io.nkd.state.LocalStateStore;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two replicas on one shared state, in one JVM: what the leader publishes and the tokens it issues are served by the
 * follower, after a refresh or at once on a node's request for a version it does not have yet; a cluster whose state
 * is gone stops being served; the leader never reloads what it rendered itself.
 */
class FollowerServingTest {
    @TempDir
    Path tmp;

    private static RenderedCluster rendering(String v) {
        ObjectNode pool = JsonNodeFactory.instance.objectNode();
        pool.putObject("ignition").put("version", "3.3.0");
        pool.put("marker", "pool " + v);
        ObjectNode node = pool.deepCopy().put("marker", "node " + v);
        return new RenderedCluster("lab", List.of(new RenderedConfig("workers", "rendered-workers-" + v, pool)),
                List.of(new RenderedConfig("w-1", "rendered-w-1-" + v, node)), new Report());
    }

    /** An election whose answer the test fixes. */
    private static Leadership fixed(boolean leading) {
        return new Leadership() {
            @Override
            public String identity() {
                return leading ? "leader" : "follower";
            }

            @Override
            public boolean isLeader() {
                return leading;
            }

            @Override
            public Optional<String> leader() {
                return Optional.of("leader");
            }

            @Override
            public String describe() {
                return "Lease test/nkd";
            }

            @Override
            public void addListener(Listener listener) {
            }
        };
    }

    @Test
    void theFollowerServesWhatTheLeaderPublishedAndTheTokensItIssued() throws Exception {
        Clock clock = Clock.fixed(Instant.parse("2026-03-01T12:00:00Z"), ZoneOffset.UTC);
        LocalStateStore shared = new LocalStateStore(tmp.resolve("state"));
        PointerConfigs.Target target = new PointerConfigs.Target(URI.create("https://127.0.0.1:8443"),
                ServingCa.ensure(shared, ServerFixture.seeded(2), clock).certificatePem());
        IgnitionContent leaderContent = new IgnitionContent();
        NodeTokens leaderTokens = new NodeTokens(shared, ServerFixture.seeded(7), clock);
        NodeBootstrap leader = new NodeBootstrap(leaderContent, leaderTokens, target);
        IgnitionContent followerContent = new IgnitionContent();
        NodeTokens followerTokens = new NodeTokens(new LocalStateStore(shared.root()), ServerFixture.seeded(8), clock);
        NodeBootstrap follower = new NodeBootstrap(followerContent, followerTokens, target);
        LocalStateStore followerStore = new LocalStateStore(shared.root());
        SharedStateRefresh refresh = SharedStateRefresh.start(follower, followerStore, fixed(false), Optional::empty);
        followerContent.reloadOnMiss(refresh::reloadOnMiss);
        try (refresh) {
            assertEquals(Optional.empty(), refresh.notReady(), "read the (empty) shared state: ready");

            String pointer;
            try (ClusterState s = shared.open("lab")) {
                leader.publish(s, rendering("a"));
                pointer = leader.pointer(s, "workers", "w-1", "rendered-workers-a", "rendered-w-1-a");
            }
            String token = pointer.replaceAll("(?s).*\"Bearer ([A-Za-z0-9_-]+)\".*", "$1");
            // a node asks the follower at once, before any refresh: its token is read from the registry, and the miss
            // reads the cluster's configs again
            assertTrue(followerTokens.authenticate("lab", token).isPresent(), "the leader's token works on the follower");
            assertTrue(followerContent.serve("lab", ConfigKind.POOL, "rendered-workers-a").isPresent(), "read on the miss");
            assertTrue(followerContent.serve("lab", ConfigKind.NODE, "rendered-w-1-a").isPresent());

            // a newer rendering reaches the follower by the periodic refresh too
            try (ClusterState s = shared.open("lab")) {
                leader.publish(s, rendering("b"));
            }
            assertEquals(List.of("lab"), follower.refresh(followerStore));
            assertEquals(List.of(), follower.refresh(followerStore), "nothing read again while the index is unchanged");
            assertTrue(followerContent.current("lab", ConfigKind.POOL, "workers").map(c -> c.version().equals("rendered-workers-b")).orElse(false));
            assertTrue(followerContent.get("lab", ConfigKind.POOL, "rendered-workers-a").isPresent(), "older renderings stay served");

            // a revocation by the leader applies on the follower's next request
            try (ClusterState s = shared.open("lab")) {
                leader.revoke(s, "w-1");
            }
            assertFalse(followerTokens.authenticate("lab", token).isPresent());
        }
    }

    @Test
    void aFetchTheFollowerSawWhileTheLeaderHeldTheLockReachesTheSharedStateLater() {
        Clock clock = Clock.systemUTC();
        LocalStateStore shared = new LocalStateStore(tmp.resolve("state"));
        NodeBootstrap leader = new NodeBootstrap(new IgnitionContent(), new NodeTokens(shared, ServerFixture.seeded(1), clock), null);
        try (ClusterState s = shared.open("lab")) {
            leader.publish(s, rendering("a"));
        }
        NodeTokens followerTokens = new NodeTokens(new LocalStateStore(shared.root()), ServerFixture.seeded(2), clock);
        NodeBootstrap follower = new NodeBootstrap(new IgnitionContent(), followerTokens, null);
        try (ClusterState reconciling = shared.open("lab")) {
            // the node fetches from the follower while the leader's reconcile holds the cluster's lock
            followerTokens.fetches().record("lab", "w-1", "rendered-workers-a");
            assertTrue(new NodeFetches(shared, clock).fetched((io.nkd.state.ClusterView) reconciling).isEmpty(), "not written yet");
        }
        follower.retryFetchRecords(); // what the follower's refresh does every 2 s
        assertEquals(List.of("w-1"), List.copyOf(new NodeFetches(new LocalStateStore(shared.root()), clock)
                .fetched(shared.view("lab")).keySet()), "the leader sees the node's fetch in the shared state");
    }

    @Test
    void theLeaderNeverReloadsWhatItRendered() {
        Clock clock = Clock.systemUTC();
        LocalStateStore shared = new LocalStateStore(tmp.resolve("state"));
        NodeBootstrap boot = new NodeBootstrap(new IgnitionContent(), new NodeTokens(shared, ServerFixture.seeded(1), clock), null);
        try (SharedStateRefresh refresh = SharedStateRefresh.start(boot, shared, fixed(true), Optional::empty)) {
            try (ClusterState s = shared.open("lab")) {
                boot.publish(s, rendering("a"));
            }
            assertFalse(refresh.reloadOnMiss("lab"));
        }
    }

    @Test
    void aReplicaCutOffFromTheApiServerIsNotReady() {
        LocalStateStore shared = new LocalStateStore(tmp.resolve("state"));
        NodeBootstrap boot = new NodeBootstrap(new IgnitionContent(), new NodeTokens(shared, ServerFixture.seeded(1), Clock.systemUTC()), null);
        try (SharedStateRefresh refresh = SharedStateRefresh.start(boot, shared, fixed(false),
                () -> Optional.of("the API server has not answered the election for 3100 ms"))) {
            assertEquals(Optional.of("the API server has not answered the election for 3100 ms"), refresh.notReady());
        }
    }
}
