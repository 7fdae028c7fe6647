package io.nkd.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.nkd.cluster.Addons;
import io.nkd.cluster.ApiReadiness;
import io.nkd.cluster.ClusterNode;
import io.nkd.cluster.JoinTokens;
import io.nkd.cluster.NodeRemovals;
import io.nkd.cluster.Rollouts;
import io.nkd.cluster.WorkloadCluster;
import io.nkd.config.Infrastructure;
import io.nkd.config.Snapshot;
import io.nkd.git.Snapshots;
import io.nkd.pki.BootstrapToken;
import io.nkd.render.RenderedCluster;
import io.nkd.secrets.ClusterSecrets;
import io.nkd.secrets.SecretResolver;
import io.nkd.state.ClusterState;
import io.nkd.state.LocalStateStore;
import io.nkd.status.ClusterStatus;
import io.nkd.testsupport.RepoPaths;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * EnsureJoinToken, the drain before a machine's delete (NodeDrains in ReconcileMachines) and RevokeJoinedTokens, run
 * in the daemon's step order over a cluster API nkd's steps see through {@link WorkloadCluster} (here one in memory).
 */
class JoinsAndDrainsTest {
    private static final String DEMO = "sandbox-demo";
    private static final String FILE = "clusters/sandbox-demo/cluster.yaml";

    @TempDir
    Path tmp;
    private LocalStateStore store;
    private ClusterReconcilerTest.FakeProvider provider;
    private FakeCluster api;
    private Collaborators c;
    private final MutableClock clock = new MutableClock(Instant.parse("2026-06-01T08:00:00Z"));
    private final SimpleMeterRegistry metrics = new SimpleMeterRegistry();
    private final List<RenderedCluster> published = new ArrayList<>();
    /** node → the node overlay version its pointer names. */
    private final Map<String, String> pointers = new TreeMap<>();
    private final Set<String> liveTokens = new TreeSet<>();
    private final Set<String> fetched = new TreeSet<>();
    private final List<String> revokedJoined = new ArrayList<>();
    /** The status of the previous pass: what EnsureJoinToken and the drains know of the cluster's API. */
    private ClusterStatus last = ClusterStatus.initial(DEMO);

    static final class MutableClock extends Clock {
        Instant now;

        MutableClock(Instant now) {
            this.now = now;
        }

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    /** A cluster's API in memory: Node names, nkd's bootstrap tokens, and scripted node removals. */
    static final class FakeCluster implements WorkloadCluster {
        ApiReadiness readiness = ApiReadiness.up();
        final Set<String> nodes = new TreeSet<>();
        final Map<String, BootstrapToken> tokens = new TreeMap<>();
        final Map<String, Instant> expiries = new TreeMap<>();
        final Map<String, Deque<NodeRemovals.Progress>> removals = new HashMap<>();
        final List<String> removeCalls = new ArrayList<>();
        /** Calls to remove what a machine deleted without draining left: "node deleted <time>". */
        final List<String> leftoverCalls = new ArrayList<>();
        final List<NodeRemovals.Policy> policies = new ArrayList<>();
        boolean tokensForbidden;

        @Override
        public ApiReadiness readiness() {
            return readiness;
        }

        @Override
        public List<ClusterNode> nodes() {
            return nodes.stream().map(n -> new ClusterNode(n, true, "KubeletReady", null, null, false, n.contains("control-plane"),
                    "v1.31.4", "NestOS", Map.of(), Map.of())).toList();
        }

        @Override
        public JoinTokens joinTokens() {
            return new JoinTokens() {
                @Override
                public void create(BootstrapToken token, Instant expires, String description) {
                    tokens.put(token.id(), token);
                    expiries.put(token.id(), expires);
                }

                @Override
                public void delete(String id) {
                    tokens.remove(id);
                    expiries.remove(id);
                }

                @Override
                public Map<String, Instant> list() {
                    if (tokensForbidden) {
                        throw new io.nkd.cluster.ClusterApiException("Secrets in kube-system labelled nkd.io/join-token",
                                "cannot list the bootstrap tokens: HTTP 403: secrets is forbidden");
                    }
                    return new TreeMap<>(expiries);
                }
            };
        }

        @Override
        public NodeRemovals nodeRemovals() {
            return new NodeRemovals() {
                @Override
                public Progress remove(String node, boolean controlPlane, Policy policy) {
                    if (!readiness.ready()) {
                        throw new io.nkd.cluster.ClusterApiException("Node " + node, "cannot read it: " + readiness.message());
                    }
                    removeCalls.add(node + (controlPlane ? " (control plane)" : ""));
                    policies.add(policy);
                    Deque<NodeRemovals.Progress> script = removals.get(node);
                    NodeRemovals.Progress p = script == null || script.isEmpty() ? new NodeRemovals.Progress.Done() : script.poll();
                    if (p instanceof NodeRemovals.Progress.Done) {
                        nodes.remove(node);
                    }
                    return p;
                }

                @Override
                public Progress removeLeftover(String node, boolean controlPlane, Instant machineDeleted, Policy policy) {
                    if (!readiness.ready()) {
                        throw new io.nkd.cluster.ClusterApiException("Node " + node, "cannot read it: " + readiness.message());
                    }
                    leftoverCalls.add(node + (controlPlane ? " (control plane)" : "") + " deleted " + machineDeleted);
                    Deque<NodeRemovals.Progress> script = removals.get(node);
                    NodeRemovals.Progress p = script == null || script.isEmpty() ? new NodeRemovals.Progress.Done() : script.poll();
                    if (p instanceof NodeRemovals.Progress.Done) {
                        nodes.remove(node);
                    }
                    return p;
                }
            };
        }

        @Override
        public Addons addons() {
            throw new UnsupportedOperationException();
        }

        @Override
        public Rollouts rollouts() {
            throw new UnsupportedOperationException();
        }

        @Override
        public void close() {
        }
    }

    @BeforeEach
    void setUp() {
        store = new LocalStateStore(tmp.resolve("state"));
        provider = new ClusterReconcilerTest.FakeProvider();
        api = new FakeCluster();
        c = new Collaborators(new ClusterSecrets(store, new SecretResolver(tmp, Map.of()), new SecureRandom(), clock),
                (cluster, rendered) -> published.add(rendered),
                new Collaborators.BootConfigs() {
                    @Override
                    public String pointer(ClusterState state, String pool, String node, String poolVersion, String nodeVersion) {
                        pointers.put(node, nodeVersion);
                        liveTokens.add(node);
                        return "pointer;pool=" + poolVersion + ";node=" + nodeVersion;
                    }

                    @Override
                    public void revoke(ClusterState state, String node) {
                        liveTokens.remove(node);
                        fetched.remove(node);
                    }

                    @Override
                    public Set<String> withLiveTokens(ClusterState state) {
                        return Set.copyOf(liveTokens);
                    }

                    @Override
                    public void revokeJoined(ClusterState state, String node) {
                        liveTokens.remove(node);
                        revokedJoined.add(node);
                    }

                    @Override
                    public Map<String, Collaborators.NodeFetch> fetched(ClusterState state) {
                        return fetched.stream().collect(Collectors.toMap(n -> n, n -> new Collaborators.NodeFetch(n, "v", clock.now, clock.now)));
                    }
                },
                infra -> infra.provider() == Infrastructure.ProviderType.SANDBOX ? Optional.of(provider) : Optional.empty());
    }

    private static Snapshot workers(int replicas, String revision) {
        Snapshot base = Snapshots.fromDirectory(RepoPaths.repoRoot().resolve("repo-layout/example"));
        TreeMap<String, byte[]> files = new TreeMap<>(base.files());
        files.put(FILE, base.text(FILE).orElseThrow().replace("replicas: 2", "replicas: " + replicas)
                .getBytes(StandardCharsets.UTF_8));
        return new Snapshot(revision, files);
    }

    /** One reconcile in the daemon's step order, the cluster's API being {@link #api} (null: not reachable). */
    private Pass pass(Snapshot commit, FakeCluster cluster) throws ReconcileException {
        published.clear();
        try (ClusterState state = store.open(DEMO)) {
            Scope s = new Scope(DEMO, DesiredRevision.of(commit), state, last,
                    new ProviderCalls(DEMO, commit.revision(), metrics, clock));
            for (Step step : Steps.all(c)) {
                if (step instanceof ConnectCluster) {
                    s.workload = cluster; // ConnectCluster's job, done here
                    continue;
                }
                if (step instanceof ApplyAddons || step instanceof RolloutUpdates) {
                    continue; // the addons and upgrades work: not under test here
                }
                if (!step.run(s)) {
                    break;
                }
            }
            last = StatusComputer.compute(s, clock.instant());
            return new Pass(s, last);
        }
    }

    private record Pass(Scope scope, ClusterStatus status) {
    }

    /** Bootstrap: machines created while the API is not up, then every node joins. */
    private void bootstrapped() throws ReconcileException {
        api.readiness = ApiReadiness.down("connection refused");
        pass(workers(2, "a".repeat(40)), api);
        assertTrue(api.tokens.isEmpty(), "no fresh token while the API is not up: nodes join with the cluster's first one");
        api.readiness = ApiReadiness.up();
        api.nodes.addAll(provider.machines.keySet());
        fetched.addAll(provider.machines.keySet());
        pass(workers(2, "a".repeat(40)), api); // ObserveCluster sees the API up and every node joined
    }

    @Test
    void machinesCreatedOnARunningClusterCarryAFreshTokenAndPoolVersionsStay() throws ReconcileException {
        bootstrapped();
        Pass steady = pass(workers(2, "a".repeat(40)), api);
        assertTrue(api.tokens.isEmpty(), "every node joined: no token is needed");
        Map<String, String> poolVersions = steady.status().pools().stream()
                .collect(Collectors.toMap(ClusterStatus.PoolStatus::name, ClusterStatus.PoolStatus::renderedVersion));
        String workers1Overlay = pointers.get("sandbox-demo-workers-1");

        Pass up = pass(workers(4, "b".repeat(40)), api);
        assertEquals(1, api.tokens.size(), "one fresh token for the new machines");
        String id = api.tokens.keySet().iterator().next();
        assertEquals(clock.now.plus(EnsureJoinToken.LIFETIME), api.expiries.get(id));
        assertEquals(poolVersions, up.status().pools().stream()
                .collect(Collectors.toMap(ClusterStatus.PoolStatus::name, ClusterStatus.PoolStatus::renderedVersion)),
                "a token is not a new version of a pool");
        RenderedCluster withToken = published.get(published.size() - 1);
        for (String node : List.of("sandbox-demo-workers-3", "sandbox-demo-workers-4")) {
            String version = pointers.get(node);
            var overlay = withToken.nodes().stream().filter(n -> n.version().equals(version)).findFirst().orElseThrow(
                    () -> new AssertionError(node + "'s pointer names an overlay that was not published"));
            assertTrue(overlay.config().toString().contains("/etc/nkd/join-token"), node + ": " + overlay.config());
        }
        assertEquals(workers1Overlay, pointers.get("sandbox-demo-workers-1"), "machines that exist keep their pointers");
        try (ClusterState state = store.open(DEMO)) {
            String stored = new String(state.read(EnsureJoinToken.STATE_FILE).orElseThrow(), StandardCharsets.UTF_8);
            assertTrue(stored.contains(api.tokens.get(id).value()), "kept in the cluster's state");
        }
        assertFalse(up.status().toString().contains(api.tokens.get(id).secret()), "the token is not in the status");

        // while fresh enough it is reused; an hour before its end a new one comes, and the old one stays until it expires
        clock.advance(Duration.ofHours(1));
        pass(workers(4, "b".repeat(40)), api);
        assertEquals(Set.of(id), api.tokens.keySet(), "reused while it has more than 2 h left");
        clock.advance(Duration.ofMinutes(90));
        pass(workers(4, "b".repeat(40)), api);
        assertEquals(2, api.tokens.size(), "a machine created now gets a token with at least 2 h left");
        assertEquals(2.0, metrics.get("nkd_join_tokens_created_total").tag("cluster", DEMO).counter().count());
        clock.advance(Duration.ofHours(2));
        pass(workers(4, "b".repeat(40)), api);
        assertFalse(api.tokens.containsKey(id), "expired tokens are deleted");

        // every node joined (as ObserveCluster sees on one pass): nkd's tokens go on the next
        api.nodes.addAll(List.of("sandbox-demo-workers-3", "sandbox-demo-workers-4"));
        pass(workers(4, "b".repeat(40)), api);
        pass(workers(4, "b".repeat(40)), api);
        assertTrue(api.tokens.isEmpty(), api.tokens.keySet()::toString);
        try (ClusterState state = store.open(DEMO)) {
            assertTrue(state.read(EnsureJoinToken.STATE_FILE).isEmpty());
        }
    }

    @Test
    void aCorruptTokenOrDrainRecordNamesItsFileAndSaysDeletingItIsSafe() throws ReconcileException {
        bootstrapped();
        for (String file : List.of(EnsureJoinToken.STATE_FILE, NodeDrains.STATE_FILE)) {
            try (ClusterState state = store.open(DEMO)) {
                state.write(file, "{\"token\": abcdef.0123456789abcdef".getBytes(StandardCharsets.UTF_8), io.nkd.state.Sensitivity.SECRET);
            }
            io.nkd.state.CorruptStateException e = org.junit.jupiter.api.Assertions.assertThrows(io.nkd.state.CorruptStateException.class,
                    () -> pass(workers(3, "b".repeat(40)), api));
            assertTrue(e.getMessage().contains(file + " is corrupt: "), e.getMessage());
            assertTrue(e.getMessage().endsWith("delete it and nkd will regenerate it on the next reconcile."),
                    file + ": the operator is told what deleting it does: " + e.getMessage());
            assertFalse(e.getMessage().contains("0123456789abcdef"), e.getMessage());
            try (ClusterState state = store.open(DEMO)) {
                state.delete(file);
            }
        }
        pass(workers(3, "b".repeat(40)), api);
        assertEquals(1, api.tokens.size(), "without the record, a fresh token for the new machine");
        assertTrue(provider.machines.containsKey("sandbox-demo-workers-3"), provider.machines.keySet()::toString);
    }

    @Test
    void joinedNodesLoseTheirNodeTokenAndAReprovisionedMachineGetsANewOne() throws ReconcileException {
        api.readiness = ApiReadiness.down("connection refused");
        pass(workers(2, "a".repeat(40)), api);
        assertEquals(Set.of("sandbox-demo-control-plane-1", "sandbox-demo-workers-1", "sandbox-demo-workers-2"), liveTokens);
        api.readiness = ApiReadiness.up();
        api.nodes.add("sandbox-demo-workers-1");
        api.nodes.add("sandbox-demo-workers-2");
        fetched.add("sandbox-demo-workers-1");
        pass(workers(2, "a".repeat(40)), api);
        assertEquals(List.of("sandbox-demo-workers-1"), revokedJoined,
                "joined and fetched: revoked; a Node without a fetch of the current machine keeps its token");
        assertEquals(Set.of("sandbox-demo-control-plane-1", "sandbox-demo-workers-2"), liveTokens);

        // the machine is lost at its provider and created again: a new token
        provider.machines.remove("sandbox-demo-workers-1");
        api.nodes.remove("sandbox-demo-workers-1");
        pass(workers(2, "a".repeat(40)), api);
        assertTrue(liveTokens.contains("sandbox-demo-workers-1"), "a re-provisioned machine gets a new token");
    }

    @Test
    void aMachineIsDeletedOnlyOnceItsNodeIsDrainedAndTheDrainStartPersists() throws ReconcileException {
        bootstrapped();
        api.removals.put("sandbox-demo-workers-2", new ArrayDeque<>(List.of(
                new NodeRemovals.Progress.InProgress("2 pods left; default/web-1 blocked by PodDisruptionBudget default/web"),
                new NodeRemovals.Progress.Blocked("drain timeout 10m0s passed; default/web-1 blocked by PodDisruptionBudget "
                        + "default/web; set spec.upgrade.evictPodForce: true or fix the budget"),
                new NodeRemovals.Progress.Done())));
        Instant started = clock.now;
        Pass first = pass(workers(1, "b".repeat(40)), api);
        assertTrue(provider.machines.containsKey("sandbox-demo-workers-2"), "the machine waits for its drain");
        assertEquals(ClusterStatus.Phase.PROVISIONING, first.status().phase(), "the reconcile comes back soon");
        String message = first.status().condition("Ready").message();
        assertTrue(message.contains("draining sandbox-demo-workers-2: 2 pods left; default/web-1 blocked by PodDisruptionBudget default/web"),
                message);

        clock.advance(Duration.ofMinutes(11));
        Pass blocked = pass(workers(1, "b".repeat(40)), api);
        assertTrue(provider.machines.containsKey("sandbox-demo-workers-2"));
        assertTrue(blocked.status().condition("Ready").message().contains("draining sandbox-demo-workers-2 is blocked: drain timeout"),
                blocked.status().condition("Ready").message());
        assertEquals(started, api.policies.get(1).drainStarted(), "the drain start persists across reconciles");
        assertEquals(Duration.ofMinutes(10), api.policies.get(1).drainTimeout());

        Pass done = pass(workers(1, "b".repeat(40)), api);
        assertFalse(provider.machines.containsKey("sandbox-demo-workers-2"), "drained and out of Kubernetes: deleted");
        assertEquals(ClusterStatus.Phase.READY, done.status().phase(), done.status().condition("Ready").message());
        assertEquals(List.of("sandbox-demo-workers-2", "sandbox-demo-workers-2", "sandbox-demo-workers-2"), api.removeCalls);
        assertEquals(1.0, metrics.get("nkd_node_drains_total").tag("result", "drained").counter().count());
        try (ClusterState state = store.open(DEMO)) {
            assertTrue(state.read(NodeDrains.STATE_FILE).isEmpty(), "nothing left to remember");
        }
    }

    @Test
    void whenTheApiStaysDownTheMachineIsDeletedWithoutDrainingAfterTheGrace() throws ReconcileException {
        bootstrapped();
        api.readiness = ApiReadiness.down("dial tcp 10.0.0.10:6443: connection refused");
        Pass waiting = pass(workers(1, "b".repeat(40)), api);
        assertTrue(provider.machines.containsKey("sandbox-demo-workers-2"));
        assertTrue(waiting.status().condition("MachinesReady").message().contains("waiting for the cluster's API to drain it (Node "
                        + "sandbox-demo-workers-2: cannot read it: dial tcp 10.0.0.10:6443: connection refused)"),
                waiting.status().condition("MachinesReady").message());
        clock.advance(NodeDrains.API_DOWN_GRACE.minusSeconds(1));
        pass(workers(1, "b".repeat(40)), api);
        assertTrue(provider.machines.containsKey("sandbox-demo-workers-2"), "still within the grace");
        clock.advance(Duration.ofSeconds(1));
        Pass gone = pass(workers(1, "b".repeat(40)), api);
        assertFalse(provider.machines.containsKey("sandbox-demo-workers-2"));
        String machines = gone.status().condition("MachinesReady").message();
        assertTrue(machines.contains("deleted WITHOUT draining (nkd could not reach the cluster's API): sandbox-demo-workers-2"), machines);
        assertTrue(api.removeCalls.isEmpty());
        assertEquals(1.0, metrics.get("nkd_node_drains_total").tag("result", "api_down").counter().count());
    }

    @Test
    void theNodeLeftByADeletionWithoutDrainIsRemovedOnceTheApiAnswersAgain() throws ReconcileException {
        bootstrapped();
        api.readiness = ApiReadiness.down("dial tcp 10.0.0.10:6443: connection refused");
        pass(workers(1, "b".repeat(40)), api);
        clock.advance(NodeDrains.API_DOWN_GRACE);
        Instant deleted = clock.now;
        Pass gone = pass(workers(1, "b".repeat(40)), api);
        assertFalse(provider.machines.containsKey("sandbox-demo-workers-2"));
        assertTrue(api.nodes.contains("sandbox-demo-workers-2"), "its Node is still in the cluster");
        String machines = gone.status().condition("MachinesReady").message();
        assertTrue(machines.contains("left in Kubernetes: sandbox-demo-workers-2 (Node of the machine deleted without draining at "
                + deleted + ": removed once the cluster's API answers"), machines);
        try (ClusterState state = store.open(DEMO)) {
            assertTrue(state.read(NodeDrains.LEFTOVERS_FILE).isPresent(), "remembered across restarts");
        }
        pass(workers(1, "b".repeat(40)), api);
        assertTrue(api.leftoverCalls.isEmpty(), "nothing is attempted while the API is down");

        // the API answers again: ObserveCluster sees it, the next pass removes the Node
        api.readiness = ApiReadiness.up();
        pass(workers(1, "b".repeat(40)), api);
        Pass clean = pass(workers(1, "b".repeat(40)), api);
        assertEquals(List.of("sandbox-demo-workers-2 deleted " + deleted), api.leftoverCalls);
        assertFalse(api.nodes.contains("sandbox-demo-workers-2"));
        assertFalse(clean.status().condition("MachinesReady").message().contains("left in Kubernetes"),
                clean.status().condition("MachinesReady").message());
        assertEquals(1.0, metrics.get("nkd_node_drains_total").tag("result", "leftover_removed").counter().count());
        try (ClusterState state = store.open(DEMO)) {
            assertTrue(state.read(NodeDrains.LEFTOVERS_FILE).isEmpty(), "done: nothing left to remember");
        }
        pass(workers(1, "b".repeat(40)), api);
        assertEquals(1, api.leftoverCalls.size(), "once");
    }

    @Test
    void aLeftoverBlockedByEtcdStaysInTheStatusWithWhy() throws ReconcileException {
        bootstrapped();
        api.readiness = ApiReadiness.down("connection refused");
        pass(workers(1, "b".repeat(40)), api);
        clock.advance(NodeDrains.API_DOWN_GRACE);
        pass(workers(1, "b".repeat(40)), api);
        api.readiness = ApiReadiness.up();
        api.removals.put("sandbox-demo-workers-2", new ArrayDeque<>(List.of(
                new NodeRemovals.Progress.Blocked("etcd member sandbox-demo-workers-2 is not removed: 1 of 3 members answer"))));
        pass(workers(1, "b".repeat(40)), api);
        Pass blocked = pass(workers(1, "b".repeat(40)), api);
        assertTrue(blocked.status().condition("MachinesReady").message().contains("sandbox-demo-workers-2 (Node of the machine deleted "
                + "without draining at ") && blocked.status().condition("MachinesReady").message().contains(
                "not removed: etcd member sandbox-demo-workers-2 is not removed: 1 of 3 members answer"),
                blocked.status().condition("MachinesReady").message());
        pass(workers(1, "b".repeat(40)), api);
        assertEquals(2, api.leftoverCalls.size(), "tried again on the next pass");
        assertFalse(api.nodes.contains("sandbox-demo-workers-2"));
    }

    @Test
    void aCorruptLeftoverRecordNamesItsFileAndDoesNotPromiseItComesBack() throws ReconcileException {
        bootstrapped();
        try (ClusterState state = store.open(DEMO)) {
            state.write(NodeDrains.LEFTOVERS_FILE, "{\"nodes\": {".getBytes(StandardCharsets.UTF_8), io.nkd.state.Sensitivity.PUBLIC);
        }
        io.nkd.state.CorruptStateException e = org.junit.jupiter.api.Assertions.assertThrows(io.nkd.state.CorruptStateException.class,
                () -> pass(workers(2, "a".repeat(40)), api));
        assertTrue(e.getMessage().contains(NodeDrains.LEFTOVERS_FILE + " is corrupt: "), e.getMessage());
        assertFalse(e.getMessage().contains("nkd will regenerate it"), "nkd cannot: " + e.getMessage());
    }

    @Test
    void aNameANewMachineCarriesAgainIsNeverCleanedUp() throws ReconcileException {
        bootstrapped();
        api.readiness = ApiReadiness.down("connection refused");
        pass(workers(1, "b".repeat(40)), api);
        clock.advance(NodeDrains.API_DOWN_GRACE);
        pass(workers(1, "b".repeat(40)), api);
        assertFalse(provider.machines.containsKey("sandbox-demo-workers-2"));
        // the pool grows back while the API is still down: a new machine sandbox-demo-workers-2
        pass(workers(2, "c".repeat(40)), api);
        assertTrue(provider.machines.containsKey("sandbox-demo-workers-2"));
        api.readiness = ApiReadiness.up();
        pass(workers(2, "c".repeat(40)), api);
        pass(workers(2, "c".repeat(40)), api);
        assertTrue(api.leftoverCalls.isEmpty(), "the new machine's kubelet takes over the Node of its name: nkd never deletes it");
        assertTrue(api.nodes.contains("sandbox-demo-workers-2"));
        assertEquals(1.0, metrics.get("nkd_node_drains_total").tag("result", "leftover_reused").counter().count());
        try (ClusterState state = store.open(DEMO)) {
            assertTrue(state.read(NodeDrains.LEFTOVERS_FILE).isEmpty());
        }
    }

    @Test
    void aNodeNkdNeverSawInKubernetesHasNothingToDrainItsMachineGoesAtOnce() throws ReconcileException {
        // the cluster's API never came up (the VMs of a lab that never ran kubeadm): no Node was ever seen
        api.readiness = ApiReadiness.down("dial tcp 10.0.0.10:6443: connection refused");
        fetched.addAll(List.of("sandbox-demo-control-plane-1", "sandbox-demo-workers-1", "sandbox-demo-workers-2"));
        pass(workers(2, "a".repeat(40)), api);
        pass(workers(2, "a".repeat(40)), api);
        Pass scaled = pass(workers(1, "b".repeat(40)), api);
        assertFalse(provider.machines.containsKey("sandbox-demo-workers-2"), "deleted at once, not after the API's grace time");
        assertTrue(api.removeCalls.isEmpty());
        assertEquals(1.0, metrics.get("nkd_node_drains_total").tag("result", "never_joined").counter().count());
        assertFalse(scaled.status().condition("MachinesReady").message().contains("draining"),
                scaled.status().condition("MachinesReady").message());
    }

    @Test
    void withoutAWayToReachTheApiMachinesAreDeletedAsBefore() throws ReconcileException {
        pass(workers(2, "a".repeat(40)), null);
        Pass down = pass(workers(1, "b".repeat(40)), null);
        assertFalse(provider.machines.containsKey("sandbox-demo-workers-2"));
        assertNull(down.scope().joinToken);
        assertNotNull(down.status());
        assertNotEquals(0, metrics.get("nkd_node_drains_total").tag("result", "not_reachable").counter().count());
    }

    @Test
    void withoutATokenNoMachineIsCreatedButScalingDownGoesOn() throws ReconcileException {
        bootstrapped();
        api.tokensForbidden = true;
        ReconcileException e = org.junit.jupiter.api.Assertions.assertThrows(ReconcileException.class,
                () -> pass(workers(3, "b".repeat(40)), api));
        assertEquals(io.nkd.status.Reasons.JOIN_TOKEN_FAILED, e.reason());
        assertTrue(e.getMessage().contains("Secrets in kube-system labelled nkd.io/join-token: cannot list the bootstrap tokens: HTTP 403"),
                e.getMessage());
        assertFalse(provider.machines.containsKey("sandbox-demo-workers-3"), "no machine without its token");

        pass(workers(1, "c".repeat(40)), api);
        assertFalse(provider.machines.containsKey("sandbox-demo-workers-2"), "scaling down does not need a token");
    }
}
