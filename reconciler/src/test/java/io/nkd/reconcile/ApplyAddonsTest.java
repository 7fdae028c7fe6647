package io.nkd.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.nkd.cluster.Addons;
import io.nkd.cluster.ApiReadiness;
import io.nkd.cluster.ClusterNode;
import io.nkd.cluster.WorkloadCluster;
import io.nkd.config.Snapshot;
import io.nkd.git.Snapshots;
import io.nkd.state.ClusterState;
import io.nkd.state.LocalStateStore;
import io.nkd.status.ClusterStatus;
import io.nkd.status.Condition;
import io.nkd.status.KubernetesStatus;
import io.nkd.status.Reasons;
import io.nkd.testsupport.RepoPaths;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The ApplyAddons step with a scope filled as ObserveCluster would, and an Addons double that records what it got. */
class ApplyAddonsTest {
    private static final String CLUSTER = "libvirt-lab";

    @TempDir
    Path tmp;

    private ClusterState state;
    private MutableClock clock;
    private final RecordingAddons addons = new RecordingAddons();

    static final class MutableClock extends Clock {
        Instant now = Instant.parse("2026-12-06T10:00:00Z");

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
    }

    /** Applies everything, except the objects named in {@link #refuse}; remembers each call. */
    static final class RecordingAddons implements Addons {
        final List<List<ManifestObject>> calls = new ArrayList<>();
        final List<Map<String, Boolean>> flags = new ArrayList<>();
        String refuse = "";
        boolean inventoryUnreadable;

        @Override
        public ApplyReport apply(List<ManifestObject> objects, Map<String, Boolean> addons) {
            if (inventoryUnreadable) {
                throw new io.nkd.cluster.ClusterApiException("ConfigMap kube-system/nkd-addons-inventory", "HTTP 403: configmaps is forbidden");
            }
            calls.add(objects);
            flags.add(addons);
            return new ApplyReport(objects.stream().map(o -> o.describe().equals(refuse)
                    ? new ObjectResult(o, Outcome.FAILED, "HTTP 422: DaemonSet.apps \"kube-flannel-ds\" is invalid: spec.template: Required value")
                    : new ObjectResult(o, Outcome.APPLIED, null)).toList(), List.of());
        }
    }

    private final WorkloadCluster workload = new InMemoryClusterParts.Cluster() {
        @Override
        public ApiReadiness readiness() {
            return ApiReadiness.up();
        }

        @Override
        public List<ClusterNode> nodes() {
            return List.of();
        }

        @Override
        public Addons addons() {
            return addons;
        }
    };

    @BeforeEach
    void setUp() {
        clock = new MutableClock();
        state = new LocalStateStore(tmp.resolve("state")).open(CLUSTER);
    }

    @AfterEach
    void tearDown() {
        state.close();
    }

    private Snapshot example(String flannelSuffix) {
        Snapshot base = Snapshots.fromDirectory(RepoPaths.repoRoot().resolve("repo-layout/example"));
        TreeMap<String, byte[]> files = new TreeMap<>(base.files());
        String flannel = "clusters/" + CLUSTER + "/manifests/cni/flannel.yaml";
        files.put(flannel, (new String(files.get(flannel), StandardCharsets.UTF_8) + flannelSuffix).getBytes(StandardCharsets.UTF_8));
        return new Snapshot("%040x".formatted(flannelSuffix.hashCode() & 0xffffffffL), files);
    }

    /** A scope as the steps before leave it: the cluster loaded, its API observed up (or not). */
    private Scope scope(Snapshot snapshot, boolean apiUp, ClusterStatus previous) {
        Scope s = new Scope(CLUSTER, DesiredRevision.of(snapshot), state, previous,
                new ProviderCalls(CLUSTER, snapshot.revision(), new SimpleMeterRegistry(), clock));
        s.loaded = s.config.cluster(CLUSTER).orElseThrow();
        assertTrue(s.loaded.valid(), s.loaded.report().toString());
        s.workload = workload;
        s.observed = new KubernetesStatus(apiUp, apiUp ? null : "connection refused", "https://10.0.0.10:6443", 3, apiUp ? 3 : 0, apiUp ? 3 : 0, clock.now);
        return s;
    }

    private Scope run(Snapshot snapshot, ClusterStatus previous) throws ReconcileException {
        Scope s = scope(snapshot, true, previous);
        assertTrue(new ApplyAddons(null).run(s));
        return s;
    }

    @Test
    void appliesTheHousekeeperFirstThenTheAddonsAndOnlyAgainWhenSomethingChanged() throws ReconcileException {
        Scope first = run(example(""), ClusterStatus.initial(CLUSTER));
        assertEquals(1, addons.calls.size());
        List<Addons.ManifestObject> objects = addons.calls.get(0);
        assertEquals("CustomResourceDefinition updates.housekeeper.io", objects.get(0).describe(), "CRDs first");
        assertEquals(List.of("housekeeper", "flannel"), List.copyOf(addons.flags.get(0).keySet()), "the Housekeeper is the first add-on");
        assertTrue(objects.stream().anyMatch(o -> o.addon().equals("flannel") && o.source().endsWith("manifests/cni/flannel.yaml")));
        assertNotNull(first.addons);
        assertEquals(objects.size(), first.addons.applied());
        assertEquals(List.of(), first.addons.errors());
        Condition applied = StatusComputer.addonsApplied(first);
        assertEquals(Condition.Status.TRUE, applied.status());
        assertEquals(Reasons.ADDONS_APPLIED, applied.reason());

        // the same commit again, a minute later: nothing to do, the status carries over
        ClusterStatus previous = withAddons(first);
        clock.now = clock.now.plusSeconds(60);
        Scope again = run(example(""), previous);
        assertEquals(1, addons.calls.size(), "same digest, last apply complete: not applied again");
        assertEquals(first.addons, again.addons);
        assertEquals(ApplyAddons.DRIFT_INTERVAL, ApplyAddons.nextPass(again, null), "the next pass corrects drift");

        // after the drift interval it applies again, though nothing changed in Git
        clock.now = clock.now.plus(ApplyAddons.DRIFT_INTERVAL);
        run(example(""), previous);
        assertEquals(2, addons.calls.size());

        // a comment alone is no change; a changed object is
        run(example("# a comment\n"), previous);
        assertEquals(2, addons.calls.size(), "the digest covers objects, not formatting");
        run(example("---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: extra, namespace: kube-flannel}\n"), previous);
        assertEquals(3, addons.calls.size());
    }

    @Test
    void anObjectTheApiServerRefusesIsAnErrorWithItsFileAndLineAndIsRetried() throws ReconcileException {
        addons.refuse = "Namespace kube-flannel";
        Scope s = run(example(""), ClusterStatus.initial(CLUSTER));
        assertEquals(1, s.addons.errors().size());
        var error = s.addons.errors().get(0);
        assertEquals("Namespace kube-flannel", error.object());
        assertTrue(error.source().matches("clusters/libvirt-lab/manifests/cni/flannel\\.yaml:\\d+"), error.source());
        Condition c = StatusComputer.addonsApplied(s);
        assertEquals(Condition.Status.FALSE, c.status());
        assertEquals(Reasons.ADDONS_APPLY_FAILED, c.reason());
        assertTrue(c.message().contains("Namespace kube-flannel (" + error.source() + ") of add-on flannel: HTTP 422"), c.message());
        assertEquals(ApplyAddons.RETRY_FAILED, ApplyAddons.nextPass(s, null));
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        new AddonMetrics(registry).record(s);
        assertEquals(1.0, registry.get("nkd_addon_apply_total").tag("cluster", CLUSTER).tag("result", "failed").counter().count());
        assertEquals(s.addons.objects(), registry.get("nkd_addon_objects").tag("cluster", CLUSTER).gauge().value());

        clock.now = clock.now.plusSeconds(30);
        addons.refuse = "";
        Scope retried = run(example(""), withAddons(s));
        assertEquals(2, addons.calls.size(), "the last apply had errors: applied again with nothing changed");
        assertEquals(List.of(), retried.addons.errors());
    }

    @Test
    void anUnreadableInventoryIsAnAddonErrorNotAFailedCommit() throws ReconcileException {
        addons.inventoryUnreadable = true;
        Scope s = run(example(""), ClusterStatus.initial(CLUSTER));
        assertNull(s.failure);
        assertEquals("ConfigMap kube-system/nkd-addons-inventory: HTTP 403: configmaps is forbidden", s.addons.errors().get(0).message());
        assertEquals(Reasons.ADDONS_APPLY_FAILED, StatusComputer.addonsApplied(s).reason());
        addons.inventoryUnreadable = false;
        clock.now = clock.now.plusSeconds(30);
        Scope next = run(example(""), withAddons(s));
        assertEquals(1, addons.calls.size(), "applied on the next pass");
        assertEquals(List.of(), next.addons.errors());
    }

    @Test
    void nothingIsAppliedWhileTheApiServerDoesNotAnswer() throws ReconcileException {
        Scope s = scope(example(""), false, ClusterStatus.initial(CLUSTER));
        assertTrue(new ApplyAddons(null).run(s));
        assertEquals(0, addons.calls.size());
        assertNull(s.addons);
        Condition c = StatusComputer.addonsApplied(s);
        assertEquals(Condition.Status.UNKNOWN, c.status());
        assertEquals(Reasons.ADDONS_WAITING_FOR_API, c.reason());
        assertTrue(c.message().contains("connection refused"), c.message());

        s.observed = null; // ObserveCluster did not run (the "kube" part), or the cluster has no API yet
        assertTrue(new ApplyAddons(null).run(s));
        assertEquals(0, addons.calls.size());
    }

    @Test
    void withoutTheHousekeeperOnlyGitsAddonsAreApplied() throws ReconcileException {
        Snapshot base = example("");
        TreeMap<String, byte[]> files = new TreeMap<>(base.files());
        String file = "clusters/" + CLUSTER + "/cluster.yaml";
        String yaml = new String(files.get(file), StandardCharsets.UTF_8);
        files.put(file, yaml.replace("  addons:\n", "  housekeeper:\n    enabled: false\n  addons:\n").getBytes(StandardCharsets.UTF_8));
        run(new Snapshot(base.revision(), files), ClusterStatus.initial(CLUSTER));
        assertEquals(List.of("flannel"), List.copyOf(addons.flags.get(0).keySet()));
    }

    /**
     * The whole list of steps on the sandbox cluster, with the scope ObserveCluster would fill (API up) set before
     * ApplyAddons: an add-on object the API server refuses keeps the cluster from Ready, not its commit from applying.
     */
    @Test
    void aRefusedObjectKeepsTheClusterFromReadyButTheCommitIsApplied() throws ReconcileException {
        ClusterReconcilerTest.FakeProvider provider = new ClusterReconcilerTest.FakeProvider();
        LocalStateStore store = new LocalStateStore(tmp.resolve("daemon"));
        Collaborators c = new Collaborators(new io.nkd.secrets.ClusterSecrets(store, new io.nkd.secrets.SecretResolver(tmp, Map.of()),
                new java.security.SecureRandom(), clock), (cluster, rendered) -> { }, new Collaborators.BootConfigs() {
                    @Override
                    public String pointer(ClusterState st, String pool, String node, String poolVersion, String nodeVersion) {
                        return "pointer;pool=" + poolVersion + ";node=" + nodeVersion;
                    }

                    @Override
                    public void revoke(ClusterState st, String node) {
                    }
                }, infra -> java.util.Optional.of(provider));
        addons.refuse = "Deployment housekeeper-system/housekeeper-operator";
        Snapshot snapshot = Snapshots.fromDirectory(RepoPaths.repoRoot().resolve("repo-layout/example"));
        snapshot = new Snapshot("d".repeat(40), new TreeMap<>(snapshot.files()));
        ClusterStatus status;
        try (ClusterState demo = store.open("sandbox-demo")) {
            Scope s = new Scope("sandbox-demo", DesiredRevision.of(snapshot), demo, ClusterStatus.initial("sandbox-demo"),
                    new ProviderCalls("sandbox-demo", snapshot.revision(), new SimpleMeterRegistry(), clock));
            for (Step step : Steps.all(c)) {
                if (step instanceof ApplyAddons) {
                    // what ObserveCluster finds on a cluster whose nodes all joined and are Ready
                    s.workload = workload;
                    s.observed = new KubernetesStatus(true, null, "https://10.0.0.10:6443", 3, 3, 3, clock.now);
                    Map<String, ClusterNode> nodes = new TreeMap<>();
                    s.machines.forEach(m -> nodes.put(m.name(), new ClusterNode(m.name(), true, "KubeletReady", "kubelet is posting ready status",
                            clock.now, false, m.pool().equals("control-plane"), "v1.31.4", "NestOS", Map.of(), Map.of())));
                    s.kubeNodes = nodes;
                }
                if (!step.run(s)) {
                    break;
                }
            }
            status = StatusComputer.compute(s, clock.now);
        }
        assertEquals("d".repeat(40), status.appliedRevision(), "the commit is applied: its machines were created");
        assertEquals(3, provider.machines.size());
        assertEquals(ClusterStatus.Phase.DEGRADED, status.phase());
        Condition ready = status.condition("Ready");
        assertEquals(Condition.Status.FALSE, ready.status());
        assertEquals(Reasons.ADDONS_NOT_APPLIED, ready.reason());
        assertTrue(ready.message().contains("Deployment housekeeper-system/housekeeper-operator (templates/housekeeper/30-operator.yaml:5)"
                + " of add-on housekeeper: HTTP 422"), ready.message());
        assertEquals(Reasons.ADDONS_APPLY_FAILED, status.condition("AddonsApplied").reason());
        assertEquals(1, status.addons().errors().size());
        assertNull(status.lastError(), "not a failed commit");
    }

    private static ClusterStatus withAddons(Scope s) {
        ClusterStatus i = ClusterStatus.initial(CLUSTER);
        return new ClusterStatus(CLUSTER, s.revision, s.revision, i.phase(), List.of(), List.of(), List.of(), null, null, null, null, s.addons, null);
    }

}
