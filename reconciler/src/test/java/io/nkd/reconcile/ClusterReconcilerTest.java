package io.nkd.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.nkd.config.Infrastructure;
import io.nkd.config.Snapshot;
import io.nkd.git.Snapshots;
import io.nkd.infra.ProvisionedMachine;
import io.nkd.infra.MachineRequest;
import io.nkd.infra.Provider;
import io.nkd.secrets.ClusterSecrets;
import io.nkd.secrets.SecretResolver;
import io.nkd.state.LocalStateStore;
import io.nkd.status.ClusterStatus;
import io.nkd.status.HistoryEntry;
import io.nkd.status.StatusStore;
import io.nkd.testsupport.RepoPaths;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The reconcile steps and the status they produce, with an in-memory provider. */
class ClusterReconcilerTest {
    private static final String DEMO = "sandbox-demo";

    @TempDir
    Path tmp;

    private LocalStateStore store;
    private FakeProvider provider;
    private final List<String> published = new ArrayList<>();
    private final List<String> revoked = new ArrayList<>();
    private ClusterReconciler reconciler;
    private SimpleMeterRegistry metrics;

    /** Machines in memory; a created machine runs its desired config at once (or stays in {@link #createAs}). */
    static final class FakeProvider implements Provider {
        final Map<String, ProvisionedMachine> machines = new ConcurrentHashMap<>();
        final List<String> userData = new ArrayList<>();
        volatile ProvisionedMachine.State createAs = ProvisionedMachine.State.ACTIVE;
        volatile boolean broken;
        /** Deletes like Nova's: the machine stays listed as DELETING until {@link #finishDeletes()}. */
        volatile boolean asyncDelete;
        final List<String> calls = java.util.Collections.synchronizedList(new ArrayList<>());

        void finishDeletes() {
            machines.values().removeIf(m -> m.state() == ProvisionedMachine.State.DELETING);
        }

        @Override
        public io.nkd.config.Infrastructure.ProviderType type() {
            return io.nkd.config.Infrastructure.ProviderType.SANDBOX;
        }

        @Override
        public String name() {
            return "fake";
        }

        @Override
        public List<io.nkd.infra.OwnedResource> owned(String cluster) {
            return list(cluster).stream().map(m -> new io.nkd.infra.OwnedResource("machine", m.name(), m.name())).toList();
        }

        @Override
        public List<io.nkd.infra.OwnedResource> destroy(String cluster) {
            List<io.nkd.infra.OwnedResource> gone = owned(cluster);
            gone.forEach(r -> delete(cluster, r.name()));
            return gone;
        }

        @Override
        public List<ProvisionedMachine> list(String cluster) {
            if (broken) {
                throw new IllegalStateException("the provider's API answers 503");
            }
            return machines.values().stream().filter(m -> m.cluster().equals(cluster)).sorted(java.util.Comparator.comparing(ProvisionedMachine::name)).toList();
        }

        @Override
        public ProvisionedMachine create(MachineRequest r) {
            userData.add(r.userData());
            String version = r.userData().replaceAll(".*pool=([^;]*).*", "$1");
            ProvisionedMachine.State state = createAs;
            calls.add("create " + r.name());
            return machines.computeIfAbsent(r.name(), n -> new ProvisionedMachine(r.cluster(), r.pool(), n, state, r.revision(),
                    state == ProvisionedMachine.State.ACTIVE ? version : null, state == ProvisionedMachine.State.FAILED ? "disk full" : null,
                    r.configVersion(), r.spec(), java.time.Instant.now(), null));
        }

        @Override
        public void delete(String cluster, String machine) {
            calls.add("delete " + machine);
            if (asyncDelete) {
                machines.computeIfPresent(machine, (n, m) -> new ProvisionedMachine(m.cluster(), m.pool(), n, ProvisionedMachine.State.DELETING,
                        m.revision(), m.currentConfig(), m.message(), m.configVersion(), m.spec(), m.createdAt(), m.address()));
            } else {
                machines.remove(machine);
            }
        }
    }

    @BeforeEach
    void setUp() {
        store = new LocalStateStore(tmp.resolve("state"));
        provider = new FakeProvider();
        metrics = new SimpleMeterRegistry();
        Collaborators c = new Collaborators(
                new ClusterSecrets(store, new SecretResolver(tmp, Map.of()), new SecureRandom(), Clock.systemUTC()),
                (cluster, rendered) -> published.add(cluster + ":" + rendered.versions()),
                new Collaborators.BootConfigs() {
                    @Override
                    public String pointer(io.nkd.state.ClusterState state, String pool, String node, String poolVersion, String nodeVersion) {
                        return "pointer;pool=" + poolVersion + ";node=" + nodeVersion;
                    }

                    @Override
                    public void revoke(io.nkd.state.ClusterState state, String node) {
                        revoked.add(node);
                    }
                },
                infra -> infra.provider() == Infrastructure.ProviderType.SANDBOX ? Optional.of(provider) : Optional.empty());
        reconciler = new ClusterReconciler(store, c, Clock.systemUTC(), metrics);
    }

    private static Snapshot example(String revision, String file, UnaryOperator<String> edit) {
        Snapshot base = Snapshots.fromDirectory(RepoPaths.repoRoot().resolve("repo-layout/example"));
        TreeMap<String, byte[]> files = new TreeMap<>(base.files());
        if (file != null) {
            files.put(file, edit.apply(base.text(file).orElseThrow()).getBytes(StandardCharsets.UTF_8));
        }
        return new Snapshot(revision, files);
    }

    private ClusterReconciler.Outcome reconcile(Snapshot s) {
        return reconciler.reconcile(DEMO, DesiredRevision.of(s));
    }

    @Test
    void aGoodCommitIsAppliedAndTheClusterBecomesReady() {
        var outcome = reconcile(example("a".repeat(40), null, null));
        ClusterStatus st = outcome.status();
        assertEquals("a".repeat(40), st.appliedRevision());
        assertEquals(ClusterStatus.Phase.READY, st.phase());
        assertEquals(io.nkd.config.Infrastructure.ProviderType.SANDBOX, st.provider());
        assertEquals(3, provider.machines.size());
        assertTrue(st.condition("Ready").isTrue());
        assertEquals("Succeeded", st.condition("Ready").reason());
        assertEquals(List.of("control-plane", "workers"), st.pools().stream().map(ClusterStatus.PoolStatus::name).toList());
        st.nodes().forEach(n -> assertEquals(n.desiredVersion(), n.currentVersion()));
        assertTrue(provider.userData.get(0).contains("pool=rendered-control-plane-"), provider.userData.toString());
        assertEquals(1, published.size());
        assertEquals(HistoryEntry.Outcome.APPLIED, StatusStore.history(store.view(DEMO)).get(0).outcome());
        assertEquals(1.0, metrics.get("nkd_reconcile_total").tag("result", "success").counter().count());
        assertTrue(metrics.get("nkd_reconcile_duration_seconds").timer().count() == 1);
    }

    @Test
    void aBadCommitKeepsTheLastGoodRevisionAndSaysWhy() {
        reconcile(example("a".repeat(40), null, null));
        var bad = reconcile(example("b".repeat(40), "clusters/sandbox-demo/cluster.yaml", s -> s.replace("replicas: 2", "replicas: two")));
        ClusterStatus st = bad.status();
        assertEquals("a".repeat(40), st.appliedRevision(), "the last good commit stays applied");
        assertEquals("b".repeat(40), st.attemptedRevision());
        assertEquals(io.nkd.config.Infrastructure.ProviderType.SANDBOX, st.provider(), "the provider of the last readable commit");
        assertEquals("ValidationFailed", st.lastError().reason());
        assertTrue(st.lastError().message().contains("cluster.yaml:23"), st.lastError().message());
        assertTrue(st.condition("Stalled").isTrue());
        assertEquals("ValidationFailed", st.condition("ConfigValid").reason());
        assertEquals(3, provider.machines.size(), "nothing was touched");
        assertNull(bad.retryAfter(), "a stalled cluster waits for a new commit");
        assertEquals(HistoryEntry.Outcome.FAILED, StatusStore.history(store.view(DEMO)).get(1).outcome());
    }

    @Test
    void aClusterYamlThatCannotBeReadAtAllKeepsTheStatusOfTheLastGoodCommit() {
        reconcile(example("a".repeat(40), null, null));
        var bad = reconcile(example("b".repeat(40), "clusters/sandbox-demo/cluster.yaml",
                s -> s.replace("controlPlaneEndpoint:", "controlPlaneEndpiont:")));
        ClusterStatus st = bad.status();
        assertEquals("ValidationFailed", st.lastError().reason());
        assertTrue(st.lastError().message().contains("unknown key \"controlPlaneEndpiont\""), st.lastError().message());
        assertEquals(io.nkd.config.Infrastructure.ProviderType.SANDBOX, st.provider(), "the provider of the last readable commit");
        assertEquals("a".repeat(40), st.appliedRevision());
    }

    @Test
    void anUnsafeChangeIsRefused() {
        reconcile(example("a".repeat(40), null, null));
        var refused = reconcile(example("c".repeat(40), "clusters/sandbox-demo/cluster.yaml", s -> s.replace("v1.31.4", "v1.30.8")
                .replace("nestos-24.09-k8s-1.31", "nestos-24.03-k8s-1.30")));
        assertEquals("ChangeRefused", refused.status().lastError().reason());
        assertEquals("a".repeat(40), refused.status().appliedRevision());
        assertEquals(HistoryEntry.Outcome.REFUSED, StatusStore.history(store.view(DEMO)).get(1).outcome());
    }

    @Test
    void scalingDownDeletesTheHighestNodeAndRevokesItsToken() {
        reconcile(example("a".repeat(40), null, null));
        var down = reconcile(example("d".repeat(40), "clusters/sandbox-demo/cluster.yaml", s -> s.replace("replicas: 2", "replicas: 1")));
        assertEquals(2, provider.machines.size());
        assertEquals(List.of("sandbox-demo-workers-2"), revoked);
        assertTrue(down.status().condition("MachinesReady").message().contains("1 deleted"), down.status().condition("MachinesReady").message());
    }

    @Test
    void aReplacementWhoseDeleteIsAsynchronousCreatesTheNodeOnceTheOldMachineIsGone() {
        reconcile(example("a".repeat(40), null, null));
        provider.calls.clear();
        provider.asyncDelete = true;
        Snapshot bigger = example("f".repeat(40), "clusters/sandbox-demo/cluster.yaml", s -> s
                .replace("      replicas: 2\n", "      replicas: 2\n      machine: {cpus: 4, memoryMiB: 8192, diskGiB: 60}\n")
                .replace("  upgrade:\n", "  machinePolicy: {replace: true}\n  upgrade:\n"));
        var first = reconcile(bigger);
        assertEquals(List.of("delete sandbox-demo-workers-1"), provider.calls, "the old machine goes first; it is still listed");
        assertEquals(ClusterStatus.Phase.PROVISIONING, first.status().phase());
        assertEquals(java.time.Duration.ofSeconds(5), first.retryAfter(), "and the reconcile comes back for the rest");
        reconcile(bigger);
        assertEquals(List.of("delete sandbox-demo-workers-1"), provider.calls, "nothing more while the delete runs");
        provider.finishDeletes();
        reconcile(bigger);
        assertEquals(List.of("delete sandbox-demo-workers-1", "create sandbox-demo-workers-1", "delete sandbox-demo-workers-2"),
                provider.calls, "the node is created again under its name, and active, so the next replacement begins");
        provider.finishDeletes();
        var done = reconcile(bigger);
        assertEquals(ClusterStatus.Phase.READY, done.status().phase());
        assertEquals("4 CPUs, 8192 MiB, 60 GiB disk", provider.machines.get("sandbox-demo-workers-2").spec().size());
        assertEquals("", provider.machines.get("sandbox-demo-control-plane-1").spec().size());
        assertEquals(List.of("sandbox-demo-workers-1", "sandbox-demo-workers-2"), revoked, "each replaced machine's token is revoked");
    }

    @Test
    void pausedInGitTouchesNothing() {
        var paused = reconcile(example("e".repeat(40), "clusters/sandbox-demo/cluster.yaml", s -> s.replace("spec:\n", "spec:\n  paused: true\n")));
        assertEquals(ClusterStatus.Phase.PAUSED, paused.status().phase());
        assertEquals(0, provider.machines.size());
        assertEquals("Paused", paused.status().condition("Reconciling").reason());
    }

    @Test
    void aClusterWithoutAProviderStallsWithoutAffectingOthers() {
        var prod = reconciler.reconcile("openstack-prod", DesiredRevision.of(example("a".repeat(40), null, null)));
        assertEquals("ProvisioningFailed", prod.status().lastError().reason());
        assertTrue(prod.status().lastError().message().contains("no openstack provider"), prod.status().lastError().message());
        assertEquals(ClusterStatus.Phase.READY, reconcile(example("a".repeat(40), null, null)).status().phase());
    }

    private static final String SNIPPET = "clusters/sandbox-demo/butane/workers/10-motd.bu";

    private static Snapshot withSnippet(String revision) {
        Snapshot base = example(revision, null, null);
        TreeMap<String, byte[]> files = new TreeMap<>(base.files());
        files.put(SNIPPET, "variant: fcos\nversion: 1.4.0\nstorage:\n  files:\n    - path: /etc/motd.d/x.motd\n      contents:\n        inline: hi\n"
                .getBytes(StandardCharsets.UTF_8));
        return new Snapshot(revision, files);
    }

    private static void assertPhaseAndReadyAgree(ClusterStatus st) {
        assertEquals(StatusComputer.ready(st.phase()), st.condition("Ready").status(),
                () -> "phase " + st.phase() + " with Ready " + st.condition("Ready"));
    }

    @Test
    void everyStandingGivesAPhaseAndAReadyStatusThatAgree() {
        java.util.Set<ClusterStatus.Phase> reached = java.util.EnumSet.noneOf(ClusterStatus.Phase.class);
        for (StatusComputer.Standing standing : StatusComputer.Standing.values()) {
            ClusterStatus.Phase phase = StatusComputer.phase(standing);
            reached.add(phase);
            io.nkd.status.Condition.Status ready = StatusComputer.ready(phase);
            assertEquals(phase == ClusterStatus.Phase.READY, ready == io.nkd.status.Condition.Status.TRUE, standing + " → " + phase);
        }
        reached.add(ClusterStatus.Phase.PENDING); // before the first reconcile: no conditions yet
        // what StatusStore reads from an unreadable status.json; its Ready must follow the same mapping
        ClusterStatus unreadable = io.nkd.status.StatusStore.unreadable("demo", "status.json is not valid JSON");
        reached.add(unreadable.phase());
        assertPhaseAndReadyAgree(unreadable);
        assertEquals(java.util.EnumSet.allOf(ClusterStatus.Phase.class), reached, "every phase is reachable");
        assertEquals(io.nkd.status.Condition.Status.UNKNOWN, StatusComputer.ready(ClusterStatus.Phase.PAUSED));
        assertEquals(io.nkd.status.Condition.Status.UNKNOWN, StatusComputer.ready(ClusterStatus.Phase.UNMANAGED));
        assertEquals(io.nkd.status.Condition.Status.FALSE, StatusComputer.ready(ClusterStatus.Phase.DEGRADED));
    }

    @Test
    void everyReachableSituationShowsAPhaseThatMatchesReady() {
        String a = "a".repeat(40);
        // nothing applied yet and the commit fails
        var failedFirst = reconciler.reconcile("openstack-prod", DesiredRevision.of(example(a, null, null))).status();
        assertEquals(ClusterStatus.Phase.FAILED, failedFirst.phase());
        // machines booting
        provider.createAs = ProvisionedMachine.State.BUILDING;
        var booting = reconcile(example(a, null, null)).status();
        assertEquals(ClusterStatus.Phase.PROVISIONING, booting.phase());
        assertEquals("WaitingForMachines", booting.condition("MachinesReady").reason());
        // a machine failed
        provider.machines.clear();
        provider.createAs = ProvisionedMachine.State.FAILED;
        var failedMachine = reconciler.reconcile(DEMO, DesiredRevision.of(example("f".repeat(40), null, null))).status();
        assertEquals(ClusterStatus.Phase.PROVISIONING, failedMachine.phase(), "nkd re-creates a failed machine a few times");
        assertEquals("Provisioning", failedMachine.condition("Ready").reason());
        assertTrue(failedMachine.condition("Ready").message().contains("disk full"), failedMachine.condition("Ready").message());
        // ready
        provider.machines.clear();
        provider.createAs = ProvisionedMachine.State.ACTIVE;
        var ready = reconcile(example(a, null, null)).status();
        assertEquals(ClusterStatus.Phase.READY, ready.phase());
        // a rollout nkd cannot do
        var pending = reconcile(withSnippet("b".repeat(40))).status();
        assertEquals(ClusterStatus.Phase.ROLLOUT_PENDING, pending.phase());
        // a bad commit on top: the last good one runs on
        var bad = reconcile(example("c".repeat(40), "clusters/sandbox-demo/cluster.yaml", t -> t.replace("replicas: 2", "replicas: two"))).status();
        assertEquals(ClusterStatus.Phase.DEGRADED, bad.phase());
        // the provider fails (transient)
        provider.broken = true;
        var flaky = reconcile(example("d".repeat(40), "clusters/sandbox-demo/cluster.yaml", t -> t.replace("replicas: 2", "replicas: 3"))).status();
        assertEquals(ClusterStatus.Phase.DEGRADED, flaky.phase());
        assertEquals("ProvisioningFailed", flaky.condition("Ready").reason());
        provider.broken = false;
        // paused, then removed
        var paused = reconcile(example("e".repeat(40), "clusters/sandbox-demo/cluster.yaml", t -> t.replace("spec:\n", "spec:\n  paused: true\n"))).status();
        assertEquals(ClusterStatus.Phase.PAUSED, paused.phase());
        TreeMap<String, byte[]> without = new TreeMap<>(example(a, null, null).files());
        without.keySet().removeIf(f -> f.startsWith("clusters/sandbox-demo/"));
        var removed = reconcile(new Snapshot("9".repeat(40), without)).status();
        assertEquals(ClusterStatus.Phase.UNMANAGED, removed.phase());
        for (ClusterStatus st : List.of(failedFirst, booting, failedMachine, ready, pending, bad, flaky, paused, removed)) {
            assertPhaseAndReadyAgree(st);
        }
    }

    @Test
    void aChangedPoolConfigOnRunningNodesSaysTheRolloutWaitsForTheHousekeeper() {
        reconcile(example("a".repeat(40), null, null));
        var outcome = reconcile(withSnippet("b".repeat(40)));
        ClusterStatus st = outcome.status();
        assertEquals(ClusterStatus.Phase.ROLLOUT_PENDING, st.phase());
        assertEquals("RolloutPending", st.condition("Ready").reason());
        String message = st.condition("Ready").message();
        assertTrue(message.startsWith("1 of 3 nodes run their desired config: 2 node(s) of pool workers fetched rendered-workers-"), message);
        assertTrue(message.contains("a change of Butane snippets only through a replacement of the machine"), message);
        assertEquals("RolloutPending", st.condition("UpToDate").reason());
        assertEquals(io.nkd.status.Condition.Status.TRUE, st.condition("MachinesReady").status(), "every machine runs");
        assertEquals(io.nkd.status.Condition.Status.FALSE, st.condition("Reconciling").status(), "nkd is not working on it");
        assertNull(outcome.retryAfter(), "nothing to poll for: only a new commit or the Housekeeper changes this");
        assertEquals("b".repeat(40), st.appliedRevision(), "the commit is applied: its configs are published");
    }

    @Test
    void appliedAtIsWhenTheCommitWasFirstAppliedNotTheLatestReconcile() throws Exception {
        String a = "a".repeat(40);
        ClusterStatus first = reconcile(example(a, null, null)).status();
        Thread.sleep(20);
        ClusterStatus again = reconcile(example(a, null, null)).status();
        assertEquals(first.appliedAt(), again.appliedAt());
        assertTrue(again.updatedAt().isAfter(first.appliedAt()));
        Thread.sleep(20);
        ClusterStatus next = reconcile(example("b".repeat(40), "clusters/sandbox-demo/cluster.yaml", t -> t.replace("replicas: 2", "replicas: 3"))).status();
        assertTrue(next.appliedAt().isAfter(first.appliedAt()), "a new commit has its own time");
    }

    @Test
    void aProvisioningHistoryEntryIsCompletedWhenTheClusterBecomesReady() {
        String a = "a".repeat(40);
        provider.createAs = ProvisionedMachine.State.BUILDING;
        ClusterStatus status = reconcile(example(a, null, null)).status();
        HistoryEntry provisioning = StatusStore.history(store.view(DEMO)).get(0);
        assertEquals(HistoryEntry.Outcome.APPLIED, provisioning.outcome());
        assertNull(provisioning.completed(), "still provisioning");
        assertEquals("Provisioning", provisioning.reason());
        assertEquals(ClusterStatus.Phase.PROVISIONING, reconcile(example(a, null, null)).status().phase());
        // the machines finish booting, each with its pool's config
        provider.machines.replaceAll((n, m) -> new ProvisionedMachine(m.cluster(), m.pool(), n, ProvisionedMachine.State.ACTIVE, m.revision(),
                status.nodes().stream().filter(x -> x.name().equals(n)).findFirst().orElseThrow().desiredVersion(), null));
        assertEquals(ClusterStatus.Phase.READY, reconcile(example(a, null, null)).status().phase());
        List<HistoryEntry> history = StatusStore.history(store.view(DEMO));
        assertEquals(1, history.size(), history::toString);
        HistoryEntry done = history.get(0);
        assertEquals(provisioning.time(), done.time(), "the entry keeps when the commit was applied");
        assertNotNull(done.completed());
        assertEquals("Succeeded", done.reason());
        assertTrue(done.message().contains("3 of 3 nodes run their desired config"), done.message());
    }
}
