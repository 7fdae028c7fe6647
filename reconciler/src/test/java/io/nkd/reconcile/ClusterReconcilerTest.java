package io.nkd.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.nkd.config.Infrastructure;
import io.nkd.config.Snapshot;
import io.nkd.git.Snapshots;
import io.nkd.infra.Machine;
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

    /** Machines in memory; a created machine runs its desired config at once. */
    static final class FakeProvider implements Provider {
        final Map<String, Machine> machines = new ConcurrentHashMap<>();
        final List<String> userData = new ArrayList<>();

        @Override
        public String name() {
            return "fake";
        }

        @Override
        public List<Machine> list(String cluster) {
            return machines.values().stream().filter(m -> m.cluster().equals(cluster)).sorted(java.util.Comparator.comparing(Machine::name)).toList();
        }

        @Override
        public Machine create(MachineRequest r) {
            userData.add(r.userData());
            String version = r.userData().replaceAll(".*pool=([^;]*).*", "$1");
            return machines.computeIfAbsent(r.name(), n -> new Machine(r.cluster(), r.pool(), n, Machine.State.RUNNING, r.revision(), version, null));
        }

        @Override
        public void delete(String cluster, String machine) {
            machines.remove(machine);
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
                infra -> infra.provider() == Infrastructure.Provider.SANDBOX ? Optional.of(provider) : Optional.empty());
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
        assertEquals("ValidationFailed", st.lastError().reason());
        assertTrue(st.lastError().message().contains("cluster.yaml:23"), st.lastError().message());
        assertTrue(st.condition("Stalled").isTrue());
        assertEquals("ValidationFailed", st.condition("ConfigValid").reason());
        assertEquals(3, provider.machines.size(), "nothing was touched");
        assertNull(bad.retryAfter(), "a stalled cluster waits for a new commit");
        assertEquals(HistoryEntry.Outcome.FAILED, StatusStore.history(store.view(DEMO)).get(1).outcome());
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
}
