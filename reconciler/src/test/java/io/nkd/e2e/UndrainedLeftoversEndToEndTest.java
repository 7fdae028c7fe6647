package io.nkd.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nkd.reconcile.ClusterReconciler;
import io.nkd.status.ClusterStatus;
import io.nkd.testkit.Ci;
import io.nkd.testkit.PrivateApiServer;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A scale-down while nkd cannot reach the cluster's API (a network partition) against a real kube-apiserver serving
 * nkd's certificates: after the 10-minute grace nkd deletes the machine without draining it, which leaves its Node in
 * the cluster; once the API answers again nkd removes that Node, and says so in status and metrics until it is done.
 */
class UndrainedLeftoversEndToEndTest {
    private static final String CLUSTER = "e2eleft";
    private static final String W2 = "e2eleft-workers-2";

    @TempDir
    java.nio.file.Path tmp;
    private E2eDaemon daemon;

    @BeforeEach
    void setUp() throws Exception {
        PrivateApiServer.Binaries bin = PrivateApiServer.binaries();
        Ci.require(bin.present(), bin.missing());
        daemon = E2eDaemon.start(tmp, CLUSTER, 1, 2);
    }

    @AfterEach
    void tearDown() {
        if (daemon != null) {
            daemon.close();
        }
    }

    @Test
    void theNodeOfAMachineDeletedDuringAPartitionIsRemovedWhenTheApiAnswersAgain() throws Exception {
        daemon.reconcile("create " + CLUSTER);
        daemon.machines.bootAll(CLUSTER);
        assertEquals(ClusterStatus.Phase.READY, daemon.reconcile("create " + CLUSTER).status().phase());

        // workers 2 → 1 while nkd cannot reach the API
        daemon.repo.edit("clusters/" + CLUSTER + "/cluster.yaml", "replicas: 2", "replicas: 1").commit("scale down");
        daemon.partitioned = true;
        daemon.reconcile("create " + CLUSTER); // ObserveCluster: the API does not answer
        ClusterReconciler.Outcome waiting = daemon.reconcile("scale down");
        assertTrue(daemon.machines.names().contains(W2), "within the grace nkd waits to drain it");
        assertTrue(waiting.status().condition("MachinesReady").message().contains("waiting for the cluster's API to drain it"),
                waiting.status().condition("MachinesReady").message());

        daemon.clock.advance(Duration.ofMinutes(11));
        ClusterReconciler.Outcome deleted = daemon.reconcile("scale down");
        assertFalse(daemon.machines.names().contains(W2), "deleted without draining after the grace");
        assertEquals(List.of(W2), daemon.machines.deletedWithNode, "its Node was still in the cluster when the machine went");
        assertTrue(daemon.machines.nodes().containsKey(W2), "and still is");
        String machines = deleted.status().condition("MachinesReady").message();
        assertTrue(machines.contains("deleted WITHOUT draining") && machines.contains("left in Kubernetes: " + W2
                + " (Node of the machine deleted without draining at ") && machines.contains("removed once the cluster's API answers"),
                machines);
        assertTrue(daemon.statusText().contains("left in Kubernetes: " + W2), "nkd status shows it");

        // the partition heals: nkd sees the API, then removes the leftover Node
        daemon.partitioned = false;
        daemon.reconcile("scale down");
        ClusterReconciler.Outcome clean = daemon.reconcile("scale down");
        assertFalse(daemon.machines.nodes().containsKey(W2), "the leftover Node is gone from the real API server");
        assertEquals(List.of(CLUSTER + "-control-plane-1", CLUSTER + "-workers-1"), List.copyOf(daemon.machines.nodes().keySet()),
                "the other Nodes stay");
        assertFalse(clean.status().condition("MachinesReady").message().contains("left in Kubernetes"),
                clean.status().condition("MachinesReady").message());
        assertEquals(ClusterStatus.Phase.READY, clean.status().phase(), clean.status().condition("Ready").message());
        assertEquals(1.0, daemon.metrics.get("nkd_node_drains_total").tag("cluster", CLUSTER).tag("result", "leftover_removed")
                .counter().count());
    }
}
