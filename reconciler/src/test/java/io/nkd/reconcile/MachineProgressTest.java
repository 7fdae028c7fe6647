package io.nkd.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.nkd.config.Infrastructure;
import io.nkd.config.Snapshot;
import io.nkd.git.Snapshots;
import io.nkd.infra.MachineRequest;
import io.nkd.infra.OwnedResource;
import io.nkd.infra.Provider;
import io.nkd.infra.ProviderException;
import io.nkd.infra.ProvisionedMachine;
import io.nkd.secrets.ClusterSecrets;
import io.nkd.secrets.SecretResolver;
import io.nkd.state.LocalStateStore;
import io.nkd.status.ClusterStatus;
import io.nkd.status.MachinePhase;
import io.nkd.testsupport.RepoPaths;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each machine's way requested → building → active → Ignition fetched in the status and metrics, provider errors as
 * conditions with the provider's words and backoff, and failed machines re-created a few times.
 */
class MachineProgressTest {
    private static final String DEMO = "sandbox-demo";
    private static final String QUOTA = "Quota exceeded for instances: Requested 1, but already used 3 of 3 instances";

    @TempDir
    Path tmp;

    private final Clocked clock = new Clocked();
    private final SimpleMeterRegistry metrics = new SimpleMeterRegistry();
    private final Machines provider = new Machines();
    private final Map<String, Collaborators.NodeFetch> fetches = new ConcurrentHashMap<>();
    private ClusterReconciler reconciler;
    private final Snapshot commit = Snapshots.fromDirectory(RepoPaths.repoRoot().resolve("repo-layout/example"));

    /** A clock tests move. */
    static final class Clocked extends Clock {
        volatile Instant now = Instant.parse("2026-12-06T05:00:00Z");

        @Override
        public ZoneOffset getZone() {
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

        void advance(Duration d) {
            now = now.plus(d);
        }
    }

    /** A provider that never knows the config a machine booted (like OpenStack): only the Ignition record tells. */
    final class Machines implements Provider {
        final Map<String, ProvisionedMachine> machines = new ConcurrentHashMap<>();
        volatile ProvisionedMachine.State createAs = ProvisionedMachine.State.BUILDING;
        volatile ProviderException refuse;
        /** Creates refused after this many successful ones (with {@link #refuse}). */
        volatile int allow = Integer.MAX_VALUE;
        final List<String> deleted = new ArrayList<>();

        @Override
        public Infrastructure.ProviderType type() {
            return Infrastructure.ProviderType.SANDBOX;
        }

        @Override
        public String name() {
            return "fake";
        }

        @Override
        public List<ProvisionedMachine> list(String cluster) {
            return machines.values().stream().sorted(Comparator.comparing(ProvisionedMachine::name)).toList();
        }

        @Override
        public ProvisionedMachine create(MachineRequest r) {
            if (refuse != null && allow-- <= 0) {
                throw refuse;
            }
            return machines.computeIfAbsent(r.name(), n -> new ProvisionedMachine(r.cluster(), r.pool(), n, createAs, r.revision(), null,
                    createAs == ProvisionedMachine.State.FAILED ? "No valid host was found. There are not enough hosts available." : null,
                    r.configVersion(), r.spec(), clock.instant(), null));
        }

        void set(String name, ProvisionedMachine.State state) {
            machines.computeIfPresent(name, (n, m) -> new ProvisionedMachine(m.cluster(), m.pool(), n, state, m.revision(), null,
                    m.message(), m.configVersion(), m.spec(), m.createdAt(), null));
        }

        @Override
        public void delete(String cluster, String machine) {
            machines.remove(machine);
            deleted.add(machine);
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

    @BeforeEach
    void setUp() {
        LocalStateStore store = new LocalStateStore(tmp.resolve("state"));
        Collaborators c = new Collaborators(new ClusterSecrets(store, new SecretResolver(tmp, Map.of()), new SecureRandom(), clock),
                (state, rendered) -> { },
                new Collaborators.BootConfigs() {
                    @Override
                    public String pointer(io.nkd.state.ClusterState state, String pool, String node, String poolVersion, String nodeVersion) {
                        return "pointer";
                    }

                    @Override
                    public void revoke(io.nkd.state.ClusterState state, String node) {
                    }

                    @Override
                    public Map<String, Collaborators.NodeFetch> fetched(io.nkd.state.ClusterState state) {
                        return Map.copyOf(fetches);
                    }
                },
                infra -> Optional.of(provider));
        reconciler = new ClusterReconciler(store, c, clock, metrics);
    }

    private ClusterReconciler.Outcome reconcile() {
        return reconciler.reconcile(DEMO, DesiredRevision.of(commit));
    }

    private static Map<String, MachinePhase> phases(ClusterStatus st) {
        Map<String, MachinePhase> out = new java.util.TreeMap<>();
        st.nodes().forEach(n -> out.put(n.name(), n.phase()));
        return out;
    }

    private double machinesGauge(String pool, String phase) {
        return metrics.get("nkd_machines").tag("cluster", DEMO).tag("pool", pool).tag("phase", phase).gauge().value();
    }

    private void fetch(String node, String version) {
        fetches.put(node, new Collaborators.NodeFetch(node, version, clock.instant(), clock.instant()));
    }

    @Test
    void aMachineReplacedUnderTheSameNameShowsItsOwnSinceNotTheOldOnes() {
        provider.createAs = ProvisionedMachine.State.ACTIVE;
        Instant first = clock.instant();
        ClusterStatus before = reconcile().status();
        String worker = "sandbox-demo-workers-1";
        assertEquals(first, before.nodes().stream().filter(n -> n.name().equals(worker)).findFirst().orElseThrow().since());

        // the old machine goes and a new one comes under its name between two passes; both are ACTIVE
        clock.advance(Duration.ofMinutes(5));
        ProvisionedMachine old = provider.machines.get(worker);
        provider.machines.put(worker, new ProvisionedMachine(old.cluster(), old.pool(), worker, ProvisionedMachine.State.ACTIVE,
                old.revision(), null, null, old.configVersion(), old.spec(), clock.instant(), null));
        clock.advance(Duration.ofSeconds(10));
        ClusterStatus after = reconcile().status();
        var node = after.nodes().stream().filter(n -> n.name().equals(worker)).findFirst().orElseThrow();
        assertEquals(MachinePhase.ACTIVE, node.phase());
        assertEquals(clock.instant(), node.since(), "since: when nkd saw the new machine, not when the old one became active");
        var kept = after.nodes().stream().filter(n -> n.name().equals("sandbox-demo-workers-2")).findFirst().orElseThrow();
        assertEquals(first, kept.since(), "an unchanged machine keeps its time");
    }

    @Test
    void eachMachineGoesFromBuildingToActiveToFetchedAndOnlyThenIsTheClusterReady() {
        ClusterStatus building = reconcile().status();
        assertEquals(ClusterStatus.Phase.PROVISIONING, building.phase());
        assertTrue(phases(building).values().stream().allMatch(p -> p == MachinePhase.BUILDING), phases(building).toString());
        assertEquals(2.0, machinesGauge("workers", "building"));
        assertEquals(0.0, machinesGauge("workers", "fetched"));
        Instant createdAt = clock.instant();

        clock.advance(Duration.ofSeconds(40));
        provider.machines.keySet().forEach(n -> provider.set(n, ProvisionedMachine.State.ACTIVE));
        ClusterStatus active = reconcile().status();
        assertEquals(ClusterStatus.Phase.PROVISIONING, active.phase(), "running is not enough: the node must fetch its config");
        assertTrue(phases(active).values().stream().allMatch(p -> p == MachinePhase.ACTIVE), phases(active).toString());
        assertEquals(clock.instant(), active.nodes().get(0).since(), "since: when the machine became active");
        assertTrue(active.condition("MachinesReady").message().contains("0 of 3 machines fetched their config"),
                active.condition("MachinesReady").message());
        assertFalse(active.condition("UpToDate").isTrue(), "no node runs its desired config yet: "
                + active.condition("UpToDate").message());
        assertEquals("WaitingForMachines", active.condition("UpToDate").reason());

        clock.advance(Duration.ofSeconds(20));
        ClusterStatus.NodeStatus first = active.nodes().get(0);
        fetch(first.name(), first.desiredVersion());
        ClusterStatus one = reconcile().status();
        assertEquals(MachinePhase.FETCHED, phases(one).get(first.name()));
        assertEquals(first.desiredVersion(), one.nodes().get(0).currentVersion(), "the version fetched is the node's current config");
        assertEquals(ClusterStatus.Phase.PROVISIONING, one.phase());
        assertEquals(active.nodes().get(1).since(), one.nodes().get(1).since(), "an unchanged phase keeps its time");

        one.nodes().forEach(n -> fetch(n.name(), n.desiredVersion()));
        ClusterStatus ready = reconcile().status();
        assertEquals(ClusterStatus.Phase.READY, ready.phase());
        assertTrue(ready.condition("Ready").isTrue());
        assertTrue(ready.condition("UpToDate").isTrue(), ready.condition("UpToDate").message());
        assertEquals(2.0, machinesGauge("workers", "fetched"));
        assertEquals(0.0, machinesGauge("workers", "building"), "a phase no machine is in any more drops to 0");
        assertTrue(createdAt.isBefore(ready.nodes().get(0).since()));
    }

    @Test
    void aQuotaErrorIsAConditionWithNovasWordsRetriedWithGrowingBackoffUntilItClears() {
        provider.refuse = new ProviderException(ProviderException.Kind.QUOTA_EXCEEDED, "cannot create server sandbox-demo-workers-2",
                QUOTA);
        provider.allow = 2;
        ClusterReconciler.Outcome first = reconcile();
        ClusterStatus st = first.status();
        assertEquals(ReconcileResult.RETRY, first.result());
        assertEquals("QuotaExceeded", st.condition("Ready").reason());
        String message = st.condition("Ready").message();
        assertTrue(message.contains(QUOTA), "the provider's own words: " + message);
        assertTrue(message.contains("Raise the project's quota or lower the pool's replicas"), "what to do: " + message);
        assertEquals(Duration.ofSeconds(10), first.retryAfter());
        assertEquals(1, st.lastError().attempts());
        assertEquals(clock.instant().plusSeconds(10), st.lastError().retryAt(), "the next attempt's time is in the status");
        Map<String, MachinePhase> phases = phases(st);
        assertEquals(MachinePhase.BUILDING, phases.get("sandbox-demo-control-plane-1"), "what was created shows its progress");
        assertEquals(MachinePhase.REQUESTED, phases.get("sandbox-demo-workers-2"));
        String refused = st.nodes().stream().filter(n -> n.name().equals("sandbox-demo-workers-2")).findFirst().orElseThrow().message();
        assertTrue(refused.contains(QUOTA), refused);
        assertEquals(1.0, metrics.get("nkd_provider_requests_total").tag("provider", "fake").tag("operation", "create")
                .tag("result", "quota_exceeded").counter().count());
        assertEquals(2.0, metrics.get("nkd_provider_requests_total").tag("operation", "create").tag("result", "ok").counter().count());
        assertTrue(metrics.get("nkd_provider_request_duration_seconds").tag("operation", "list").timer().count() >= 1);

        provider.allow = 0;
        ClusterReconciler.Outcome second = reconcile();
        assertEquals(Duration.ofSeconds(20), second.retryAfter(), "the delay doubles");
        assertEquals(2, second.status().lastError().attempts());
        ClusterReconciler.Outcome third = reconcile();
        assertEquals(Duration.ofSeconds(40), third.retryAfter());
        assertEquals(40.0, metrics.get("nkd_reconcile_retry_seconds").tag("cluster", DEMO).gauge().value());

        provider.refuse = null; // the quota was raised
        ClusterReconciler.Outcome fixed = reconcile();
        assertEquals(ReconcileResult.SUCCESS, fixed.result());
        assertNull(fixed.status().lastError());
        assertEquals(0.0, metrics.get("nkd_reconcile_retry_seconds").tag("cluster", DEMO).gauge().value());
        provider.refuse = new ProviderException(ProviderException.Kind.UNREACHABLE, "cannot reach Nova", null);
        provider.allow = 0;
        provider.machines.remove("sandbox-demo-workers-2");
        ClusterReconciler.Outcome again = reconcile();
        assertEquals("ProviderUnreachable", again.status().condition("Ready").reason());
        assertEquals(Duration.ofSeconds(10), again.retryAfter(), "a success resets the backoff");
    }

    @Test
    void aCorruptFailureRecordIsReportedAsStateCorruptNotAsTheProviders() throws Exception {
        reconcile();
        java.nio.file.Path file = tmp.resolve("state/clusters/" + DEMO + "/" + FailedMachines.PATH);
        java.nio.file.Files.createDirectories(file.getParent());
        java.nio.file.Files.writeString(file, "{\"failures\": [{\"node\": "); // cut off mid-write
        ClusterStatus st = reconcile().status();
        assertEquals("StateCorrupt", st.lastError().reason(), "the state directory failed, not the provider: " + st.lastError());
        assertTrue(st.lastError().message().contains(FailedMachines.PATH + " is corrupt"), st.lastError().message());
    }

    @Test
    void everyKindOfProviderFailureHasItsOwnReasonAndAdvice() {
        java.util.Set<String> reasons = new java.util.HashSet<>();
        for (ProviderException.Kind kind : ProviderException.Kind.values()) {
            String reason = ProviderCalls.reason(kind);
            assertTrue(reasons.add(reason), kind + " shares its reason " + reason);
            ReconcileException e = new ProviderCalls(DEMO, null, metrics, clock).failure("openstack",
                    new ProviderException(kind, "cannot create server x", "the provider's words"));
            assertEquals(reason, e.reason());
            assertTrue(e.getMessage().startsWith("openstack: cannot create server x: \"the provider's words\". "), e.getMessage());
            assertTrue(e.getMessage().endsWith("nkd retries with backoff"), e.getMessage());
            assertTrue(e instanceof ReconcileException.Transient, "retried");
        }
        assertEquals(List.of("QuotaExceeded", "NoValidHost", "ProviderConflict", "ProviderUnauthorized", "ProviderNotFound",
                "ProviderError", "ProviderUnreachable", "ProvisioningFailed"),
                java.util.Arrays.stream(ProviderException.Kind.values()).map(ProviderCalls::reason).toList());
    }

    @Test
    void aFailedMachineIsRecreatedThreeTimesWithBackoffThenLeftFailedWithTheProvidersMessage() {
        provider.createAs = ProvisionedMachine.State.FAILED;
        ClusterStatus st = reconcile().status();
        assertEquals(ClusterStatus.Phase.PROVISIONING, st.phase());
        assertTrue(phases(st).values().stream().allMatch(p -> p == MachinePhase.FAILED));
        assertTrue(st.nodes().get(0).message().contains("No valid host was found"), st.nodes().get(0).message());

        reconcile(); // nkd notes the failure: the first re-creation is 30 s after it
        assertEquals(List.of(), provider.deleted, "not at once");
        List<Duration> waits = List.of(Duration.ofSeconds(30), Duration.ofSeconds(60), Duration.ofSeconds(120));
        for (int i = 0; i < waits.size(); i++) {
            clock.advance(waits.get(i).minusSeconds(1));
            reconcile();
            assertEquals(3 * i, provider.deleted.size(), "re-creation " + (i + 1) + " waits " + waits.get(i));
            clock.advance(Duration.ofSeconds(1));
            ClusterStatus during = reconcile().status();
            assertEquals(3 * (i + 1), provider.deleted.size(), "re-creation " + (i + 1) + " after " + waits.get(i));
            assertEquals(3, provider.machines.size(), "deleted and created again in the same reconcile");
            assertEquals(ClusterStatus.Phase.PROVISIONING, during.phase());
            reconcile(); // sees the new machine failed
        }
        clock.advance(Duration.ofHours(1));
        ClusterStatus gaveUp = reconcile().status();
        assertEquals(9, provider.deleted.size(), "no fourth re-creation");
        assertEquals(ClusterStatus.Phase.DEGRADED, gaveUp.phase());
        assertEquals("MachinesFailed", gaveUp.condition("Ready").reason());
        assertTrue(gaveUp.condition("Ready").message().contains("No valid host was found"), gaveUp.condition("Ready").message());
        assertTrue(gaveUp.nodes().get(0).message().contains("re-created 3 times already"), gaveUp.nodes().get(0).message());
        assertNotNull(gaveUp.nodes().get(0).since());
    }
}
