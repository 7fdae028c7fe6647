package io.nkd.infra.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.nkd.cluster.Addons;
import io.nkd.cluster.ClusterApiException;
import io.nkd.cluster.ClusterNode;
import io.nkd.cluster.NodeRemovals;
import io.nkd.cluster.WorkloadCluster;
import io.nkd.cluster.WorkloadClusters;
import io.nkd.config.ConfigLoader;
import io.nkd.config.Infrastructure;
import io.nkd.config.NodePool;
import io.nkd.config.RepositoryConfig;
import io.nkd.git.Snapshots;
import io.nkd.housekeeper.api.AgentState;
import io.nkd.housekeeper.api.NodeKeys;
import io.nkd.housekeeper.api.NodeProgress;
import io.nkd.housekeeper.api.NodeReport;
import io.nkd.housekeeper.api.NodeUpdateState;
import io.nkd.housekeeper.api.RolloutPhase;
import io.nkd.housekeeper.api.Update;
import io.nkd.housekeeper.api.UpdateSpec;
import io.nkd.infra.MachineRequest;
import io.nkd.infra.MachineSpec;
import io.nkd.pki.BootstrapToken;
import io.nkd.render.BootstrapSecrets;
import io.nkd.render.ClusterRenderer;
import io.nkd.render.RenderedCluster;
import io.nkd.state.AtomicFiles;
import io.nkd.state.Sensitivity;
import io.nkd.testsupport.RepoPaths;
import java.io.IOException;
import java.net.URI;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sandbox's simulated cluster, driven by a test clock: what nkd sees through {@link WorkloadCluster} as machines
 * boot, join and an Update rolls through them (the Housekeeper's real planner, simulated agents) and back.
 */
class SandboxClustersTest {
    private static final String OLD = "hub.oepkgs.net/nestos/nestos@sha256:" + "9c".repeat(32);
    private static final String NEW = "hub.oepkgs.net/nestos/nestos@sha256:" + "4d".repeat(32);
    /** bootTime 2s: a node turns Ready 1s after it registered, an agent step takes 1s. */
    private static final Infrastructure SANDBOX = new Infrastructure(Infrastructure.ProviderType.SANDBOX, null, null, null,
            new Infrastructure.Sandbox(Duration.ofSeconds(2)));

    @TempDir
    Path state;

    private final TestClock clock = new TestClock(Instant.parse("2026-01-05T10:00:00Z"));
    private final AtomicBoolean diskFull = new AtomicBoolean();
    private SandboxProvider provider;

    @BeforeEach
    void start() {
        provider = provider();
    }

    @AfterEach
    void stop() {
        provider.close();
    }

    private SandboxProvider provider() {
        SandboxProvider.Disk disk = (target, content) -> {
            if (diskFull.get()) {
                throw new FileSystemException(target.toString(), null, "No space left on device");
            }
            AtomicFiles.replace(target, content, Sensitivity.SECRET);
        };
        // the machine's pointer (user data) is its name here; every machine boots the old image on Kubernetes v1.31.4
        SandboxProvider.Fetch fetch = (pointer, timeout) -> new SandboxProvider.Boot(
                List.of(URI.create("https://127.0.0.1:8443/ignition/v1/lab/pools/" + pointer)), OLD, "v1.31.4");
        return new SandboxProvider(state, Duration.ofMillis(1), disk, fetch);
    }

    private WorkloadCluster connect(SandboxClusters clusters) {
        return clusters.connect(new WorkloadClusters.Target("lab", SANDBOX, null))
                .orElseThrow();
    }

    private void boot(String name, NodePool.Role role) throws InterruptedException {
        String pool = role == NodePool.Role.CONTROL_PLANE ? "control-plane" : "workers";
        provider.create(new MachineRequest("lab", pool, name, role, "a".repeat(40), "rendered-" + pool + "-1", null,
                new MachineSpec("", "", "", ""), name));
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (provider.booted("lab").stream().noneMatch(b -> b.name().equals(name))) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(name + " did not boot");
            }
            Thread.sleep(5);
        }
    }

    private WorkloadCluster threeReadyNodes(SandboxClusters clusters) throws InterruptedException {
        WorkloadCluster c = connect(clusters);
        boot("lab-control-plane-1", NodePool.Role.CONTROL_PLANE);
        boot("lab-workers-1", NodePool.Role.WORKER);
        boot("lab-workers-2", NodePool.Role.WORKER);
        c.nodes(); // they register now
        clock.advance(Duration.ofSeconds(1));
        assertTrue(c.nodes().stream().allMatch(ClusterNode::ready), () -> c.nodes().toString());
        return c;
    }

    @Test
    void theApiIsUpOnceAControlPlaneMachineBootedAndEachBootedMachineIsANodeReadyAMomentLater() throws Exception {
        WorkloadCluster c = connect(new SandboxClusters(provider, clock));
        assertFalse(c.readiness().ready());
        assertTrue(c.readiness().message().contains("connection refused"), c.readiness().message());
        ClusterApiException down = assertThrows(ClusterApiException.class, c::nodes);
        assertEquals("Nodes", down.object());

        boot("lab-workers-1", NodePool.Role.WORKER);
        assertFalse(c.readiness().ready(), "a worker alone serves no API");
        boot("lab-control-plane-1", NodePool.Role.CONTROL_PLANE);
        assertTrue(c.readiness().ready());

        List<ClusterNode> joined = c.nodes();
        assertEquals(List.of("lab-control-plane-1", "lab-workers-1"), joined.stream().map(ClusterNode::name).toList());
        assertTrue(joined.stream().noneMatch(ClusterNode::ready), "a node registers NotReady");
        assertEquals("KubeletNotReady", joined.get(0).readyReason());
        clock.advance(Duration.ofMillis(999));
        assertTrue(c.nodes().stream().noneMatch(ClusterNode::ready));
        clock.advance(Duration.ofMillis(1));
        List<ClusterNode> ready = c.nodes();
        assertTrue(ready.stream().allMatch(ClusterNode::ready));
        ClusterNode cp = ready.get(0);
        assertTrue(cp.controlPlane());
        assertTrue(cp.labels().containsKey(NodeKeys.CONTROL_PLANE_LABEL));
        assertFalse(ready.get(1).controlPlane());
        assertEquals("v1.31.4", cp.kubeletVersion());
        assertEquals(OLD, cp.osImage(), "the image of the config it booted");
        NodeReport report = report(cp);
        assertEquals(AgentState.IDLE, report.state());
        assertEquals(OLD.substring(OLD.indexOf('@') + 1), report.booted().digest());
    }

    @Test
    void anUpdateRollsThroughTheNodesControlPlaneFirstOneAtATimeAndARevertRollsBack() throws Exception {
        WorkloadCluster c = threeReadyNodes(new SandboxClusters(provider, clock));
        c.rollouts().write(new UpdateSpec(NEW, "v1.31.4", false, 1, "10m", null, "c2c2c2c"), false);
        Map<String, List<AgentState>> steps = new LinkedHashMap<>();
        List<String> order = new ArrayList<>();
        Update done = watch(c, steps, order, 1);
        assertEquals(RolloutPhase.COMPLETED, done.getStatus().phase());
        assertEquals(3, done.getStatus().updated());
        assertEquals(List.of("lab-control-plane-1", "lab-workers-1", "lab-workers-2"), order, "control plane first, then workers by name");
        for (String node : order) {
            assertEquals(List.of(AgentState.CORDONING, AgentState.DRAINING, AgentState.STAGING, AgentState.REBOOTING,
                    AgentState.VERIFYING, AgentState.UNCORDONING, AgentState.DONE), steps.get(node), node);
        }
        for (ClusterNode n : c.nodes()) {
            assertEquals(NEW, n.osImage(), n.name());
            assertTrue(n.ready() && !n.unschedulable(), n.name() + " is back in service");
        }

        // the revert: the same Update retargeted to the image before; each node boots its previous deployment
        c.rollouts().write(new UpdateSpec(OLD, "v1.31.4", false, 1, "10m", null, "c3c3c3c"), false);
        assertEquals(2, c.rollouts().read().orElseThrow().getMetadata().getGeneration());
        List<String> rollbackMessages = new ArrayList<>();
        Map<String, List<AgentState>> back = new LinkedHashMap<>();
        List<String> backOrder = new ArrayList<>();
        Update reverted = null;
        for (int i = 0; i < 200 && reverted == null; i++) {
            clock.advance(Duration.ofSeconds(1));
            for (ClusterNode n : c.nodes()) {
                NodeReport r = report(n);
                if (r.state() == AgentState.STAGING && !rollbackMessages.contains(n.name() + ": " + r.message())) {
                    rollbackMessages.add(n.name() + ": " + r.message());
                }
            }
            Update u = c.rollouts().read().orElseThrow();
            record(u, back, backOrder);
            if (u.getStatus().observedGeneration() == 2 && u.getStatus().phase() == RolloutPhase.COMPLETED) {
                reverted = u;
            }
        }
        assertNotNull(reverted, "the revert completes");
        assertEquals("c3c3c3c", reverted.getStatus().revision());
        assertEquals(order, backOrder);
        assertEquals(3, rollbackMessages.size(), rollbackMessages::toString);
        rollbackMessages.forEach(m -> assertTrue(m.contains("rpm-ostree rollback"), m));
        assertTrue(c.nodes().stream().allMatch(n -> n.osImage().equals(OLD)));
    }

    /** Moves the clock a second at a time until the Update of {@code generation} completes; records each node's steps. */
    private Update watch(WorkloadCluster c, Map<String, List<AgentState>> steps, List<String> order, long generation) {
        for (int i = 0; i < 200; i++) {
            clock.advance(Duration.ofSeconds(1));
            Update u = c.rollouts().read().orElseThrow();
            record(u, steps, order);
            if (u.getStatus() != null && u.getStatus().observedGeneration() == generation
                    && u.getStatus().phase() == RolloutPhase.COMPLETED) {
                return u;
            }
        }
        throw new AssertionError("the rollout did not complete in 200 simulated seconds: " + c.rollouts().read());
    }

    private static void record(Update u, Map<String, List<AgentState>> steps, List<String> order) {
        if (u.getStatus() == null) {
            return;
        }
        long updating = u.getStatus().nodes().stream().filter(p -> p.state() == NodeUpdateState.UPDATING).count();
        assertTrue(updating <= 1, "one node at a time (control plane, then maxUnavailable 1): " + u.getStatus().nodes());
        for (NodeProgress p : u.getStatus().nodes()) {
            AgentState step = p.state() == NodeUpdateState.UPDATED ? AgentState.DONE : p.step();
            if (p.state() == NodeUpdateState.UPDATING || p.state() == NodeUpdateState.UPDATED && steps.containsKey(p.name())) {
                if (!order.contains(p.name())) {
                    order.add(p.name());
                }
                List<AgentState> seen = steps.computeIfAbsent(p.name(), k -> new ArrayList<>());
                if (step != null && (seen.isEmpty() || seen.get(seen.size() - 1) != step)) {
                    seen.add(step);
                }
            }
        }
    }

    @Test
    void aCertificateRenewalGoesAfterTheRolloutsControlPlaneNodesAndRenewsThemOneAtATime() throws Exception {
        WorkloadCluster c = connect(new SandboxClusters(provider, clock));
        for (int i = 1; i <= 3; i++) {
            boot("lab-control-plane-" + i, NodePool.Role.CONTROL_PLANE);
        }
        boot("lab-workers-1", NodePool.Role.WORKER);
        c.nodes();
        clock.advance(Duration.ofSeconds(1));
        // a new image and a renewal request in one write: the rollout's control-plane nodes go first
        c.rollouts().write(new UpdateSpec(NEW, "v1.31.4", false, 1, "10m", null, "c5").withCertificateRenewal("r1"), false);
        List<String> renewalOrder = new ArrayList<>();
        Update done = null;
        for (int i = 0; i < 300 && done == null; i++) {
            clock.advance(Duration.ofSeconds(1));
            Update u = c.rollouts().read().orElseThrow();
            var cr = u.getStatus() == null ? null : u.getStatus().certificateRenewal();
            if (cr == null) {
                continue;
            }
            List<String> renewing = cr.nodes().stream()
                    .filter(n -> n.state() == io.nkd.housekeeper.api.CertificateRenewalState.RENEWING).map(n -> n.name()).toList();
            assertTrue(renewing.size() <= 1, "one control-plane node at a time: " + cr.nodes());
            if (!renewing.isEmpty()) {
                assertTrue(u.getStatus().nodes().stream().filter(p -> p.role() == io.nkd.housekeeper.api.NodeRole.CONTROL_PLANE)
                        .allMatch(p -> p.state() == NodeUpdateState.UPDATED), "the rollout's control-plane nodes went first: "
                        + u.getStatus().nodes());
                if (!renewalOrder.contains(renewing.get(0))) {
                    renewalOrder.add(renewing.get(0));
                }
            }
            if (cr.phase() == io.nkd.housekeeper.api.CertificateRenewalPhase.COMPLETED
                    && u.getStatus().phase() == RolloutPhase.COMPLETED) {
                done = u;
            }
        }
        assertNotNull(done, "the rollout and the renewal complete: " + c.rollouts().read());
        assertEquals(List.of("lab-control-plane-1", "lab-control-plane-2", "lab-control-plane-3"), renewalOrder);
        for (var n : done.getStatus().certificateRenewal().nodes()) {
            assertEquals("r1", n.renewed(), n.name());
            assertTrue(Instant.parse(n.notAfter()).isAfter(clock.instant().plus(Duration.ofDays(364))), n.notAfter());
        }
        assertEquals(3, done.getStatus().certificateRenewal().nodes().size(), "workers are not renewed");
        ClusterNode cp = c.nodes().stream().filter(n -> n.name().equals("lab-control-plane-2")).findFirst().orElseThrow();
        assertTrue(cp.annotations().get(io.nkd.housekeeper.api.NodeKeys.CERTIFICATE_REPORT_ANNOTATION).contains("\"Renewed\""),
                cp.annotations()::toString);
        assertFalse(cp.annotations().containsKey(io.nkd.housekeeper.api.NodeKeys.CERTIFICATE_RENEWAL_ANNOTATION),
                "the assignment is removed once renewed");
    }

    @Test
    void theSimulationSurvivesARestartOfNkd() throws Exception {
        WorkloadCluster c = threeReadyNodes(new SandboxClusters(provider, clock));
        c.rollouts().write(new UpdateSpec(NEW, "v1.31.4", false, 1, "10m", null, "c2c2c2c"), false);
        clock.advance(Duration.ofSeconds(3));
        Update before = c.rollouts().read().orElseThrow();
        assertEquals(RolloutPhase.PROGRESSING, before.getStatus().phase());
        c.joinTokens().create(new BootstrapToken("abcdef", "0123456789abcdef"), clock.instant().plus(Duration.ofHours(1)), "join");

        provider.close();
        provider = provider();
        WorkloadCluster again = connect(new SandboxClusters(provider, clock));
        Update after = again.rollouts().read().orElseThrow();
        assertEquals(before.getMetadata().getUid(), after.getMetadata().getUid());
        assertEquals(before.getStatus(), after.getStatus(), "where it stood");
        assertEquals(List.of("abcdef"), List.copyOf(again.joinTokens().list().keySet()));
        assertEquals(3, again.nodes().size());
        watch(again, new TreeMap<>(), new ArrayList<>(), 1);
        String saved = Files.readString(state.resolve("sandbox/lab.kube.json"));
        assertFalse(saved.contains("0123456789abcdef"), "the token's secret is never kept");
    }

    @Test
    void aKubernetesVersionChangeRunsKubeadmOnEachNode() throws Exception {
        WorkloadCluster c = threeReadyNodes(new SandboxClusters(provider, clock));
        c.rollouts().write(new UpdateSpec(OLD, "v1.31.5", false, 1, null, null, "c4"), false);
        Map<String, List<AgentState>> steps = new LinkedHashMap<>();
        watch(c, steps, new ArrayList<>(), 1);
        for (List<AgentState> s : steps.values()) {
            assertEquals(List.of(AgentState.CORDONING, AgentState.DRAINING, AgentState.UPGRADING_KUBERNETES,
                    AgentState.VERIFYING, AgentState.UNCORDONING, AgentState.DONE), s, "no reboot for a Kubernetes-only change");
        }
        assertTrue(c.nodes().stream().allMatch(n -> n.kubeletVersion().equals("v1.31.5") && n.osImage().equals(OLD)));
    }

    @Test
    void aClusterWhoseMachinesAreAllGoneStartsEmptyWhenCreatedAgain() throws Exception {
        WorkloadCluster c = threeReadyNodes(new SandboxClusters(provider, clock));
        c.rollouts().write(new UpdateSpec(NEW, "v1.31.4", false, 1, null, null, "c2"), false);
        provider.destroy("lab");
        assertFalse(c.readiness().ready());
        boot("lab-control-plane-1", NodePool.Role.CONTROL_PLANE);
        assertTrue(c.rollouts().read().isEmpty(), "etcd went with the control-plane machines");
        assertEquals(List.of("lab-control-plane-1"), c.nodes().stream().map(ClusterNode::name).toList());
    }

    @Test
    void aRemovedNodeIsCordonedDrainedInSimulatedTimeThenGone() throws Exception {
        WorkloadCluster c = threeReadyNodes(new SandboxClusters(provider, clock));
        NodeRemovals.Policy policy = new NodeRemovals.Policy(Duration.ofMinutes(10), false, clock.instant());
        assertInstanceOf(NodeRemovals.Progress.InProgress.class, c.nodeRemovals().remove("lab-workers-2", false, policy));
        assertTrue(c.nodes().stream().filter(n -> n.name().equals("lab-workers-2")).findFirst().orElseThrow().unschedulable());
        clock.advance(Duration.ofSeconds(1));
        assertInstanceOf(NodeRemovals.Progress.InProgress.class, c.nodeRemovals().remove("lab-workers-2", false, policy));
        clock.advance(Duration.ofSeconds(1));
        assertInstanceOf(NodeRemovals.Progress.Done.class, c.nodeRemovals().remove("lab-workers-2", false, policy));
        assertEquals(List.of("lab-control-plane-1", "lab-workers-1"), c.nodes().stream().map(ClusterNode::name).toList());
        assertInstanceOf(NodeRemovals.Progress.Done.class, c.nodeRemovals().remove("never-there", false, policy));
    }

    @Test
    void tokensAreListedUntilTheyExpire() throws Exception {
        WorkloadCluster c = threeReadyNodes(new SandboxClusters(provider, clock));
        c.joinTokens().create(new BootstrapToken("aaaaaa", "0123456789abcdef"), clock.instant().plus(Duration.ofMinutes(30)), "a");
        c.joinTokens().create(new BootstrapToken("bbbbbb", "0123456789abcdef"), clock.instant().plus(Duration.ofHours(2)), "b");
        assertEquals(List.of("aaaaaa", "bbbbbb"), List.copyOf(c.joinTokens().list().keySet()));
        clock.advance(Duration.ofHours(1));
        assertEquals(List.of("bbbbbb"), List.copyOf(c.joinTokens().list().keySet()), "the token cleaner removed the expired one");
        c.joinTokens().delete("bbbbbb");
        c.joinTokens().delete("bbbbbb"); // absent is fine
        assertTrue(c.joinTokens().list().isEmpty());
    }

    @Test
    void addOnsAreRecordedAndAnObjectWithoutKindOrNameFailsAsTheApiServerWould() throws Exception {
        WorkloadCluster c = threeReadyNodes(new SandboxClusters(provider, clock));
        Addons.ManifestObject ns = object("Namespace", null, "web", "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"web\"}}");
        Addons.ManifestObject noKind = object("", "web", "x", "{\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"x\"}}");
        Addons.ManifestObject noName = object("ConfigMap", "web", "", "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{}}");
        Addons.ManifestObject cm = object("ConfigMap", "web", "site", "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"site\",\"namespace\":\"web\"}}");
        Addons.ApplyReport first = c.addons().apply(List.of(ns, noKind, noName, cm), Map.of("web", true));
        assertEquals(List.of(true, false, false, true), first.results().stream().map(Addons.ObjectResult::applied).toList());
        assertEquals("Object 'Kind' is missing in the object", first.results().get(1).message());
        assertEquals("resource name may not be empty", first.results().get(2).message());

        Addons.ApplyReport kept = c.addons().apply(List.of(ns), Map.of("web", false));
        assertTrue(kept.pruned().isEmpty(), "no pruning unless asked: the ConfigMap is only forgotten");
        Addons.ApplyReport again = c.addons().apply(List.of(ns, cm), Map.of("web", true));
        assertTrue(again.pruned().isEmpty());
        Addons.ApplyReport pruned = c.addons().apply(List.of(ns), Map.of("web", true));
        assertEquals(List.of("ConfigMap web/site (add-on web)"), pruned.pruned());
        Addons.ApplyReport removed = c.addons().apply(List.of(), Map.of());
        assertEquals(List.of("Namespace web (add-on web)"), removed.pruned(), "a removed add-on prunes as it did when last applied");
    }

    private static Addons.ManifestObject budget(String name, String spec) {
        return new Addons.ManifestObject("shop", "clusters/lab/manifests/shop/pdb.yaml", 1, "policy/v1", "PodDisruptionBudget", "shop",
                name, "{\"apiVersion\":\"policy/v1\",\"kind\":\"PodDisruptionBudget\",\"metadata\":{\"name\":\"" + name
                + "\",\"namespace\":\"shop\"},\"spec\":" + spec + "}");
    }

    /** Moves the clock a second at a time until {@code done} holds of the Update; fails after {@code seconds}. */
    private Update until(WorkloadCluster c, int seconds, java.util.function.Predicate<Update> done) {
        for (int i = 0; i < seconds; i++) {
            clock.advance(Duration.ofSeconds(1));
            Update u = c.rollouts().read().orElseThrow();
            if (u.getStatus() != null && done.test(u)) {
                return u;
            }
        }
        throw new AssertionError("not reached in " + seconds + " simulated seconds: " + c.rollouts().read());
    }

    private static NodeProgress progress(Update u, String node) {
        return u.getStatus().nodes().stream().filter(p -> p.name().equals(node)).findFirst().orElseThrow();
    }

    @Test
    void aBudgetThatAllowsNoDisruptionHoldsTheWorkersDrainAndSaysSoUntilItIsChanged() throws Exception {
        WorkloadCluster c = threeReadyNodes(new SandboxClusters(provider, clock));
        c.addons().apply(List.of(budget("web", "{\"maxUnavailable\":0,\"selector\":{}}"),
                budget("db", "{\"minAvailable\":1}")), Map.of("shop", true));
        c.rollouts().write(new UpdateSpec(NEW, "v1.31.4", false, 1, "10m", null, "c6"), false);
        Update blocked = until(c, 60, u -> !progress(u, "lab-workers-1").blockedBy().isEmpty());
        assertEquals(NodeUpdateState.UPDATED, progress(blocked, "lab-control-plane-1").state(), "no budget holds a control-plane node");
        NodeProgress w1 = progress(blocked, "lab-workers-1");
        assertEquals(AgentState.DRAINING, w1.step());
        assertEquals(List.of(new io.nkd.housekeeper.api.DisruptionBudgetBlock("shop/web", List.of("shop/web-lab-workers-1"),
                w1.blockedBy().get(0).since())), w1.blockedBy(), "only the budget that allows no disruption refuses");
        Instant since = Instant.parse(w1.blockedBy().get(0).since());
        NodeReport r = report(c.nodes().stream().filter(n -> n.name().equals("lab-workers-1")).findFirst().orElseThrow());
        assertEquals(w1.blockedBy(), r.blockedBy(), "the status shows what the agent reports");
        assertTrue(r.message().startsWith("draining: 1 pod(s) left to evict; evictions refused by PodDisruptionBudget shop/web"
                + " (pods shop/web-lab-workers-1) since "), r.message());
        assertTrue(r.message().contains("; retrying until "), "the real agent's words: " + r.message());
        // minutes later it still waits, and the time it first refused stays
        clock.advance(Duration.ofMinutes(3));
        Update later = c.rollouts().read().orElseThrow();
        assertEquals(since.toString(), progress(later, "lab-workers-1").blockedBy().get(0).since());
        assertEquals(NodeUpdateState.PENDING, progress(later, "lab-workers-2").state(), "maxUnavailable 1: the next worker waits");

        // a commit lets the budget allow one disruption: the drain goes on and the rollout completes
        c.addons().apply(List.of(budget("web", "{\"maxUnavailable\":1}"), budget("db", "{\"minAvailable\":1}")), Map.of("shop", true));
        Update done = until(c, 60, u -> u.getStatus().phase() == RolloutPhase.COMPLETED);
        assertTrue(done.getStatus().nodes().stream().allMatch(p -> p.blockedBy().isEmpty()), done.getStatus().nodes().toString());
    }

    @Test
    void aBudgetThatNeverLetsGoFailsTheDrainAtItsTimeoutUnlessPodsMayBeForced() throws Exception {
        WorkloadCluster c = threeReadyNodes(new SandboxClusters(provider, clock));
        c.addons().apply(List.of(budget("web", "{\"minAvailable\":\"100%\"}")), Map.of("shop", true));
        c.rollouts().write(new UpdateSpec(NEW, "v1.31.4", false, 1, "1m", null, "c7"), false);
        Update degraded = until(c, 120, u -> u.getStatus().phase() == RolloutPhase.DEGRADED);
        NodeProgress w1 = progress(degraded, "lab-workers-1");
        assertEquals(NodeUpdateState.FAILED, w1.state());
        assertEquals(io.nkd.housekeeper.api.FailureReason.DRAIN_TIMEOUT, w1.reason());
        assertTrue(w1.message().contains("shop/web-lab-workers-1 (blocked by shop/web)"), w1.message());
        assertTrue(w1.blockedBy().isEmpty(), "a failed drain no longer waits on the budget");

        // the same target with evictPodForce: at the timeout the pods are deleted and the rollout completes
        c.rollouts().write(new UpdateSpec(NEW, "v1.31.4", true, 1, "1m", null, "c8"), false);
        Update done = until(c, 400, u -> u.getStatus().phase() == RolloutPhase.COMPLETED);
        assertEquals(3, done.getStatus().updated());
    }

    @Test
    void aHundredBudgetsThatAllowNoDisruptionKeepTheReportAndTheStatusSmall() throws Exception {
        WorkloadCluster c = threeReadyNodes(new SandboxClusters(provider, clock));
        List<Addons.ManifestObject> budgets = new java.util.ArrayList<>();
        for (int i = 0; i < 100; i++) {
            budgets.add(budget(String.format("web-%03d-", i) + "x".repeat(200), "{\"maxUnavailable\":0}"));
        }
        c.addons().apply(budgets, Map.of("shop", true));
        c.rollouts().write(new UpdateSpec(NEW, "v1.31.4", false, 1, "1m", null, "c9"), false);
        Update blocked = until(c, 60, u -> !progress(u, "lab-workers-1").blockedBy().isEmpty());
        NodeProgress w1 = progress(blocked, "lab-workers-1");
        assertEquals(io.nkd.housekeeper.api.DisruptionBudgetBlock.MAX_BUDGETS, w1.blockedBy().size());
        NodeReport r = report(c.nodes().stream().filter(n -> n.name().equals("lab-workers-1")).findFirst().orElseThrow());
        assertTrue(r.message().startsWith("draining: 100 pod(s) left to evict; "), r.message());
        assertTrue(r.message().contains("; 80 more PodDisruptionBudget(s); retrying until "), r.message());
        assertTrue(r.message().length() < 10_000, "the report's message names at most "
                + io.nkd.housekeeper.api.DisruptionBudgetBlock.MAX_BUDGETS + " budgets: " + r.message().length() + " characters");

        Update degraded = until(c, 120, u -> u.getStatus().phase() == RolloutPhase.DEGRADED);
        String failed = progress(degraded, "lab-workers-1").message();
        assertTrue(failed.contains("100 pod(s) could not be evicted"), failed);
        assertTrue(failed.contains("and 80 more"), failed);
        assertTrue(failed.length() < 10_000, "the failure names at most " + io.nkd.housekeeper.api.DisruptionBudgetBlock.MAX_BUDGETS
                + " pods: " + failed.length() + " characters");
    }

    private static Addons.ManifestObject object(String kind, String namespace, String name, String json) {
        return new Addons.ManifestObject("web", "clusters/lab/manifests/web/site.yaml", 1, "v1", kind, namespace, name, json);
    }

    @Test
    void aCorruptSimulationIsACorruptStateFileNamedWithWhatToDoAndNeverQuoted() throws Exception {
        Files.createDirectories(state.resolve("sandbox"));
        Files.writeString(state.resolve("sandbox/lab.kube.json"), "{\"nodes\": SECRET-VALUE-FROM-AN-ADDON");
        io.nkd.state.CorruptStateException e = assertThrows(io.nkd.state.CorruptStateException.class,
                () -> connect(new SandboxClusters(provider, clock)));
        assertTrue(e.getMessage().startsWith("state file " + state.resolve("sandbox/lab.kube.json") + " is corrupt: not the simulated"
                + " cluster nkd writes (at line 1 column "), e.getMessage());
        assertTrue(e.getMessage().contains("or stop nkd and delete it: the simulated cluster then starts over"), e.getMessage());
        assertFalse(e.getMessage().contains("SECRET"), e.getMessage());
        assertEquals(null, e.getCause(), "the reconcile loop reports it as StateCorrupt, and no Jackson message reaches a log");
    }

    @Test
    void aChangeThatCannotBeSavedChangesNothing() throws Exception {
        WorkloadCluster c = threeReadyNodes(new SandboxClusters(provider, clock));
        diskFull.set(true);
        ClusterApiException e = assertThrows(ClusterApiException.class,
                () -> c.rollouts().write(new UpdateSpec(NEW, "v1.31.4", false, 1, null, null, "c2"), false));
        assertTrue(e.getMessage().contains("No space left on device"), e.getMessage());
        assertTrue(e.getMessage().contains("lab.kube.json"), e.getMessage());
        assertTrue(c.readiness().ready(), "readiness never throws");
        diskFull.set(false);
        assertTrue(c.rollouts().read().isEmpty(), "the Update that could not be saved was never written");
    }

    @Test
    void aNodeRunsTheImageAndKubernetesVersionOfTheConfigItBooted() throws IOException {
        RepositoryConfig config = ConfigLoader.load(Snapshots.fromDirectory(RepoPaths.repoRoot().resolve("repo-layout/example")));
        RenderedCluster r = ClusterRenderer.render(config.cluster("sandbox-demo").orElseThrow(), config.images(), secrets());
        assertTrue(r.ok(), r.report()::toString);
        String image = config.images().get("nestos-24.09-k8s-1.31").osImageURL();
        for (String pool : List.of("control-plane", "workers")) {
            JsonNode ignition = r.pools().stream().filter(p -> p.name().equals(pool)).findFirst().orElseThrow().config();
            BootedConfig booted = BootedConfig.read(new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsBytes(ignition));
            assertEquals(image, booted.osImage(), pool);
            assertEquals("v1.31.4", booted.kubeletVersion(), pool);
        }
    }

    /** The agent's report on a Node, as the Housekeeper's annotation carries it. */
    private static NodeReport report(ClusterNode n) {
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().readValue(n.annotations().get(NodeKeys.REPORT_ANNOTATION),
                    NodeReport.class);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static BootstrapSecrets secrets() {
        TreeMap<String, BootstrapSecrets.PkiFile> files = new TreeMap<>();
        BootstrapSecrets.SHARED_CONTROL_PLANE_FILES.forEach((p, m) -> files.put(p,
                new BootstrapSecrets.PkiFile("-----BEGIN NKD TEST " + p + "-----\n", m)));
        return new BootstrapSecrets("abc123.0123456789abcdef", "5e".repeat(32), "sha256:" + "ab".repeat(32), files);
    }

    /** A clock the test moves. */
    static final class TestClock extends Clock {
        private volatile Instant now;

        TestClock(Instant now) {
            this.now = now;
        }

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
