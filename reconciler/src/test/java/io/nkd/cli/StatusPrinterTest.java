package io.nkd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nkd.status.ClusterStatus;
import io.nkd.status.ClusterStatus.Phase;
import io.nkd.status.Condition;
import io.nkd.status.HistoryEntry;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The tables of nkd status and nkd history keep their columns aligned whatever the length of names and values. */
class StatusPrinterTest {
    private static final Instant T = Instant.parse("2026-12-06T03:00:00Z");
    private static final String LONG = "a-cluster-name-far-longer-than-twenty-characters";

    private static ClusterStatus status(String name, Phase phase, Condition.Status ready, String message) {
        Condition c = new Condition("Ready", ready, "Succeeded", message, "0123456789abcdef", T);
        return new ClusterStatus(name, "0123456789abcdef0123456789abcdef01234567", null, phase, List.of(c), List.of(
                new ClusterStatus.PoolStatus("control-plane", "rendered-control-plane-1")), List.of(
                new ClusterStatus.NodeStatus(name + "-control-plane-1", "control-plane", "rendered-control-plane-1", "rendered-control-plane-0",
                        io.nkd.status.MachinePhase.FETCHED, T, null)), null, T, T, null, null, null,
                io.nkd.config.Infrastructure.ProviderType.OPENSTACK);
    }

    /** The column a header starts at must be where every row's cell of that column starts. */
    private static void assertAligned(String table, String... headers) {
        List<String> lines = table.lines().toList();
        String header = lines.get(0);
        for (int i = 1; i < headers.length; i++) {
            String name = headers[i];
            int column = header.indexOf(name);
            assertTrue(column > 0, name + " in " + header);
            for (String row : lines.subList(1, lines.size())) {
                assertEquals(' ', row.charAt(column - 1), () -> "a cell ends in column " + name + ":\n" + table);
                assertTrue(row.charAt(column) != ' ', () -> "no cell starts under " + name + ":\n" + table);
            }
        }
    }

    @Test
    void clusterTableColumnsAlignWithLongNamesAndPhases() {
        String table = StatusPrinter.clusters(List.of(
                status("demo", Phase.READY, Condition.Status.TRUE, "applied"),
                status(LONG, Phase.ROLLOUT_PENDING, Condition.Status.FALSE, "2 nodes wait for a rollout")));
        assertAligned(table, "CLUSTER", "PROVIDER", "PHASE", "APPLIED", "READY", "MACHINES", "MESSAGE");
        assertTrue(table.contains(LONG + "  openstack  ROLLOUT_PENDING  0123456789ab  FALSE  1/1 fetched  2 nodes wait for a rollout\n"), table);
        assertTrue(table.lines().noneMatch(l -> l.endsWith(" ")), "no trailing blanks");
    }

    @Test
    void historyColumnsAlign() {
        String table = StatusPrinter.history(List.of(
                new HistoryEntry("0123456789abcdef", T, HistoryEntry.Outcome.APPLIED, "Succeeded", "ready", T.plusSeconds(30)),
                new HistoryEntry("fedcba9876543210", T.plusMillis(123), HistoryEntry.Outcome.REFUSED, "ChangeRefused", "downgrade")));
        assertAligned(table, "TIME", "COMMIT", "OUTCOME", "COMPLETED", "DETAIL");
        assertTrue(table.contains("2026-12-06T03:00:30Z"), table);
    }

    @Test
    void detailAlignsConditionsAndNodesAndSaysFirstApplied() {
        String detail = StatusPrinter.detail(status(LONG, Phase.ROLLOUT_PENDING, Condition.Status.FALSE, "waiting"));
        assertTrue(detail.contains("Applied:   0123456789abcdef0123456789abcdef01234567 (first applied at 2026-12-06T03:00:00Z)"), detail);
        assertTrue(detail.contains("  " + LONG + "-control-plane-1  control-plane  fetched  since 2026-12-06T03:00:00Z  fetched rendered-control-plane-0, "
                + "desired rendered-control-plane-1 (rollout pending)\n"), detail);
    }

    @Test
    void detailShowsTheClusterApiAndEachNodesKubernetesState() {
        var k = new io.nkd.status.KubernetesStatus(true, null, "https://10.0.0.10:6443", 2, 2, 1, T);
        var ready = new ClusterStatus.NodeKubernetes(true, "KubeletReady", "kubelet is posting ready status", T, "v1.31.4", "NestOS 24.09");
        var notReady = new ClusterStatus.NodeKubernetes(false, "NodeStatusUnknown", "Kubelet stopped posting node status.", T, "v1.31.4",
                "NestOS 24.09");
        ClusterStatus s = new ClusterStatus("demo", "0123456789abcdef", "0123456789abcdef", Phase.DEGRADED, List.of(), List.of(), List.of(
                new ClusterStatus.NodeStatus("demo-cp-1", "control-plane", "v1", "v1", io.nkd.status.MachinePhase.READY, T, null, ready),
                new ClusterStatus.NodeStatus("demo-w-1", "workers", "v1", "v1", io.nkd.status.MachinePhase.NOT_READY, T,
                        "NotReady (NodeStatusUnknown: Kubelet stopped posting node status.)", notReady)), null, T, T, k, null, null);
        String detail = StatusPrinter.detail(s);
        assertTrue(detail.contains("Kubernetes: API https://10.0.0.10:6443 ready; 2 of 2 nodes joined, 1 Ready (observed 2026-12-06T03:00:00Z)\n"),
                detail);
        assertTrue(detail.contains("demo-cp-1  control-plane  ready      since 2026-12-06T03:00:00Z  up to date; Node Ready (KubeletReady), "
                + "kubelet v1.31.4, NestOS 24.09\n"), detail);
        assertTrue(detail.contains("demo-w-1   workers        not_ready  since 2026-12-06T03:00:00Z  up to date; NotReady (NodeStatusUnknown: "
                + "Kubelet stopped posting node status.); Node NotReady (NodeStatusUnknown), kubelet v1.31.4, NestOS 24.09\n"), detail);
        assertTrue(StatusPrinter.clusters(List.of(s)).contains("2/2 fetched"), "a node in Kubernetes fetched its config first");

        var down = new io.nkd.status.KubernetesStatus(false, "cannot connect to https://10.0.0.10:6443/readyz: connection refused", "https://10.0.0.10:6443",
                2, 0, 0, T);
        assertEquals("API https://10.0.0.10:6443 not ready: cannot connect to https://10.0.0.10:6443/readyz: connection refused (observed "
                + "2026-12-06T03:00:00Z)", StatusPrinter.kubernetes(down));
        assertEquals("not observed (nkd has not reached this cluster's API)", StatusPrinter.kubernetes(null));
    }

    @Test
    void theDetailShowsEachNodeOnItsWayToTheRolloutTarget() {
        String oldImage = "hub.oepkgs.net/nestos/nestos@sha256:9c1e7a5b3d2f0e8c6a4b2d0f9e7c5a3b1d9f8e6c4a2b0d8f6e4c2a0b9d7f5e3c";
        String newImage = "hub.oepkgs.net/nestos/nestos@sha256:" + "2".repeat(64);
        ClusterStatus base = status("lab", Phase.ROLLOUT_PENDING, Condition.Status.FALSE, "rolling");
        io.nkd.status.RolloutStatus r = new io.nkd.status.RolloutStatus("housekeeper-system/nkd", "b".repeat(40), newImage, "v1.31.4",
                io.nkd.housekeeper.api.RolloutPhase.PROGRESSING, null, List.of(
                new io.nkd.status.RolloutStatus.Node("lab-control-plane-1", newImage, "v1.31.4", io.nkd.housekeeper.api.NodeUpdateState.UPDATED,
                        T, null, null),
                new io.nkd.status.RolloutStatus.Node("lab-workers-1", oldImage, "v1.31.4", io.nkd.housekeeper.api.NodeUpdateState.UPDATING,
                        T, "draining: 2 pods left", io.nkd.housekeeper.api.AgentState.DRAINING, io.nkd.housekeeper.api.NodeRole.WORKER,
                        List.of(new io.nkd.housekeeper.api.DisruptionBudgetBlock("shop/web", List.of("shop/web-1", "shop/web-2"),
                                "2026-12-06T03:00:05Z")))),
                null, "NodesUpdating: lab-workers-1", true, "nkd", null, T, null, null, 2);
        ClusterStatus s = new ClusterStatus(base.name(), base.appliedRevision(), null, base.phase(), base.conditions(), base.pools(),
                base.nodes(), null, T, T, null, null, r);
        String detail = StatusPrinter.detail(s);
        assertTrue(detail.contains("Rollout:   housekeeper-system/nkd → " + newImage + ", Kubernetes v1.31.4 (commit bbbbbbbbbbbb), phase progressing"),
                detail);
        assertTrue(detail.contains("lab-workers-1        nestos@sha256:9c1e7a5b3d2f v1.31.4 → nestos@sha256:222222222222 v1.31.4  updating (draining)  since "),
                detail);
        assertTrue(detail.contains("draining: 2 pods left"), detail);
        assertTrue(detail.contains("  batches: control-plane nodes one at a time, first; then up to 2 worker(s) at a time (maxUnavailable)\n"),
                detail);
        assertTrue(detail.contains("  drain of lab-workers-1 blocked by PodDisruptionBudget shop/web (pods shop/web-1, shop/web-2)"
                + " since 2026-12-06T03:00:05Z\n"), detail);
        assertTrue(detail.contains("lab-control-plane-1  nestos@sha256:222222222222 v1.31.4 → nestos@sha256:222222222222 v1.31.4  updated"), detail);
    }

    @Test
    void aFailedNodeNamesTheStepThatFailedAndNeverTheStateTwice() {
        String image = "hub.oepkgs.net/nestos/nestos@sha256:" + "2".repeat(64);
        java.util.function.Function<io.nkd.housekeeper.api.AgentState, String> line = step -> StatusPrinter.detail(new ClusterStatus("lab",
                "a".repeat(40), null, Phase.DEGRADED, List.of(), List.of(), List.of(), null, T, T, null, null,
                new io.nkd.status.RolloutStatus("housekeeper-system/nkd", "b".repeat(40), image, "v1.31.4",
                        io.nkd.housekeeper.api.RolloutPhase.DEGRADED, null, List.of(new io.nkd.status.RolloutStatus.Node("lab-workers-1",
                        image, "v1.31.4", io.nkd.housekeeper.api.NodeUpdateState.FAILED, T, "DrainTimeout: …", step)))));
        assertTrue(line.apply(io.nkd.housekeeper.api.AgentState.DRAINING).contains("  failed (draining)  since "));
        String failedStep = line.apply(io.nkd.housekeeper.api.AgentState.FAILED);
        assertTrue(failedStep.contains("  failed  since ") && !failedStep.contains("failed (failed)"), failedStep);
    }

    @Test
    void aNodeTheHousekeeperMovedIsNotShownAsBehindByTheConfigItFetchedAtFirstBoot() {
        String oldImage = "hub.oepkgs.net/nestos/nestos@sha256:9c1e7a5b3d2f0e8c6a4b2d0f9e7c5a3b1d9f8e6c4a2b0d8f6e4c2a0b9d7f5e3c";
        String newImage = "hub.oepkgs.net/nestos/nestos@sha256:" + "2".repeat(64);
        var node = new ClusterStatus.NodeStatus("lab-control-plane-1", "control-plane", "rendered-control-plane-1",
                "rendered-control-plane-0", io.nkd.status.MachinePhase.READY, T, null);
        java.util.function.Function<io.nkd.housekeeper.api.NodeUpdateState, io.nkd.status.RolloutStatus> rollout = state ->
                new io.nkd.status.RolloutStatus("housekeeper-system/nkd", "b".repeat(40), newImage, "v1.31.4",
                        io.nkd.housekeeper.api.RolloutPhase.PROGRESSING, null, List.of(new io.nkd.status.RolloutStatus.Node(
                        "lab-control-plane-1", state == io.nkd.housekeeper.api.NodeUpdateState.UPDATED ? newImage : oldImage, "v1.31.4",
                        state, T, null, state == io.nkd.housekeeper.api.NodeUpdateState.UPDATING ? io.nkd.housekeeper.api.AgentState.REBOOTING : null)),
                        null, null, true, "nkd", java.util.Map.of("control-plane", "rendered-control-plane-1"), T, null);
        assertEquals("up to date: the Housekeeper reports it at the rollout's target nestos@sha256:222222222222 v1.31.4 "
                + "(fetched rendered-control-plane-0 at first boot)", StatusPrinter.node(node, rollout.apply(io.nkd.housekeeper.api.NodeUpdateState.UPDATED)));
        assertEquals("updating to rendered-control-plane-1 through the Housekeeper (rebooting); fetched rendered-control-plane-0 at first boot",
                StatusPrinter.node(node, rollout.apply(io.nkd.housekeeper.api.NodeUpdateState.UPDATING)));
        assertEquals("fetched rendered-control-plane-0 at first boot, desired rendered-control-plane-1 (rollout pending: the Housekeeper "
                + "has not started it)", StatusPrinter.node(node, rollout.apply(io.nkd.housekeeper.api.NodeUpdateState.PENDING)));
        assertEquals("fetched rendered-control-plane-0, desired rendered-control-plane-1 (rollout pending)", StatusPrinter.node(node, null),
                "no Update carries it (a Butane change): only a replacement applies it");
    }

    @Test
    void aNodeRolledBackToTheConfigItFetchedAtFirstBootIsNotUpToDateUntilTheHousekeeperSaysSo() {
        // a revert: the node booted rendered-workers-0 first, was upgraded to a later image, and the revert makes
        // rendered-workers-0 desired again; its machine's config equals the desired one, but it still runs the later image
        String firstImage = "hub.oepkgs.net/nestos/nestos@sha256:9c1e7a5b3d2f0e8c6a4b2d0f9e7c5a3b1d9f8e6c4a2b0d8f6e4c2a0b9d7f5e3c";
        String laterImage = "hub.oepkgs.net/nestos/nestos@sha256:" + "2".repeat(64);
        var node = new ClusterStatus.NodeStatus("lab-workers-1", "workers", "rendered-workers-0",
                "rendered-workers-0", io.nkd.status.MachinePhase.READY, T, null);
        java.util.function.Function<io.nkd.housekeeper.api.NodeUpdateState, io.nkd.status.RolloutStatus> rollout = state ->
                new io.nkd.status.RolloutStatus("housekeeper-system/nkd", "b".repeat(40), firstImage, "v1.31.4",
                        io.nkd.housekeeper.api.RolloutPhase.PROGRESSING, null, List.of(new io.nkd.status.RolloutStatus.Node(
                        "lab-workers-1", state == io.nkd.housekeeper.api.NodeUpdateState.UPDATED ? firstImage : laterImage, "v1.31.4",
                        state, T, null, state == io.nkd.housekeeper.api.NodeUpdateState.UPDATING ? io.nkd.housekeeper.api.AgentState.DRAINING : null)),
                        null, null, true, "nkd", java.util.Map.of("workers", "rendered-workers-0"), T, null);
        assertEquals("updating to rendered-workers-0 through the Housekeeper (draining); it fetched that config at first boot"
                + " and runs nestos@sha256:222222222222 now", StatusPrinter.node(node, rollout.apply(io.nkd.housekeeper.api.NodeUpdateState.UPDATING)));
        assertEquals("desired rendered-workers-0, fetched at first boot; it runs nestos@sha256:222222222222 now (rollout pending:"
                + " the Housekeeper has not started it)", StatusPrinter.node(node, rollout.apply(io.nkd.housekeeper.api.NodeUpdateState.PENDING)));
        assertEquals("desired rendered-workers-0, fetched at first boot; it runs nestos@sha256:222222222222 now (the Housekeeper's"
                + " update of it failed: see Rollout)", StatusPrinter.node(node, rollout.apply(io.nkd.housekeeper.api.NodeUpdateState.FAILED)));
        assertEquals("up to date", StatusPrinter.node(node, rollout.apply(io.nkd.housekeeper.api.NodeUpdateState.UPDATED)));
        assertEquals("up to date", StatusPrinter.node(node, null), "no rollout: the config it booted is the desired one");
    }

    @Test
    void detailNamesEachAddonObjectThatFailed() {
        ClusterStatus s = status("lab", Phase.DEGRADED, Condition.Status.FALSE, "add-ons");
        io.nkd.status.AddonsStatus addons = new io.nkd.status.AddonsStatus("0123456789abcdef0123456789abcdef01234567", "sha256:00", 14, 13,
                List.of(new io.nkd.status.AddonsStatus.AddonError("calico", "Service calico-system/typha",
                        "clusters/lab/manifests/cni/calico.yaml:120", "HTTP 422: spec.ports[0].port: Invalid value: 99999")),
                List.of(), List.of(), T);
        String detail = StatusPrinter.detail(new ClusterStatus(s.name(), s.appliedRevision(), null, s.phase(), s.conditions(), s.pools(),
                s.nodes(), null, T, T, null, addons, null));
        assertTrue(detail.contains("Add-ons:   13 of 14 object(s) applied from 0123456789ab at 2026-12-06T03:00:00Z; 1 failed\n"
                + "  failed: Service calico-system/typha (clusters/lab/manifests/cni/calico.yaml:120) of add-on calico: HTTP 422: "
                + "spec.ports[0].port: Invalid value: 99999\n"), detail);
    }
}
