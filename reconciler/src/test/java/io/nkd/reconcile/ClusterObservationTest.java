package io.nkd.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.nkd.cluster.ApiReadiness;
import io.nkd.cluster.ClusterApiException;
import io.nkd.cluster.ClusterNode;
import io.nkd.cluster.WorkloadClusters;
import io.nkd.config.Infrastructure;
import io.nkd.config.Snapshot;
import io.nkd.git.Snapshots;
import io.nkd.infra.MachineRequest;
import io.nkd.infra.OwnedResource;
import io.nkd.infra.Provider;
import io.nkd.infra.ProvisionedMachine;
import io.nkd.secrets.ClusterSecrets;
import io.nkd.secrets.SecretResolver;
import io.nkd.state.LocalStateStore;
import io.nkd.status.ClusterStatus;
import io.nkd.status.Condition;
import io.nkd.status.MachinePhase;
import io.nkd.testsupport.RepoPaths;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Kubernetes side of the status without an API server: what nkd says when it cannot observe the cluster at all,
 * when a cluster that was up loses its API, when the Nodes cannot be read, and that a cluster is never asked before a
 * control-plane machine exists. (The real API server's side: io.nkd.e2e.BootstrapEndToEndTest.)
 */
class ClusterObservationTest {
    private static final String DEMO = "sandbox-demo";
    private static final List<String> NODES = List.of("sandbox-demo-control-plane-1", "sandbox-demo-workers-1", "sandbox-demo-workers-2");

    @TempDir
    Path tmp;

    private final Snapshot commit = Snapshots.fromDirectory(RepoPaths.repoRoot().resolve("repo-layout/example"));
    private final Booted provider = new Booted();
    /** What the fake API answers: readiness, then Nodes (or the exception nodes() throws). */
    private final AtomicReference<ApiReadiness> readiness = new AtomicReference<>(ApiReadiness.down("cannot connect to "
            + "https://sandbox-demo-control-plane-1:6443/readyz: connection refused (the API server is not listening there yet)"));
    private final AtomicReference<List<ClusterNode>> nodes = new AtomicReference<>(List.of());
    private final AtomicReference<RuntimeException> nodesFail = new AtomicReference<>();
    private final List<String> calls = new ArrayList<>();

    /** Machines that are ACTIVE on their config as soon as created (the provider knows what they booted). */
    static final class Booted implements Provider {
        final Map<String, ProvisionedMachine> machines = new ConcurrentHashMap<>();

        @Override
        public Infrastructure.ProviderType type() {
            return Infrastructure.ProviderType.SANDBOX;
        }

        @Override
        public List<ProvisionedMachine> list(String cluster) {
            return machines.values().stream().sorted(Comparator.comparing(ProvisionedMachine::name)).toList();
        }

        @Override
        public ProvisionedMachine create(MachineRequest r) {
            return machines.computeIfAbsent(r.name(), n -> new ProvisionedMachine(r.cluster(), r.pool(), n, ProvisionedMachine.State.ACTIVE,
                    r.revision(), r.configVersion(), null, r.configVersion(), r.spec(), Instant.now(), null));
        }

        @Override
        public void delete(String cluster, String machine) {
            machines.remove(machine);
        }

        @Override
        public List<OwnedResource> owned(String cluster) {
            return List.of();
        }

        @Override
        public List<OwnedResource> destroy(String cluster) {
            return List.of();
        }
    }

    private final class FakeCluster extends InMemoryClusterParts.Cluster {
        @Override
        public ApiReadiness readiness() {
            calls.add("readiness");
            return readiness.get();
        }

        @Override
        public List<ClusterNode> nodes() {
            calls.add("nodes");
            if (nodesFail.get() != null) {
                throw nodesFail.get();
            }
            return nodes.get();
        }

        @Override
        public void close() {
            calls.add("close");
        }
    }

    private ClusterReconciler reconciler(WorkloadClusters workloads) {
        return reconciler(workloads, Clock.systemUTC());
    }

    private ClusterReconciler reconciler(WorkloadClusters workloads, Clock clock) {
        LocalStateStore store = new LocalStateStore(tmp.resolve("state"));
        Collaborators c = new Collaborators(new ClusterSecrets(store, new SecretResolver(tmp, Map.of()), new SecureRandom(), Clock.systemUTC()),
                (state, rendered) -> { },
                new Collaborators.BootConfigs() {
                    @Override
                    public String pointer(io.nkd.state.ClusterState state, String pool, String node, String poolVersion, String nodeVersion) {
                        return "pointer";
                    }

                    @Override
                    public void revoke(io.nkd.state.ClusterState state, String node) {
                    }
                },
                infra -> Optional.of(provider), workloads);
        return new ClusterReconciler(store, c, clock, new SimpleMeterRegistry());
    }

    private static ClusterNode node(String name, boolean ready, String reason) {
        return new ClusterNode(name, ready, reason, ready ? "kubelet is posting ready status" : "PLEG is not healthy",
                Instant.parse("2026-12-06T10:00:00Z"), false, name.contains("control-plane"), "v1.31.4", "NestOS", Map.of(), Map.of());
    }

    @Test
    void withoutAConnectionTheClusterIsReadyWhenProvisionedAndSaysItDidNotLook() {
        ClusterStatus st = reconciler(WorkloadClusters.NONE).reconcile(DEMO, DesiredRevision.of(commit)).status();
        assertEquals(ClusterStatus.Phase.READY, st.phase());
        Condition api = st.condition("ApiServerReady");
        assertEquals(Condition.Status.UNKNOWN, api.status());
        assertEquals("NotObserved", api.reason());
        assertTrue(api.message().contains("Ready means the machines are provisioned, not that Kubernetes runs on them"), api.message());
        assertEquals("NotObserved", st.condition("NodesReady").reason());
        assertNull(st.kubernetes());
        st.nodes().forEach(n -> assertEquals(MachinePhase.FETCHED, n.phase(), n.name()));
    }

    @Test
    void aClusterThatWasUpAndLosesItsApiIsDegradedAndKeepsWhatNkdLastSawOfItsNodes() {
        ClusterReconciler r = reconciler(t -> Optional.of(new FakeCluster()));
        readiness.set(ApiReadiness.up());
        nodes.set(NODES.stream().map(n -> node(n, true, "KubeletReady")).toList());
        ClusterStatus up = r.reconcile(DEMO, DesiredRevision.of(commit)).status();
        assertEquals(ClusterStatus.Phase.READY, up.phase());
        assertEquals(List.of("readiness", "nodes", "close"), calls, "one /readyz, one list of Nodes, the client closed");

        readiness.set(ApiReadiness.down("no answer from https://sandbox-demo-control-plane-1:6443/readyz within 5 s"));
        ClusterReconciler.Outcome down = r.reconcile(DEMO, DesiredRevision.of(commit));
        assertEquals(ClusterStatus.Phase.DEGRADED, down.status().phase());
        Condition ready = down.status().condition("Ready");
        assertEquals("WaitingForApiServer", ready.reason());
        assertTrue(ready.message().contains("https://sandbox-demo-control-plane-1:6443/readyz within 5 s"), ready.message());
        assertNull(down.status().lastError());
        assertEquals(java.time.Duration.ofSeconds(5), down.retryAfter());
        down.status().nodes().forEach(n -> {
            assertEquals(MachinePhase.FETCHED, n.phase(), "nothing known now: " + n.name());
            assertEquals("KubeletReady", n.kubernetes().reason(), "what nkd saw last: " + n.name());
        });
    }

    @Test
    void nodesThatCannotBeReadAreSaidSoWithTheApiServersWords() {
        ClusterReconciler r = reconciler(t -> Optional.of(new FakeCluster()));
        readiness.set(ApiReadiness.up());
        nodesFail.set(new ClusterApiException("Nodes of cluster sandbox-demo", "forbidden for nkd's admin user (HTTP 403; …): "
                + "nodes is forbidden: User \"kubernetes-admin\" cannot list resource \"nodes\""));
        ClusterStatus st = r.reconcile(DEMO, DesiredRevision.of(commit)).status();
        assertEquals(ClusterStatus.Phase.PROVISIONING, st.phase());
        Condition nodesReady = st.condition("NodesReady");
        assertEquals("ClusterApiFailed", nodesReady.reason());
        assertTrue(nodesReady.message().contains("cannot list resource \"nodes\""), nodesReady.message());
        assertEquals(Condition.Status.TRUE, st.condition("ApiServerReady").status());
    }

    @Test
    void theApiIsNotAskedBeforeAControlPlaneMachineExists() {
        DesiredRevision desired = DesiredRevision.of(commit);
        Scope s = new Scope(DEMO, desired, null, ClusterStatus.initial(DEMO), null);
        s.loaded = desired.config().cluster(DEMO).orElseThrow();
        s.workload = new FakeCluster();
        // only the workers' machines exist (the control plane's create was refused, say)
        s.machines.add(new ProvisionedMachine(DEMO, "workers", "sandbox-demo-workers-1", ProvisionedMachine.State.ACTIVE, "r", "v", null,
                "v", null, Instant.now(), null));
        new ObserveCluster(null).run(s);
        assertEquals(List.of(), calls, "no control-plane machine: nothing to ask");
        assertEquals("no control-plane machine exists yet", s.observed.apiMessage());
        assertEquals(3, s.observed.nodesExpected());

        s.machines.add(new ProvisionedMachine(DEMO, "control-plane", "sandbox-demo-control-plane-1", ProvisionedMachine.State.BUILDING,
                "r", null, null, "v", null, Instant.now(), null));
        new ObserveCluster(null).run(s);
        assertEquals(List.of("readiness"), calls, "a control-plane machine exists: /readyz is asked (and the Nodes only once it answers)");
    }

    @Test
    void anApiThatNeverAnswersIsAskedLessOftenAfterAWhileAndTheStatusSaysWhatToCheck() {
        MachineProgressTest.Clocked clock = new MachineProgressTest.Clocked();
        ClusterReconciler r = reconciler(t -> Optional.of(new FakeCluster()), clock);
        ClusterReconciler.Outcome first = r.reconcile(DEMO, DesiredRevision.of(commit));
        assertEquals(ClusterStatus.Phase.PROVISIONING, first.status().phase());
        assertEquals(java.time.Duration.ofSeconds(5), first.retryAfter());
        assertTrue(!first.status().condition("ApiServerReady").message().contains("check that"), "kubeadm init takes minutes: normal");

        clock.advance(java.time.Duration.ofMinutes(16));
        ClusterReconciler.Outcome later = r.reconcile(DEMO, DesiredRevision.of(commit));
        assertEquals(ClusterStatus.Phase.PROVISIONING, later.status().phase(), "never up: still provisioning, not an error");
        assertNull(later.status().lastError());
        String message = later.status().condition("ApiServerReady").message();
        assertTrue(message.contains("for 16 min now: check that this nkd can reach https://sandbox-demo-control-plane-1:6443 and, on the"
                + " first control-plane node, kubeadm init's log (journalctl -u nkd-bootstrap.service)"), message);
        assertEquals(java.time.Duration.ofSeconds(30), later.retryAfter(), "asked less often");
    }
}
