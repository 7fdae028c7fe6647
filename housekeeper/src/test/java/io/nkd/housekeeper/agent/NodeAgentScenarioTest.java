package io.nkd.housekeeper.agent;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.nkd.housekeeper.api.AgentState;
import io.nkd.housekeeper.api.ContractJson;
import io.nkd.housekeeper.api.FailureReason;
import io.nkd.housekeeper.api.KubeadmUpgrade;
import io.nkd.housekeeper.api.NodeAssignment;
import io.nkd.housekeeper.api.NodeKeys;
import io.nkd.housekeeper.api.NodeReport;
import io.nkd.housekeeper.api.NodeRole;
import io.nkd.housekeeper.testing.FakeHost;
import io.nkd.housekeeper.testing.MutableClock;
import io.nkd.housekeeper.testing.SimulatedCluster;
import io.nkd.housekeeper.testing.SimulatedNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.ExtendWith;
import io.nkd.testkit.KubeApiServerExtension;
import io.nkd.testkit.KubeFixtures;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Whole assignments carried out by real agents on simulated nodes against the real API server. */
@ExtendWith(KubeApiServerExtension.class)
class NodeAgentScenarioTest {
    static final String OLD = "registry.example/nestos/k8s:1.28";
    static final String NEW = "registry.example/nestos/k8s:1.29";
    static final Duration WAIT = Duration.ofSeconds(60);

    KubernetesClient client;
    KubeFixtures kube;
    SimulatedCluster cluster;

    @BeforeEach
    void cluster(TestInfo info) {
        // node names end up in the kubernetes.io/hostname label (63 characters at most): a short per-test prefix
        String method = info.getTestMethod().orElseThrow().getName();
        cluster = new SimulatedCluster(client, kube.uniqueName("t" + Integer.toHexString(method.hashCode())));
    }

    @AfterEach
    void close() {
        cluster.close();
    }

    static FakeHost nestos() {
        return new FakeHost(OLD, FakeHost.digestOf(OLD), "v1.28.4")
                .withRollback("registry.example/nestos/k8s:1.27", FakeHost.digestOf("registry.example/nestos/k8s:1.27"))
                .publish(NEW, FakeHost.digestOf(NEW), "v1.29.3");
    }

    static NodeAssignment assignment(String os, String kube, KubeadmUpgrade kubeadm, int attempt) {
        return assignment(os, kube, kubeadm, attempt, 30, false);
    }

    static NodeAssignment assignment(String os, String kube, KubeadmUpgrade kubeadm, int attempt, long drainTimeout,
                                     boolean force) {
        return new NodeAssignment("housekeeper-system/upgrade", "uid-1", 1, attempt, os, kube, kubeadm, force,
                drainTimeout, "abc123");
    }

    static long count(SimulatedNode node, String prefix) {
        return node.commandLines().stream().filter(c -> c.startsWith(prefix)).count();
    }

    SimulatedNode started(String name, NodeRole role, FakeHost host) throws InterruptedException {
        SimulatedNode n = cluster.addNode(name, role, host);
        n.startAgent();
        n.awaitReport(r -> r.state() == AgentState.IDLE && r.booted() != null, WAIT);
        return n;
    }

    void assign(SimulatedNode node, NodeAssignment a) {
        Map<String, Object> annotations = new HashMap<>();
        annotations.put(NodeKeys.ASSIGNMENT_ANNOTATION, a == null ? null : ContractJson.write(a));
        Map<String, Object> labels = new HashMap<>();
        labels.put(NodeKeys.UPGRADING_LABEL, a == null ? null : "");
        client.nodes().withName(node.name()).patch(PatchContext.of(PatchType.JSON_MERGE),
                ContractJson.write(Map.of("metadata", Map.of("annotations", annotations, "labels", labels))));
    }

    @Test
    void osAndKubernetesUpgradeOnTheFirstControlPlaneNodeRunsExactlyTheseCommands() throws Exception {
        SimulatedNode cp = cluster.addNode("cp-1", NodeRole.CONTROL_PLANE, nestos());
        cp.startAgent();
        NodeReport idle = cp.awaitReport(r -> r.state() == AgentState.IDLE && r.booted() != null, WAIT);
        assertEquals(OLD, idle.booted().image());
        assertEquals("v1.28.4", idle.kubeletVersion());

        NodeAssignment a = assignment(NEW, "v1.29.3", KubeadmUpgrade.APPLY, 1);
        assign(cp, a);
        NodeReport done = cp.awaitState(AgentState.DONE, a.id(), WAIT);

        assertEquals(List.of(
                "rpm-ostree status --json",      // the first report
                "kubelet --version",
                "rpm-ostree status --json",      // Staging: what is booted, staged, rollback
                "rpm-ostree rebase --experimental ostree-unverified-image:docker://" + NEW + " --bypass-driver",
                "rpm-ostree status --json",      // the target is staged
                "rpm-ostree status --json",      // Rebooting: still staged
                "systemctl reboot",
                "rpm-ostree status --json",      // the new agent's first report
                "kubelet --version",
                "rpm-ostree status --json",      // Rebooting, resumed: the target is booted
                "kubeadm version -o short",
                "kubelet --version",
                "kubeadm upgrade apply v1.29.3 -y",
                "systemctl daemon-reload",
                "systemctl restart kubelet",
                "rpm-ostree status --json",      // Verifying
                "kubelet --version"), cp.commandLines());
        assertEquals(NEW, done.booted().image());
        assertEquals(FakeHost.digestOf(NEW), done.booted().digest());
        assertEquals(OLD, done.rollback().image());
        assertEquals("v1.29.3", done.kubeletVersion());
        assertFalse(cp.unschedulable(), "the agent cordoned the node, so it uncordons it");
        Node node = cp.node();
        assertTrue(node.getMetadata().getLabels().containsKey(NodeKeys.UPGRADE_COMPLETED_LABEL));
        assertEquals("v1.29.3", node.getStatus().getNodeInfo().getKubeletVersion());
        assertEquals(2, cp.agentStarts(), "one agent before the reboot, one after");
    }

    @Test
    void aFailedRebaseReportsTheOutputAndIsNotRetriedUntilANewAssignment() throws Exception {
        SimulatedNode w = cluster.addNode("w-1", NodeRole.WORKER, nestos());
        w.host().fail("rpm-ostree rebase", 1, "error: Creating importer: failed to invoke method OpenImage: "
                + "reading manifest 1.29 in registry.example/nestos/k8s: manifest unknown", 1);
        w.startAgent();
        w.awaitReport(r -> r.state() == AgentState.IDLE && r.booted() != null, WAIT);
        NodeAssignment a = assignment(NEW, null, KubeadmUpgrade.NONE, 1);
        assign(w, a);
        NodeReport failed = w.awaitState(AgentState.FAILED, a.id(), WAIT);
        assertEquals(FailureReason.COMMAND_FAILED, failed.failureReason());
        assertTrue(failed.message().contains("manifest unknown"), failed.message());
        assertEquals(1, failed.lastCommand().exitCode());
        assertTrue(failed.lastCommand().outputTail().contains("manifest unknown"));
        assertTrue(w.unschedulable(), "a failed node stays cordoned");

        // woken again (a label change), the agent does not retry the same assignment
        client.nodes().withName(w.name()).edit(n -> {
            n.getMetadata().getLabels().put("example.com/poke", "1");
            return n;
        });
        Thread.sleep(1000);
        assertEquals(1, w.commandLines().stream().filter(c -> c.startsWith("rpm-ostree rebase")).count());
        assertEquals(AgentState.FAILED, w.report().orElseThrow().state());

        // a retry is a new assignment id: this time the rebase works
        NodeAssignment retry = assignment(NEW, null, KubeadmUpgrade.NONE, 2);
        assign(w, retry);
        NodeReport done = w.awaitState(AgentState.DONE, retry.id(), WAIT);
        assertEquals(NEW, done.booted().image());
        assertEquals(2, w.commandLines().stream().filter(c -> c.startsWith("rpm-ostree rebase")).count());
        assertFalse(w.unschedulable(), "the first attempt cordoned it, so the retry uncordons it");
        assertNull(done.failureReason());
    }

    @Test
    void aNodeCordonedBeforeTheUpdateStaysCordonedAfterDone() throws Exception {
        SimulatedNode w = started("w-1", NodeRole.WORKER, nestos());
        client.nodes().withName(w.name()).edit(n -> {
            n.getSpec().setUnschedulable(true);
            return n;
        });
        NodeAssignment a = assignment(NEW, null, KubeadmUpgrade.NONE, 1);
        assign(w, a);
        NodeReport done = w.awaitState(AgentState.DONE, a.id(), WAIT);
        assertEquals(NEW, done.booted().image());
        assertFalse(done.cordonedByAgent());
        assertTrue(w.unschedulable(), "someone else cordoned it: the agent leaves it cordoned");
    }

    @Test
    void aRevertToTheRollbackDeploymentIsServedByRpmOstreeRollback() throws Exception {
        String previous = "registry.example/nestos/k8s:1.27";
        SimulatedNode w = started("w-1", NodeRole.WORKER, nestos());
        NodeAssignment a = assignment(previous + "@" + FakeHost.digestOf(previous), null, KubeadmUpgrade.NONE, 1);
        assign(w, a);
        NodeReport done = w.awaitState(AgentState.DONE, a.id(), WAIT);
        assertEquals(1, count(w, "rpm-ostree rollback"));
        assertEquals(0, count(w, "rpm-ostree rebase"), "nothing to download");
        assertEquals(previous, done.booted().image());
        assertEquals(FakeHost.digestOf(previous), done.booted().digest());
        assertEquals(OLD, done.rollback().image(), "the image booted before is the rollback now");
        assertEquals(1, w.host().reboots());
    }

    @Test
    void anAgentKilledAfterItAskedForTheRebootContinuesInANewProcess() throws Exception {
        SimulatedNode w = started("w-1", NodeRole.WORKER, nestos());
        w.host().delay("systemctl reboot", Duration.ofMinutes(5)); // the reboot request hangs: the agent is killed
        NodeAssignment a = assignment(NEW, null, KubeadmUpgrade.NONE, 1);
        assign(w, a);
        w.awaitState(AgentState.REBOOTING, a.id(), WAIT); // written before the reboot command
        Thread.sleep(300);
        assertEquals(1, count(w, "systemctl reboot"));
        w.killAgent();
        assertEquals(0, w.host().reboots(), "the host did not reboot");
        w.host().delay("systemctl reboot", Duration.ZERO);

        w.startAgent();
        NodeReport done = w.awaitState(AgentState.DONE, a.id(), WAIT);
        assertEquals(1, count(w, "rpm-ostree rebase"), "the staged rebase is not redone");
        assertEquals(2, count(w, "systemctl reboot"), "the new agent asks for the reboot again");
        assertEquals(1, w.host().reboots());
        assertEquals(NEW, done.booted().image());
        assertEquals(3, w.agentStarts(), "the first, the restarted one, the one after the boot");
    }

    @Test
    void anAgentKilledAfterKubeadmUpgradeApplyDoesNotRunItAgain() throws Exception {
        SimulatedNode cp = started("cp-1", NodeRole.CONTROL_PLANE,
                new FakeHost(NEW, FakeHost.digestOf(NEW), "v1.28.4").kubeadmVersion("v1.29.3"));
        cp.host().delay("systemctl daemon-reload", Duration.ofMinutes(5));
        NodeAssignment a = assignment(null, "v1.29.3", KubeadmUpgrade.APPLY, 1);
        assign(cp, a);
        cp.awaitReport(r -> r.lastCommand() != null && r.lastCommand().argv().equals(
                List.of("kubeadm", "upgrade", "apply", "v1.29.3", "-y")) && Integer.valueOf(0).equals(
                r.lastCommand().exitCode()), WAIT);
        cp.killAgent();
        cp.host().delay("systemctl daemon-reload", Duration.ZERO);
        cp.startAgent();
        NodeReport done = cp.awaitState(AgentState.DONE, a.id(), WAIT);
        assertEquals(1, count(cp, "kubeadm upgrade apply"));
        assertEquals(1, count(cp, "systemctl restart kubelet"));
        assertEquals("v1.29.3", done.kubeletVersion());
        assertEquals(0, count(cp, "systemctl reboot"), "a Kubernetes-only upgrade does not reboot");
    }

    @Test
    void anAssignmentWithdrawnMidwayStopsAtTheNextStepUncordonsAndGoesIdle() throws Exception {
        SimulatedNode w = started("w-1", NodeRole.WORKER, nestos());
        w.host().delay("rpm-ostree rebase", Duration.ofSeconds(2));
        NodeAssignment a = assignment(NEW, null, KubeadmUpgrade.NONE, 1);
        assign(w, a);
        w.awaitState(AgentState.STAGING, a.id(), WAIT);
        assertTrue(w.unschedulable());
        assign(w, null);
        NodeReport idle = w.awaitReport(r -> r.state() == AgentState.IDLE && r.assignment() == null, WAIT);
        assertFalse(w.unschedulable(), "the agent cordoned it, so it uncordons it");
        assertFalse(idle.cordonedByAgent());
        assertEquals(0, count(w, "systemctl reboot"), "stopped before the reboot");
        assertEquals(OLD, idle.booted().image());
    }

    /** Killed while the rebase runs (the process dies with it), a new agent stages again and finishes: one reboot. */
    @Test
    void anAgentKilledDuringTheRebaseStagesAgainAndRebootsOnce() throws Exception {
        SimulatedNode w = started("w-1", NodeRole.WORKER, nestos());
        w.host().delay("rpm-ostree rebase", Duration.ofSeconds(2));
        NodeAssignment a = assignment(NEW, null, KubeadmUpgrade.NONE, 1);
        assign(w, a);
        w.awaitState(AgentState.STAGING, a.id(), WAIT);
        OperatorlessWait.until(() -> count(w, "rpm-ostree rebase") == 1, WAIT);
        w.restartAgent();
        NodeReport done = w.awaitState(AgentState.DONE, a.id(), WAIT);
        assertEquals(NEW, done.booted().image());
        assertEquals(2, count(w, "rpm-ostree rebase"), "the interrupted rebase is run again");
        assertEquals(1, count(w, "systemctl reboot"));
        assertFalse(w.unschedulable(), "the first agent cordoned it; the second uncordons it");
    }

    /** Polls a condition (no operator in these tests). */
    private static final class OperatorlessWait {
        static void until(BooleanSupplier condition, Duration timeout) throws InterruptedException {
            long end = System.nanoTime() + timeout.toNanos();
            while (!condition.getAsBoolean()) {
                if (System.nanoTime() > end) {
                    throw new AssertionError("not within " + timeout);
                }
                Thread.sleep(20);
            }
        }
    }

    /** A report annotation that is JSON null (a hand edit) or {} on the node: the agent starts anew from the host. */
    @ParameterizedTest
    @ValueSource(strings = {"null", "{}", "[]"})
    void anAgentStartsOverACorruptReportOfItsNode(String corrupt) throws Exception {
        SimulatedNode w = cluster.addNode("w-1", NodeRole.WORKER, nestos());
        client.nodes().withName(w.name()).edit(n -> {
            n.getMetadata().getAnnotations().put(NodeKeys.REPORT_ANNOTATION, corrupt);
            return n;
        });
        w.startAgent();
        NodeReport r = w.awaitReport(x -> x.state() == AgentState.IDLE && x.booted() != null, WAIT);
        assertEquals(OLD, r.booted().image());
    }

    /**
     * An assignment the operator would never write (by hand, a foreign tool, a forged one): a target that is no image
     * reference or no version fails the node at once, before it is cordoned, instead of an error loop on a drained node.
     */
    @ParameterizedTest
    @ValueSource(strings = {"os:@sha256:nothex", "os:-x", "os:registry.example/Nestos:1", "kube:1.2", "kube:--config=x"})
    void anUnreadableTargetFailsTheNodeBeforeItIsCordoned(String target) throws Exception {
        SimulatedNode w = started("w-1", NodeRole.WORKER, nestos());
        String value = target.substring(target.indexOf(':') + 1);
        boolean os = target.startsWith("os:");
        NodeAssignment a = assignment(os ? value : null, os ? null : value, os ? KubeadmUpgrade.NONE
                : KubeadmUpgrade.NODE, 1);
        assign(w, a);
        NodeReport failed = w.awaitState(AgentState.FAILED, a.id(), WAIT);
        assertEquals(FailureReason.UNSUPPORTED_TARGET, failed.failureReason());
        assertTrue(failed.message().contains(w.name()) && failed.message().contains(value), failed.message());
        assertFalse(w.unschedulable(), "not cordoned");
        assertEquals(0, count(w, "rpm-ostree rebase") + count(w, "kubeadm upgrade"));
    }

    @Test
    void kubeadmOnTheHostNotAtTheTargetIsAnUnsupportedTarget() throws Exception {
        SimulatedNode cp = started("cp-1", NodeRole.CONTROL_PLANE, nestos());
        NodeAssignment a = assignment(null, "v1.29.3", KubeadmUpgrade.APPLY, 1);
        assign(cp, a);
        NodeReport failed = cp.awaitState(AgentState.FAILED, a.id(), WAIT);
        assertEquals(FailureReason.UNSUPPORTED_TARGET, failed.failureReason());
        assertTrue(failed.message().contains("kubeadm on the host is v1.28.4")
                && failed.message().contains("the OS image must carry kubeadm v1.29.3"), failed.message());
        assertEquals(0, count(cp, "kubeadm upgrade"));
        assertTrue(cp.unschedulable(), "a failed node stays cordoned");
    }

    @Test
    void aBudgetThatBlocksTheDrainFailsTheNodeWithDrainTimeout() throws Exception {
        try (var ns = new io.nkd.housekeeper.testing.TestNamespace(client, "agent-pdb")) {
            SimulatedNode w = started("w-1", NodeRole.WORKER, nestos());
            ns.runningPod("db-0", w.name(), Map.of("app", "db"));
            client.policy().v1beta1().podDisruptionBudget().inNamespace(ns.name).resource(
                    new io.fabric8.kubernetes.api.model.policy.v1beta1.PodDisruptionBudgetBuilder().withNewMetadata()
                            .withName("db").endMetadata().withNewSpec().withNewSelector().addToMatchLabels("app", "db")
                            .endSelector().withNewMinAvailable(1).endSpec().build()).create();
            NodeAssignment a = assignment(NEW, null, KubeadmUpgrade.NONE, 1, 3, false);
            assign(w, a);
            NodeReport failed = w.awaitState(AgentState.FAILED, a.id(), WAIT);
            assertEquals(FailureReason.DRAIN_TIMEOUT, failed.failureReason());
            assertTrue(failed.message().contains(ns.name + "/db-0 (blocked by PodDisruptionBudget " + ns.name + "/db"),
                    failed.message());
            assertTrue(w.unschedulable());
            assertEquals(0, count(w, "rpm-ostree rebase"));
            assertEquals(List.of("db-0"), ns.podsOn(w.name()));
        }
    }

    @Test
    void theSignedTransportRebasesThroughTheOstreeRemote() throws Exception {
        cluster.imageTransport(io.nkd.housekeeper.agent.host.ImageTransport.SIGNED, "nestos");
        SimulatedNode w = started("w-1", NodeRole.WORKER, nestos());
        NodeAssignment a = assignment(NEW, null, KubeadmUpgrade.NONE, 1);
        assign(w, a);
        w.awaitState(AgentState.DONE, a.id(), WAIT);
        assertTrue(w.commandLines().contains("rpm-ostree rebase --experimental ostree-remote-image:nestos:docker://"
                + NEW + " --bypass-driver"), w.commandLines().toString());
    }

    @Test
    void aRebootThatNeverHappensFailsTheNodeAfterTheWait() throws Exception {
        MutableClock clock = new MutableClock(java.time.Instant.now());
        try (SimulatedCluster slow = new SimulatedCluster(client, kube.uniqueName("noreboot"), clock,
                io.nkd.housekeeper.agent.time.Sleeper.real())) {
            SimulatedNode w = slow.addNode("w-1", NodeRole.WORKER, nestos());
            w.host().onReboot(h -> { }); // systemctl reboot returns 0, but the host stays up
            w.startAgent();
            w.awaitReport(r -> r.state() == AgentState.IDLE && r.booted() != null, WAIT);
            NodeAssignment a = assignment(NEW, null, KubeadmUpgrade.NONE, 1);
            assign(w, a);
            w.awaitState(AgentState.REBOOTING, a.id(), WAIT);
            Thread.sleep(300);
            clock.advance(NodeAgent.REBOOT_WAIT.plusMinutes(1));
            client.nodes().withName(w.name()).edit(n -> { // any change of the Node wakes the agent
                n.getMetadata().getLabels().put("example.com/poke", "1");
                return n;
            });
            NodeReport failed = w.awaitState(AgentState.FAILED, a.id(), WAIT);
            assertEquals(FailureReason.COMMAND_FAILED, failed.failureReason());
            assertTrue(failed.message().contains("'systemctl reboot' succeeded") && failed.message()
                    .contains("still up 15 minutes later"), failed.message());
            assertEquals(1, count(w, "systemctl reboot"));
        }
    }
}
