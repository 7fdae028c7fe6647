package io.nkd.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.nkd.cluster.ApiReadiness;
import io.nkd.cluster.ClusterNode;
import io.nkd.cluster.Rollouts;
import io.nkd.config.Infrastructure;
import io.nkd.config.Snapshot;
import io.nkd.git.Snapshots;
import io.nkd.housekeeper.api.AgentState;
import io.nkd.housekeeper.api.NodeProgress;
import io.nkd.housekeeper.api.NodeRole;
import io.nkd.housekeeper.api.NodeUpdateState;
import io.nkd.housekeeper.api.RolloutPhase;
import io.nkd.housekeeper.api.Update;
import io.nkd.housekeeper.api.UpdateSpec;
import io.nkd.housekeeper.api.UpdateStatus;
import io.nkd.secrets.ClusterSecrets;
import io.nkd.secrets.SecretResolver;
import io.nkd.state.LocalStateStore;
import io.nkd.status.ClusterStatus;
import io.nkd.status.ClusterStatus.Phase;
import io.nkd.status.HistoryEntry;
import io.nkd.status.Reasons;
import io.nkd.status.StatusStore;
import io.nkd.testsupport.RepoPaths;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The daemon's steps from commit to Update and back to status, with the cluster's API as a fake (Nodes from the
 * machines, an in-memory Update whose status the test writes as the Housekeeper would). The real API server side of
 * the Update is KubeRolloutsTest.
 */
class RolloutUpdatesTest {
    private static final String DEMO = "sandbox-demo";
    private static final String FILE = "clusters/sandbox-demo/cluster.yaml";
    private static final String OLD_IMAGE = "hub.oepkgs.net/nestos/nestos@sha256:9c1e7a5b3d2f0e8c6a4b2d0f9e7c5a3b1d9f8e6c4a2b0d8f6e4c2a0b9d7f5e3c";
    private static final String NEW_IMAGE = "hub.oepkgs.net/nestos/nestos@sha256:" + "2".repeat(64);
    /** Saturday 2026-12-05 12:00 UTC: outside a window of Sundays 02:00 for 4 h. */
    private static final Instant SATURDAY_NOON = Instant.parse("2026-12-05T12:00:00Z");
    private static final Instant SUNDAY_0200 = Instant.parse("2026-12-06T02:00:00Z");

    @TempDir
    Path tmp;

    private LocalStateStore store;
    private ClusterReconcilerTest.FakeProvider provider;
    private ClusterReconciler reconciler;
    private SimpleMeterRegistry metrics;
    private final MutableClock clock = new MutableClock(SATURDAY_NOON);
    private final FakeCluster cluster = new FakeCluster();

    static final class MutableClock extends Clock {
        volatile Instant now;

        MutableClock(Instant now) {
            this.now = now;
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

    /** The cluster's API: up, one Ready Node per machine, and the Update in memory. */
    final class FakeCluster extends InMemoryClusterParts.Cluster implements Rollouts {
        Update update;
        final List<String> writes = new ArrayList<>();
        String kubelet = "v1.31.4";
        /** A node the Housekeeper is rebooting. */
        volatile String notReady;

        @Override
        public ApiReadiness readiness() {
            return ApiReadiness.up();
        }

        @Override
        public List<ClusterNode> nodes() {
            return provider.machines.values().stream().map(m -> new ClusterNode(m.name(), !m.name().equals(notReady),
                    m.name().equals(notReady) ? "KubeletNotReady" : "KubeletReady", null, clock.now,
                    false, m.pool().equals("control-plane"), kubelet, "NestOS", Map.of(), Map.of())).toList();
        }

        @Override
        public Rollouts rollouts() {
            return this;
        }

        @Override
        public Optional<Update> read() {
            return Optional.ofNullable(update);
        }

        @Override
        public void write(UpdateSpec spec, boolean upstreamFieldsOnly) {
            writes.add(spec.osImageURL() + " " + spec.kubeVersion() + (upstreamFieldsOnly ? " (upstream fields)" : ""));
            Update u = new Update();
            long generation = update == null ? 1 : update.getMetadata().getGeneration() + 1;
            u.setMetadata(new ObjectMetaBuilder().withName("nkd").withNamespace("housekeeper-system").withGeneration(generation).build());
            u.setSpec(upstreamFieldsOnly ? UpdateSpec.upstream(spec.osImageURL(), spec.kubeVersion(), spec.forceEviction(),
                    spec.workerBudget()) : spec);
            u.setStatus(update == null ? null : update.getStatus());
            update = u;
        }

        /** What the Housekeeper's operator writes: every node in {@code state} (or one of them failed). */
        void housekeeperReports(RolloutPhase phase, NodeUpdateState state, String failedNode) {
            List<NodeProgress> nodes = new ArrayList<>();
            for (String n : new TreeMap<>(provider.machines).keySet()) {
                boolean failed = n.equals(failedNode);
                nodes.add(new NodeProgress(n, n.contains("control-plane") ? NodeRole.CONTROL_PLANE : NodeRole.WORKER,
                        failed ? NodeUpdateState.FAILED : state, failed ? AgentState.DRAINING : null, "2026-12-06T02:10:00Z",
                        state == NodeUpdateState.UPDATED ? update.getSpec().osImageURL() : OLD_IMAGE, "v1.31.4",
                        failed ? io.nkd.housekeeper.api.FailureReason.DRAIN_TIMEOUT : null, failed ? "a PodDisruptionBudget blocks web-0" : null));
            }
            Condition c = new Condition(null, "Pod web-0 could not be evicted", null,
                    failedNode == null ? "NodesUpdating" : "DrainTimeout", "True", phase == RolloutPhase.DEGRADED ? "Degraded" : "Progressing");
            if (failedNode != null) {
                c.setMessage("node " + failedNode + " failed: DrainTimeout: a PodDisruptionBudget blocks web-0");
            }
            update.setStatus(new UpdateStatus(phase, update.getMetadata().getGeneration(), update.getSpec().revision(),
                    (int) nodes.stream().filter(n -> n.state() == NodeUpdateState.UPDATED).count(), 0, 0, failedNode == null ? 0 : 1,
                    nodes, List.of(c), "2026-12-06T02:00:05Z", phase == RolloutPhase.COMPLETED ? "2026-12-06T02:40:00Z" : null));
        }
    }

    @BeforeEach
    void setUp() {
        store = new LocalStateStore(tmp.resolve("state"));
        provider = new ClusterReconcilerTest.FakeProvider();
        metrics = new SimpleMeterRegistry();
        Collaborators c = new Collaborators(
                new ClusterSecrets(store, new SecretResolver(tmp, Map.of()), new SecureRandom(), Clock.systemUTC()),
                (cluster, rendered) -> { },
                new Collaborators.BootConfigs() {
                    @Override
                    public String pointer(io.nkd.state.ClusterState state, String pool, String node, String poolVersion, String nodeVersion) {
                        return "pointer;pool=" + poolVersion + ";node=" + nodeVersion;
                    }

                    @Override
                    public void revoke(io.nkd.state.ClusterState state, String node) {
                    }
                },
                infra -> infra.provider() == Infrastructure.ProviderType.SANDBOX ? Optional.of(provider) : Optional.empty(),
                target -> Optional.of(cluster));
        reconciler = new ClusterReconciler(store, c, clock, metrics);
    }

    /** The example repository with a newer image in the catalog, the cluster's YAML edited. */
    private static Snapshot commit(String revision, UnaryOperator<String> edit) {
        Snapshot base = Snapshots.fromDirectory(RepoPaths.repoRoot().resolve("repo-layout/example"));
        TreeMap<String, byte[]> files = new TreeMap<>(base.files());
        files.put("images/nestos.yaml", (base.text("images/nestos.yaml").orElseThrow() + """
                  - name: nestos-24.09.1-k8s-1.31
                    osImageURL: %s
                    osVersion: "24.09.20250110"
                    kubernetesVersion: v1.31.4
                """.formatted(NEW_IMAGE)).getBytes(StandardCharsets.UTF_8));
        files.put(FILE, edit.apply(base.text(FILE).orElseThrow()).getBytes(StandardCharsets.UTF_8));
        return new Snapshot(revision, files);
    }

    private static String sundayWindow(String yaml) {
        return yaml.replace("  upgrade:\n", "  upgrade:\n    maintenanceWindows:\n      - {schedule: \"0 0 2 ? * SUN\", duration: 4h, timeZone: UTC}\n");
    }

    private static String newImage(String yaml) {
        return yaml.replace("image: nestos-24.09-k8s-1.31", "image: nestos-24.09.1-k8s-1.31");
    }

    /** The plan's UpgradeOs action of the demo cluster from base to head, as nkd plan computes it. */
    private static io.nkd.plan.Action.UpgradeOs planned(Snapshot base, Snapshot head) {
        io.nkd.plan.Plan plan = io.nkd.plan.Planner.plan(base, head);
        return plan.clusters().stream().filter(c -> c.cluster().equals(DEMO)).findFirst().orElseThrow()
                .actions(io.nkd.plan.Action.UpgradeOs.class).get(0);
    }

    private ClusterReconciler.Outcome reconcile(Snapshot s) {
        return reconciler.reconcile(DEMO, DesiredRevision.of(s));
    }

    @Test
    void aCertificateRenewalRequestIsWrittenAtOnceAlsoWhileANewTargetWaitsForItsWindow() throws Exception {
        reconcile(commit("a".repeat(40), RolloutUpdatesTest::sundayWindow));
        reconcile(commit("b".repeat(40), t -> newImage(sundayWindow(t))));
        assertEquals(1, cluster.writes.size(), "the new image waits for Sunday");
        // nkd certs renew recorded a request in the cluster's state
        var request = io.nkd.secrets.NodeCertificateRequest.next(java.util.Optional.empty(), SATURDAY_NOON);
        try (var state = store.open(DEMO)) {
            request.write(state);
        }
        var after = reconcile(commit("b".repeat(40), t -> newImage(sundayWindow(t))));
        assertEquals(List.of(OLD_IMAGE + " v1.31.4", OLD_IMAGE + " v1.31.4"), cluster.writes,
                "the request goes into the Update with its current target; the new image still waits");
        assertEquals(request.id(), cluster.update.getSpec().certificateRenewal());
        assertEquals(Reasons.WAITING_FOR_MAINTENANCE_WINDOW, after.status().condition("Ready").reason());
        reconcile(commit("b".repeat(40), t -> newImage(sundayWindow(t))));
        assertEquals(2, cluster.writes.size(), "written once");

        // the window opens: the new target keeps the request
        clock.now = SUNDAY_0200.plusSeconds(1);
        reconcile(commit("b".repeat(40), t -> newImage(sundayWindow(t))));
        assertEquals(NEW_IMAGE, cluster.update.getSpec().osImageURL());
        assertEquals(request.id(), cluster.update.getSpec().certificateRenewal());
    }

    @Test
    void aNewImageWaitsForTheWindowIsWrittenWhenItOpensAndRollsThroughTheNodes() throws Exception {
        var first = reconcile(commit("a".repeat(40), RolloutUpdatesTest::sundayWindow));
        assertEquals(Phase.READY, first.status().phase(), () -> first.status().condition("Ready").toString());
        assertEquals(List.of(OLD_IMAGE + " v1.31.4"), cluster.writes,
                "a new cluster's first Update moves no node: written at once, outside the window");
        assertEquals("a".repeat(40), cluster.update.getSpec().revision());
        assertEquals("10m", cluster.update.getSpec().drainTimeout());
        assertEquals(1, cluster.update.getSpec().maxUnavailable());

        // a new image on Saturday: the window opens on Sunday at 02:00, as the plan says
        var os = planned(commit("a".repeat(40), RolloutUpdatesTest::sundayWindow), commit("b".repeat(40), t -> newImage(sundayWindow(t))));
        assertEquals(io.nkd.plan.Action.Effect.APPLIED, os.effect());
        assertTrue(os.reason().contains("written to Update housekeeper-system/nkd (osImageURL " + NEW_IMAGE + ", kubeVersion v1.31.4)")
                && os.reason().contains("in this order: 1. sandbox-demo-control-plane-1; 2. sandbox-demo-workers-1; 3. sandbox-demo-workers-2")
                && os.reason().contains("starts inside the next maintenance window: \"0 0 2 ? * SUN\" for 4h (UTC)"), os.reason());
        var waiting = reconcile(commit("b".repeat(40), t -> newImage(sundayWindow(t))));
        ClusterStatus st = waiting.status();
        assertEquals(1, cluster.writes.size(), "not written outside the window");
        assertEquals(Phase.ROLLOUT_PENDING, st.phase());
        assertEquals(Reasons.WAITING_FOR_MAINTENANCE_WINDOW, st.condition("Ready").reason());
        assertTrue(st.condition("Ready").message().contains("the next opens at 2026-12-06T02:00:00Z"), st.condition("Ready").message());
        assertEquals(SUNDAY_0200, st.rollout().opensAt());
        assertEquals("b".repeat(40), st.appliedRevision(), "the commit is applied; only the rollout waits");
        assertTrue(waiting.retryAfter() != null && waiting.retryAfter().compareTo(Duration.between(SATURDAY_NOON, SUNDAY_0200).plusSeconds(1)) <= 0,
                "the reconcile comes back by the time the window opens: " + waiting.retryAfter());
        clock.now = SUNDAY_0200.minusSeconds(60);
        reconcile(commit("b".repeat(40), t -> newImage(sundayWindow(t))));
        assertEquals(1, cluster.writes.size(), "a minute before the window: still not written");
        assertEquals(1.0, metrics.get("nkd_rollout_phase").tag("cluster", DEMO).tag("phase", "waiting").gauge().value());

        // Sunday 02:00: the window is open
        clock.now = SUNDAY_0200.plusSeconds(1);
        var rolling = reconcile(commit("b".repeat(40), t -> newImage(sundayWindow(t))));
        assertEquals(List.of(OLD_IMAGE + " v1.31.4", NEW_IMAGE + " v1.31.4"), cluster.writes);
        assertEquals("b".repeat(40), cluster.update.getSpec().revision(), "revision = the source commit");
        st = rolling.status();
        assertEquals(Reasons.ROLLING_OUT, st.condition("Ready").reason(), st.condition("Ready").message());
        assertTrue(st.condition("Ready").message().contains("the Housekeeper has not reported on the Update's generation 2 yet"),
                st.condition("Ready").message());
        assertEquals(RolloutUpdates.WHILE_ROLLING, rolling.retryAfter(), "nkd follows the rollout");
        List<HistoryEntry> history = StatusStore.history(store.view(DEMO));
        HistoryEntry started = history.get(history.size() - 1);
        assertEquals(HistoryEntry.Outcome.ROLLOUT, started.outcome());
        assertEquals("b".repeat(40), started.revision());
        assertTrue(started.message().contains(NEW_IMAGE) && started.message().contains("inside a maintenance window"), started.message());
        assertNull(started.completed());

        // the Housekeeper is at it
        cluster.housekeeperReports(RolloutPhase.PROGRESSING, NodeUpdateState.UPDATING, null);
        st = reconcile(commit("b".repeat(40), t -> newImage(sundayWindow(t)))).status();
        assertEquals(Reasons.ROLLING_OUT, st.condition("Ready").reason());
        assertEquals(io.nkd.status.Condition.Status.TRUE, st.condition("Reconciling").status());
        assertEquals(3, st.rollout().nodes().size());
        assertEquals(NodeUpdateState.UPDATING, st.rollout().node("sandbox-demo-workers-1").orElseThrow().state());
        assertEquals(OLD_IMAGE, st.rollout().node("sandbox-demo-workers-1").orElseThrow().currentImage());
        assertEquals(NEW_IMAGE, st.rollout().targetImage());
        assertEquals(st.rollout(), StatusStore.status(store.view(DEMO)).orElseThrow().rollout(),
                "the rollout is kept in status.json as it is served at /api/v1/clusters/NAME");
        var json = io.nkd.json.JsonOutput.tree(st).path("rollout");
        assertEquals("housekeeper-system/nkd", json.path("update").asText(), json::toString);
        assertEquals("Updating", json.path("nodes").path(1).path("state").asText(), json::toString);
        assertEquals(OLD_IMAGE, json.path("nodes").path(1).path("currentImage").asText(), json::toString);
        assertEquals(3.0, metrics.get("nkd_rollout_nodes").tag("cluster", DEMO).tag("state", "updating").gauge().value());
        assertEquals(1.0, metrics.get("nkd_rollout_phase").tag("cluster", DEMO).tag("phase", "progressing").gauge().value());

        // the Housekeeper reboots a worker: NotReady for a while, which is the rollout and not a degraded cluster
        cluster.notReady = "sandbox-demo-workers-1";
        String log = logged(() -> reconcile(commit("b".repeat(40), t -> newImage(sundayWindow(t)))));
        st = StatusStore.status(store.view(DEMO)).orElseThrow();
        assertEquals(Phase.ROLLOUT_PENDING, st.phase(), st.condition("Ready").message());
        assertEquals(Reasons.ROLLING_OUT, st.condition("Ready").reason());
        assertTrue(log.lines().anyMatch(l -> l.contains("INFO") && l.contains("nodes not ready cluster=sandbox-demo")
                && l.contains("ready=2 of 3: the rollout of housekeeper-system/nkd is updating sandbox-demo-workers-1")), log);
        assertTrue(log.lines().noneMatch(l -> l.contains("WARN")), "a reboot of the rollout is no warning: " + log);
        // the machine line says what is true: the Housekeeper is updating it (not "fetched <old config>, rollout pending")
        String printed = io.nkd.cli.StatusPrinterAccess.detail(st);
        assertTrue(printed.contains("updating to " + st.pools().stream().filter(p -> p.name().equals("workers")).findFirst()
                .orElseThrow().renderedVersion() + " through the Housekeeper"), printed);
        cluster.notReady = null;
        reconcile(commit("b".repeat(40), t -> newImage(sundayWindow(t))));
        // a node the rollout does not explain (the Housekeeper is not updating it) is a warning, named
        cluster.housekeeperReports(RolloutPhase.PROGRESSING, NodeUpdateState.PENDING, null);
        reconcile(commit("b".repeat(40), t -> newImage(sundayWindow(t))));
        cluster.notReady = "sandbox-demo-workers-2";
        log = logged(() -> reconcile(commit("b".repeat(40), t -> newImage(sundayWindow(t)))));
        assertTrue(log.lines().anyMatch(l -> l.contains("WARN") && l.contains("nodes not ready cluster=sandbox-demo")
                && l.contains("ready=2 of 3: sandbox-demo-workers-2")), log);
        cluster.notReady = null;

        // done: every node verified at the target
        cluster.housekeeperReports(RolloutPhase.COMPLETED, NodeUpdateState.UPDATED, null);
        var done = reconcile(commit("b".repeat(40), t -> newImage(sundayWindow(t))));
        st = done.status();
        assertEquals(Phase.READY, st.phase(), st.condition("Ready").message());
        assertEquals("3 of 3 nodes run their desired config", st.condition(StatusComputer.UP_TO_DATE).message());
        history = StatusStore.history(store.view(DEMO));
        HistoryEntry completed = history.stream().filter(h -> h.outcome() == HistoryEntry.Outcome.ROLLOUT).reduce((x, y) -> y).orElseThrow();
        assertEquals(Instant.parse("2026-12-06T02:40:00Z"), completed.completed(), "the Housekeeper's completion time");
        assertEquals(3.0, metrics.get("nkd_rollout_nodes").tag("cluster", DEMO).tag("state", "updated").gauge().value());
        assertEquals(List.of(OLD_IMAGE + " v1.31.4", NEW_IMAGE + " v1.31.4"), cluster.writes, "nothing rewritten");
    }

    @Test
    void aFailedNodeMakesTheClusterDegradedAndNamesIt() {
        reconcile(commit("a".repeat(40), t -> t));
        reconcile(commit("b".repeat(40), RolloutUpdatesTest::newImage));
        cluster.housekeeperReports(RolloutPhase.DEGRADED, NodeUpdateState.PENDING, "sandbox-demo-workers-1");
        ClusterStatus st = reconcile(commit("b".repeat(40), RolloutUpdatesTest::newImage)).status();
        assertEquals(Phase.DEGRADED, st.phase());
        assertEquals(Reasons.ROLLOUT_DEGRADED, st.condition("Ready").reason());
        assertTrue(st.condition("Ready").message().contains("node sandbox-demo-workers-1 failed: DrainTimeout"), st.condition("Ready").message());
        assertTrue(st.condition("Ready").message().contains("housekeeper.io/retry=1"), "says what to do");
        assertTrue(st.condition("Stalled").isTrue());
        assertEquals(NodeUpdateState.FAILED, st.rollout().node("sandbox-demo-workers-1").orElseThrow().state());
        assertEquals("DrainTimeout: a PodDisruptionBudget blocks web-0", st.rollout().node("sandbox-demo-workers-1").orElseThrow()
                .message(), "the reason as the Housekeeper and the conditions write it");
        assertEquals(1.0, metrics.get("nkd_rollout_nodes").tag("cluster", DEMO).tag("state", "failed").gauge().value());
    }

    @Test
    void theWindowOverrideStartsThatTargetAtOnceButNotTheNextOne() {
        reconcile(commit("a".repeat(40), RolloutUpdatesTest::sundayWindow));
        String override = "    windowOverride: {osImage: nestos-24.09.1-k8s-1.31, osImageDigest: sha256:" + "2".repeat(64)
                + ", reason: CVE-2026-0001 in the kernel}\n";
        var os = planned(commit("a".repeat(40), RolloutUpdatesTest::sundayWindow),
                commit("b".repeat(40), t -> newImage(sundayWindow(t)).replace("  upgrade:\n", "  upgrade:\n" + override)));
        assertTrue(os.reason().contains("starts now, outside the maintenance windows: spec.upgrade.windowOverride (CVE-2026-0001 in the kernel)"),
                "the plan says what the daemon then does: " + os.reason());
        ClusterStatus st = reconcile(commit("b".repeat(40), t -> newImage(sundayWindow(t)).replace("  upgrade:\n", "  upgrade:\n" + override)))
                .status();
        assertEquals(NEW_IMAGE + " v1.31.4", cluster.writes.get(cluster.writes.size() - 1), "written on Saturday");
        HistoryEntry started = StatusStore.history(store.view(DEMO)).stream().filter(h -> h.outcome() == HistoryEntry.Outcome.ROLLOUT)
                .findFirst().orElseThrow();
        assertTrue(started.message().contains("spec.upgrade.windowOverride: CVE-2026-0001 in the kernel"), started.message());
        assertEquals(Reasons.ROLLING_OUT, st.condition("Ready").reason());

        // the override names the image: a Kubernetes upgrade later waits for the window again
        int writes = cluster.writes.size();
        st = reconcile(commit("c".repeat(40), t -> newImage(sundayWindow(t)).replace("  upgrade:\n", "  upgrade:\n" + override)
                .replace("version: v1.31.4", "version: v1.31.5"))).status();
        assertEquals(writes, cluster.writes.size(), "not written: the override does not name v1.31.5");
        assertEquals(SUNDAY_0200, st.rollout().opensAt());
    }

    /**
     * The override is bound to the image it was reviewed for: a later commit that only re-pins its catalog entry in
     * images/ waits for the window, and the plan of that commit says so, as the daemon then does.
     */
    @Test
    void aRepinOfTheOverriddenCatalogEntryWaitsForTheWindowAsThePlanSays() {
        reconcile(commit("a".repeat(40), RolloutUpdatesTest::sundayWindow));
        String override = "    windowOverride: {osImage: nestos-24.09.1-k8s-1.31, osImageDigest: sha256:" + "2".repeat(64)
                + ", reason: CVE-2026-0001 in the kernel}\n";
        UnaryOperator<String> overridden = t -> newImage(sundayWindow(t)).replace("  upgrade:\n", "  upgrade:\n" + override);
        Snapshot reviewed = commit("b".repeat(40), overridden);
        var os = planned(commit("a".repeat(40), RolloutUpdatesTest::sundayWindow), reviewed);
        assertTrue(os.reason().contains("starts now, outside the maintenance windows"), os.reason());
        reconcile(reviewed);
        assertEquals(NEW_IMAGE + " v1.31.4", cluster.writes.get(cluster.writes.size() - 1), "the reviewed image starts at once");
        cluster.housekeeperReports(RolloutPhase.COMPLETED, NodeUpdateState.UPDATED, null);
        reconcile(reviewed);

        // only images/ changes: the entry now pins another digest; cluster.yaml and its override are unchanged
        String repinnedImage = "hub.oepkgs.net/nestos/nestos@sha256:" + "3".repeat(64);
        Snapshot repinned = repin(commit("c".repeat(40), overridden), repinnedImage);
        var plannedRepin = planned(reviewed, repinned);
        assertTrue(plannedRepin.reason().contains("the catalog entry nestos-24.09.1-k8s-1.31 now pins a different image")
                && plannedRepin.reason().contains("starts inside the next maintenance window")
                && plannedRepin.reason().contains("spec.upgrade.windowOverride does not start it: it was reviewed for nestos-24.09.1-k8s-1.31 at sha256:"
                + "2".repeat(64)), plannedRepin.reason());
        io.nkd.plan.Plan plan = io.nkd.plan.Planner.plan(reviewed, repinned);
        assertTrue(plan.clusters().stream().filter(c -> c.cluster().equals(DEMO)).findFirst().orElseThrow().notes().stream()
                .anyMatch(n -> n.contains("the override was reviewed for nestos-24.09.1-k8s-1.31") && n.contains("clusters/sandbox-demo/cluster.yaml:")), "the reviewer sees the warning at its line");
        int writes = cluster.writes.size();
        ClusterStatus st = reconcile(repinned).status();
        assertEquals(writes, cluster.writes.size(), "not written outside the window: nobody reviewed the re-pinned image for that");
        assertEquals(Reasons.WAITING_FOR_MAINTENANCE_WINDOW, st.condition("Ready").reason());
        assertTrue(st.condition("Ready").message().contains("it was reviewed for nestos-24.09.1-k8s-1.31 at sha256:" + "2".repeat(64)),
                st.condition("Ready").message());
        assertEquals(SUNDAY_0200, st.rollout().opensAt());

        // a reviewer re-approves the new digest: it starts at once, as the plan says
        Snapshot reapproved = repin(commit("d".repeat(40), t -> overridden.apply(t).replace("2".repeat(64), "3".repeat(64))), repinnedImage);
        // (compared with the commit whose image the Update holds, as the daemon compares with the Update)
        var again = planned(reviewed, reapproved);
        assertTrue(again.reason().contains("starts now, outside the maintenance windows"), again.reason());
        reconcile(reapproved);
        assertEquals(repinnedImage + " v1.31.4", cluster.writes.get(cluster.writes.size() - 1), "written on Saturday");
    }

    /** What nkd logs while {@code r} runs. */
    private static String logged(Runnable r) {
        java.io.ByteArrayOutputStream sink = new java.io.ByteArrayOutputStream();
        io.nkd.log.LogSettings.redirect(new java.io.PrintStream(sink, true, StandardCharsets.UTF_8));
        try {
            r.run();
        } finally {
            io.nkd.log.LogSettings.redirect(null);
        }
        return sink.toString(StandardCharsets.UTF_8);
    }

    /** {@code s} with images/ pinning nestos-24.09.1-k8s-1.31 to {@code image}. */
    private static Snapshot repin(Snapshot s, String image) {
        TreeMap<String, byte[]> files = new TreeMap<>(s.files());
        files.put("images/nestos.yaml", s.text("images/nestos.yaml").orElseThrow().replace(NEW_IMAGE, image).getBytes(StandardCharsets.UTF_8));
        return new Snapshot(s.revision(), files);
    }

    @Test
    void aRevertRetargetsTheUpdateToThePreviousImage() {
        reconcile(commit("a".repeat(40), t -> t));
        reconcile(commit("b".repeat(40), RolloutUpdatesTest::newImage));
        cluster.housekeeperReports(RolloutPhase.COMPLETED, NodeUpdateState.UPDATED, null);
        reconcile(commit("b".repeat(40), RolloutUpdatesTest::newImage));
        // git revert of b: the cluster names the old image again
        ClusterStatus st = reconcile(commit("c".repeat(40), t -> t)).status();
        assertEquals(List.of(OLD_IMAGE + " v1.31.4", NEW_IMAGE + " v1.31.4", OLD_IMAGE + " v1.31.4"), cluster.writes);
        assertEquals("c".repeat(40), cluster.update.getSpec().revision());
        assertEquals(OLD_IMAGE, st.rollout().targetImage());
        assertEquals(Reasons.ROLLING_OUT, st.condition("Ready").reason(), "the Housekeeper takes the nodes back");
    }

    @Test
    void withoutTheHousekeeperNoUpdateIsWrittenAndTheNodesStayAsTheyAre() {
        reconcile(commit("a".repeat(40), t -> t.replace("  upgrade:\n", "  housekeeper: {enabled: false}\n  upgrade:\n")));
        ClusterStatus st = reconcile(commit("b".repeat(40), t -> newImage(t).replace("  upgrade:\n", "  housekeeper: {enabled: false}\n  upgrade:\n")))
                .status();
        assertEquals(List.of(), cluster.writes);
        assertNull(st.rollout());
        assertEquals(Reasons.ROLLOUT_PENDING, st.condition("Ready").reason());
        assertTrue(st.condition("Ready").message().contains("spec.housekeeper.enabled is false, so nkd writes no Update"),
                st.condition("Ready").message());
    }

    @Test
    void theNestosHousekeeperGetsTheFourUpstreamFieldsAndIsNotWrittenWhilePaused() {
        String nestos = "  housekeeper: {flavor: nestos}\n  upgrade:\n";
        reconcile(commit("a".repeat(40), t -> t.replace("  upgrade:\n", nestos)));
        assertEquals(List.of(OLD_IMAGE + " v1.31.4 (upstream fields)"), cluster.writes);
        assertNull(cluster.update.getSpec().drainTimeout());
        ClusterStatus st = reconcile(commit("b".repeat(40), t -> newImage(t).replace("  upgrade:\n", nestos + "    paused: true\n")))
                .status();
        assertEquals(1, cluster.writes.size(), "the NestOS Housekeeper cannot be paused: the new target is held back");
        assertEquals(Reasons.ROLLOUT_PAUSED, st.condition("Ready").reason(), st.condition("Ready").message());
        assertTrue(st.rollout().waiting().contains("cannot be paused"), st.rollout().waiting());
        st = reconcile(commit("c".repeat(40), t -> newImage(t).replace("  upgrade:\n", nestos))).status();
        assertEquals(NEW_IMAGE + " v1.31.4 (upstream fields)", cluster.writes.get(1));
        assertEquals("nestos", st.rollout().flavor());
    }

    @Test
    void aButaneOnlyChangeIsMarkedAsNeedingAReplacementNotRolledOut() {
        reconcile(commit("a".repeat(40), t -> t));
        TreeMap<String, byte[]> files = new TreeMap<>(commit("b".repeat(40), t -> t).files());
        files.put("clusters/sandbox-demo/butane/workers/10-motd.bu", """
                variant: fcos
                version: 1.4.0
                storage:
                  files:
                    - path: /etc/motd.d/team.motd
                      contents:
                        inline: hello
                """.getBytes(StandardCharsets.UTF_8));
        ClusterStatus st = reconcile(new Snapshot("b".repeat(40), files)).status();
        assertEquals(1, cluster.writes.size(), "the Update's target did not change");
        assertEquals(Reasons.ROLLOUT_PENDING, st.condition("Ready").reason());
        assertTrue(st.condition("Ready").message().contains("only a replacement of these machines applies it"), st.condition("Ready").message());
        assertNotNull(st.rollout());
    }
}
