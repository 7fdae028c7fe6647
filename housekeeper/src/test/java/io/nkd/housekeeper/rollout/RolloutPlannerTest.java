package io.nkd.housekeeper.rollout;

import io.fabric8.kubernetes.api.model.Condition;
import io.nkd.housekeeper.api.AgentState;
import io.nkd.housekeeper.api.FailureReason;
import io.nkd.housekeeper.api.KubeadmUpgrade;
import io.nkd.housekeeper.api.NodeAssignment;
import io.nkd.housekeeper.api.NodeProgress;
import io.nkd.housekeeper.api.NodeUpdateState;
import io.nkd.housekeeper.api.RolloutPhase;
import io.nkd.housekeeper.api.UpdateSpec;
import io.nkd.housekeeper.api.UpdateStatus;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import static io.nkd.housekeeper.rollout.Fixtures.NEW_IMAGE;
import static io.nkd.housekeeper.rollout.Fixtures.NEW_KUBE;
import static io.nkd.housekeeper.rollout.Fixtures.OLD_IMAGE;
import static io.nkd.housekeeper.rollout.Fixtures.OLD_KUBE;
import static io.nkd.housekeeper.rollout.Fixtures.T0;
import static io.nkd.housekeeper.rollout.Fixtures.assignment;
import static io.nkd.housekeeper.rollout.Fixtures.cp;
import static io.nkd.housekeeper.rollout.Fixtures.plan;
import static io.nkd.housekeeper.rollout.Fixtures.spec;
import static io.nkd.housekeeper.rollout.Fixtures.update;
import static io.nkd.housekeeper.rollout.Fixtures.worker;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RolloutPlannerTest {
    private static final UpdateRef OS_AND_KUBE = update(spec(NEW_IMAGE, NEW_KUBE, 2), 1, null);

    private static List<String> assigned(RolloutDecision d) {
        return d.assignments().stream().map(NodeAction.Assign::node).toList();
    }

    private static Condition condition(UpdateStatus s, String type) {
        return s.conditions().stream().filter(c -> c.getType().equals(type)).findFirst().orElseThrow();
    }

    private static NodeProgress node(UpdateStatus s, String name) {
        return s.nodes().stream().filter(n -> n.name().equals(name)).findFirst().orElseThrow();
    }

    private static List<Fixtures.N> cluster() {
        return new ArrayList<>(List.of(cp("cp-1"), cp("cp-2"), cp("cp-3"), worker("w-1"), worker("w-2"),
                worker("w-3"), worker("w-4")));
    }

    @Nested
    class ControlPlaneFirst {
        @Test
        void selectsOnlyTheFirstControlPlaneNodeWithKubeadmApply() {
            RolloutDecision d = plan(OS_AND_KUBE, cluster());
            assertEquals(List.of("cp-1"), assigned(d));
            NodeAssignment a = d.assignments().get(0).assignment();
            assertEquals(KubeadmUpgrade.APPLY, a.kubeadmUpgrade());
            assertEquals(NEW_IMAGE, a.osImageURL());
            assertEquals(NEW_KUBE, a.kubeVersion());
            assertEquals("uid-1/1/1", a.id());
            assertEquals(600, a.drainTimeoutSeconds());
            assertEquals("abc123", a.revision());
            assertEquals(RolloutPhase.PROGRESSING, d.status().phase());
            assertEquals(1, d.status().updating());
            assertEquals(6, d.status().pending());
            assertEquals(List.of(RolloutEvent.Reason.NODE_SELECTED),
                    d.events().stream().map(RolloutEvent::reason).toList());
            assertTrue(d.events().get(0).message().contains("kubeadm upgrade apply"), d.events().get(0).message());
        }

        @Test
        void masterLabelCountsAsControlPlane() {
            // NodeView.of maps both labels; here the view's role is what matters: workers wait while any cp is open
            List<Fixtures.N> nodes = cluster();
            nodes.get(0).at(NEW_IMAGE, NEW_KUBE);
            RolloutDecision d = plan(OS_AND_KUBE, nodes);
            assertEquals(List.of("cp-2"), assigned(d));
            assertEquals(KubeadmUpgrade.NODE, d.assignments().get(0).assignment().kubeadmUpgrade(),
                    "cp-1 already runs the target kubelet, so the control plane is upgraded: kubeadm upgrade node");
        }

        @Test
        void oneAtATimeWhileAControlPlaneNodeIsInProgress() {
            List<Fixtures.N> nodes = cluster();
            NodeAssignment a = assignment(OS_AND_KUBE, NEW_IMAGE, NEW_KUBE, 1, KubeadmUpgrade.APPLY);
            nodes.get(0).assigned(a).agent(AgentState.DRAINING, a);
            RolloutDecision d = plan(OS_AND_KUBE, nodes);
            assertEquals(List.of(), d.actions());
            assertEquals(NodeUpdateState.UPDATING, node(d.status(), "cp-1").state());
            assertEquals(AgentState.DRAINING, node(d.status(), "cp-1").step());
            assertEquals(NodeUpdateState.PENDING, node(d.status(), "w-1").state());
        }

        @Test
        void releasesAVerifiedNodeAndSelectsTheNextWithKubeadmNode() {
            List<Fixtures.N> nodes = cluster();
            NodeAssignment a = assignment(OS_AND_KUBE, NEW_IMAGE, NEW_KUBE, 1, KubeadmUpgrade.APPLY);
            nodes.get(0).assigned(a).agent(AgentState.DONE, a).at(NEW_IMAGE, NEW_KUBE).completedLabel();
            RolloutDecision d = plan(OS_AND_KUBE, nodes);
            assertEquals(List.of("cp-1"), d.releases());
            assertEquals(List.of("cp-2"), assigned(d));
            assertEquals(KubeadmUpgrade.NODE, d.assignments().get(0).assignment().kubeadmUpgrade());
            assertEquals(List.of(), d.completedLabelCleanups(), "labels stay until the whole rollout completes");
            assertTrue(d.events().stream().anyMatch(e -> e.reason() == RolloutEvent.Reason.NODE_UPDATED
                    && "cp-1".equals(e.node())));
        }

        @Test
        void etcdUnhealthyHoldsTheNextNode() {
            List<Fixtures.N> nodes = cluster();
            RolloutDecision d = plan(OS_AND_KUBE, nodes, EtcdHealth.unhealthy("pod etcd-cp-2 is not Ready"), T0);
            assertEquals(List.of(), d.actions());
            Condition p = condition(d.status(), "Progressing");
            assertEquals("True", p.getStatus());
            assertEquals("WaitingForEtcd", p.getReason());
            assertTrue(p.getMessage().contains("etcd-cp-2"), p.getMessage());
        }

        @Test
        void etcdUnhealthyAfterTheLastControlPlaneNodeHoldsTheWorkers() {
            List<Fixtures.N> nodes = cluster();
            nodes.subList(0, 3).forEach(n -> n.at(NEW_IMAGE, NEW_KUBE));
            RolloutDecision d = plan(OS_AND_KUBE, nodes, EtcdHealth.unhealthy("no etcd pod Ready"), T0);
            assertEquals(List.of(), assigned(d));
            d = plan(OS_AND_KUBE, nodes);
            assertEquals(List.of("w-1", "w-2"), assigned(d));
            assertTrue(d.assignments().stream().allMatch(a -> a.assignment().kubeadmUpgrade() == KubeadmUpgrade.NODE));
        }

        @Test
        void aControlPlaneNodeWithoutReportBlocksTheWorkers() {
            List<Fixtures.N> nodes = cluster();
            nodes.get(0).at(NEW_IMAGE, NEW_KUBE);
            nodes.get(1).at(NEW_IMAGE, NEW_KUBE);
            nodes.get(2).noReport();
            RolloutDecision d = plan(OS_AND_KUBE, nodes);
            assertEquals(List.of(), d.actions());
            assertEquals("WaitingForAgents", condition(d.status(), "Progressing").getReason());
            assertTrue(condition(d.status(), "Progressing").getMessage().contains("cp-3"));
        }
    }

    @Nested
    class WorkerBudget {
        private List<Fixtures.N> controlPlaneDone() {
            List<Fixtures.N> nodes = cluster();
            nodes.subList(0, 3).forEach(n -> n.at(NEW_IMAGE, NEW_KUBE));
            return nodes;
        }

        @Test
        void selectsMaxUnavailableWorkersInNameOrder() {
            RolloutDecision d = plan(OS_AND_KUBE, controlPlaneDone());
            assertEquals(List.of("w-1", "w-2"), assigned(d));
        }

        @Test
        void aNotReadyNodeUsesBudget() {
            List<Fixtures.N> nodes = controlPlaneDone();
            nodes.get(6).at(NEW_IMAGE, NEW_KUBE).notReady(); // w-4: at the target but NotReady
            RolloutDecision d = plan(OS_AND_KUBE, nodes);
            assertEquals(List.of("w-1"), assigned(d));
        }

        @Test
        void aNotReadyControlPlaneNodeUsesBudgetToo() {
            List<Fixtures.N> nodes = controlPlaneDone();
            nodes.get(2).notReady();
            RolloutDecision d = plan(OS_AND_KUBE, nodes);
            assertEquals(List.of("w-1"), assigned(d));
        }

        @Test
        void aCordonedReadyNodeThatNeedsTheTargetGoesFirstForFree() {
            List<Fixtures.N> nodes = controlPlaneDone();
            nodes.get(5).cordoned(); // w-3
            RolloutDecision d = plan(OS_AND_KUBE, nodes);
            assertEquals(List.of("w-3", "w-1"), assigned(d));
        }

        @Test
        void budgetUsedUpWaits() {
            List<Fixtures.N> nodes = controlPlaneDone();
            NodeAssignment a = assignment(OS_AND_KUBE, NEW_IMAGE, NEW_KUBE, 1, KubeadmUpgrade.NODE);
            nodes.get(3).assigned(a).agent(AgentState.STAGING, a);
            nodes.get(4).cordoned().at(NEW_IMAGE, NEW_KUBE); // cordoned by someone else, at target
            RolloutDecision d = plan(OS_AND_KUBE, nodes);
            assertEquals(List.of(), d.actions());
            assertEquals("WaitingForBudget", condition(d.status(), "Progressing").getReason());
        }

        @Test
        void advancesOnlyOnVerifiedNodes() {
            List<Fixtures.N> nodes = controlPlaneDone();
            NodeAssignment a = assignment(OS_AND_KUBE, NEW_IMAGE, NEW_KUBE, 1, KubeadmUpgrade.NODE);
            nodes.get(3).assigned(a).agent(AgentState.DONE, a).at(NEW_IMAGE, NEW_KUBE).notReady();
            nodes.get(4).assigned(a).agent(AgentState.VERIFYING, a).at(NEW_IMAGE, NEW_KUBE);
            // hours later: still no release, no new node (never on a timer)
            RolloutDecision d = plan(OS_AND_KUBE, nodes, EtcdHealth.healthy("ok"), T0.plus(Duration.ofHours(5)));
            assertEquals(List.of(), d.actions());
            assertEquals(NodeUpdateState.UPDATING, node(d.status(), "w-1").state());
            nodes.get(3).ready = true;
            d = plan(OS_AND_KUBE, nodes);
            assertEquals(List.of("w-1"), d.releases());
            assertEquals(List.of("w-3"), assigned(d));
        }

        @Test
        void aNotReadyNodeThatNeedsTheTargetIsNotStarted() {
            List<Fixtures.N> nodes = controlPlaneDone();
            nodes.get(3).notReady();
            RolloutDecision d = plan(OS_AND_KUBE, nodes);
            assertEquals(List.of("w-2"), assigned(d), "w-1 NotReady uses one unit of budget and is not started");
            assertTrue(node(d.status(), "w-1").message().contains("NotReady"));
        }
    }

    @Nested
    class Failures {
        private final NodeAssignment a = assignment(OS_AND_KUBE, NEW_IMAGE, NEW_KUBE, 1, KubeadmUpgrade.NODE);

        private List<Fixtures.N> workersRunning() {
            List<Fixtures.N> nodes = cluster();
            nodes.subList(0, 3).forEach(n -> n.at(NEW_IMAGE, NEW_KUBE));
            nodes.get(3).assigned(a).failed(FailureReason.DRAIN_TIMEOUT, "pod shop/db-0 not evicted within 10m "
                    + "(PodDisruptionBudget shop/db)", a);
            nodes.get(4).assigned(a).agent(AgentState.DONE, a).at(NEW_IMAGE, NEW_KUBE);
            return nodes;
        }

        @Test
        void aFailedNodeHaltsAsDegradedNamingNodeAndReason() {
            RolloutDecision d = plan(OS_AND_KUBE, workersRunning());
            assertEquals(List.of("w-2"), d.releases(), "a node in progress still finishes");
            assertEquals(List.of(), assigned(d), "no new node");
            assertEquals(RolloutPhase.DEGRADED, d.status().phase());
            Condition deg = condition(d.status(), "Degraded");
            assertEquals("True", deg.getStatus());
            assertEquals("DrainTimeout", deg.getReason());
            assertTrue(deg.getMessage().contains("w-1") && deg.getMessage().contains("shop/db"), deg.getMessage());
            assertTrue(deg.getMessage().contains("housekeeper.io/retry"), deg.getMessage());
            assertEquals("False", condition(d.status(), "Progressing").getStatus());
            assertEquals("Halted", condition(d.status(), "Progressing").getReason());
            assertEquals(1, d.status().failed());
            NodeProgress w1 = node(d.status(), "w-1");
            assertEquals(NodeUpdateState.FAILED, w1.state());
            assertEquals(FailureReason.DRAIN_TIMEOUT, w1.reason());
            List<RolloutEvent.Reason> reasons = d.events().stream().map(RolloutEvent::reason).toList();
            assertTrue(reasons.contains(RolloutEvent.Reason.NODE_FAILED) && reasons.contains(
                    RolloutEvent.Reason.ROLLOUT_DEGRADED), reasons.toString());
            assertTrue(d.events().stream().filter(e -> e.reason() == RolloutEvent.Reason.NODE_FAILED)
                    .allMatch(RolloutEvent::warning));
        }

        @Test
        void aKnownFailureIsNotAnnouncedTwice() {
            RolloutDecision first = plan(OS_AND_KUBE, workersRunning());
            UpdateRef again = update(OS_AND_KUBE.spec(), 1, first.status());
            RolloutDecision second = plan(again, workersRunning());
            assertEquals(List.of(), second.events().stream().filter(e -> e.reason() != RolloutEvent.Reason.NODE_UPDATED)
                    .toList());
        }

        @Test
        void theRetryAnnotationStartsTheNextAttempt() {
            List<Fixtures.N> nodes = workersRunning();
            nodes.get(3).retry();
            RolloutDecision d = plan(OS_AND_KUBE, nodes);
            NodeAction.Assign retry = d.assignments().stream().filter(x -> x.node().equals("w-1")).findFirst()
                    .orElseThrow();
            assertEquals(NodeAction.Cause.RETRY, retry.cause());
            assertEquals(2, retry.assignment().attempt());
            assertEquals(NEW_IMAGE, retry.assignment().osImageURL());
            assertEquals(RolloutPhase.PROGRESSING, d.status().phase());
            assertEquals("False", condition(d.status(), "Degraded").getStatus());
            assertTrue(d.events().stream().anyMatch(e -> e.reason() == RolloutEvent.Reason.NODE_RETRIED));
            // the rollout resumes: with w-1 retried and w-2 released, one more worker fits into the budget of 2
            assertEquals(List.of("w-1", "w-3"), assigned(d));
        }

        @Test
        void aRetryAnnotationWithNothingToRetryIsRemoved() {
            List<Fixtures.N> nodes = cluster();
            nodes.get(5).retry();
            RolloutDecision d = plan(OS_AND_KUBE, nodes);
            assertTrue(d.actions().contains(new NodeAction.ClearRetry("w-3")));
        }

        @Test
        void notReadyLongerThanTheTimeoutAfterRebootFails() {
            List<Fixtures.N> nodes = cluster();
            NodeAssignment cpa = assignment(OS_AND_KUBE, NEW_IMAGE, NEW_KUBE, 1, KubeadmUpgrade.APPLY);
            nodes.get(0).assigned(cpa).agentSince(AgentState.REBOOTING, cpa, T0).notReady();
            RolloutDecision early = plan(OS_AND_KUBE, nodes, EtcdHealth.healthy("ok"), T0.plus(Duration.ofMinutes(14)));
            assertEquals(RolloutPhase.PROGRESSING, early.status().phase());
            RolloutDecision late = plan(OS_AND_KUBE, nodes, EtcdHealth.healthy("ok"), T0.plus(Duration.ofMinutes(16)));
            assertEquals(RolloutPhase.DEGRADED, late.status().phase());
            assertEquals("NotReadyAfterReboot", condition(late.status(), "Degraded").getReason());
            assertTrue(condition(late.status(), "Degraded").getMessage().contains("cp-1"));
            assertTrue(condition(late.status(), "Degraded").getMessage().contains("15m"));
        }

        @Test
        void upgradingKubernetesAndNotReadyTooLongFailsToo() {
            List<Fixtures.N> nodes = cluster();
            NodeAssignment cpa = assignment(OS_AND_KUBE, NEW_IMAGE, NEW_KUBE, 1, KubeadmUpgrade.APPLY);
            nodes.get(0).assigned(cpa).agentSince(AgentState.UPGRADING_KUBERNETES, cpa, T0).notReady();
            RolloutDecision d = plan(OS_AND_KUBE, nodes, EtcdHealth.healthy("ok"), T0.plus(Duration.ofMinutes(20)));
            assertEquals(FailureReason.NOT_READY_AFTER_REBOOT, node(d.status(), "cp-1").reason());
        }

        @Test
        void doneButNotAtTheTargetIsAVerificationFailure() {
            List<Fixtures.N> nodes = cluster();
            NodeAssignment cpa = assignment(OS_AND_KUBE, NEW_IMAGE, NEW_KUBE, 1, KubeadmUpgrade.APPLY);
            nodes.get(0).assigned(cpa).agent(AgentState.DONE, cpa).at(NEW_IMAGE, OLD_KUBE);
            RolloutDecision d = plan(OS_AND_KUBE, nodes);
            assertEquals(FailureReason.VERIFICATION_FAILED, node(d.status(), "cp-1").reason());
            assertEquals(List.of(), d.releases());
        }

        @Test
        void aReportOfAnOlderAttemptIsNotTheCurrentOne() {
            List<Fixtures.N> nodes = cluster();
            NodeAssignment attempt1 = assignment(OS_AND_KUBE, NEW_IMAGE, NEW_KUBE, 1, KubeadmUpgrade.APPLY);
            NodeAssignment attempt2 = assignment(OS_AND_KUBE, NEW_IMAGE, NEW_KUBE, 2, KubeadmUpgrade.APPLY);
            nodes.get(0).assigned(attempt2).failed(FailureReason.COMMAND_FAILED, "rpm-ostree exited 1", attempt1);
            RolloutDecision d = plan(OS_AND_KUBE, nodes);
            assertEquals(RolloutPhase.PROGRESSING, d.status().phase(), "the agent has not taken attempt 2 yet");
            assertTrue(node(d.status(), "cp-1").message().contains("uid-1/1/2"));
        }
    }

    @Nested
    class PauseAndRetarget {
        @Test
        void pausedStartsNoNewNodeButLetsRunningOnesFinish() {
            UpdateRef paused = update(new UpdateSpec(NEW_IMAGE, NEW_KUBE, false, 2, null, true, null), 1, null);
            List<Fixtures.N> nodes = cluster();
            NodeAssignment a = assignment(paused, NEW_IMAGE, NEW_KUBE, 1, KubeadmUpgrade.APPLY);
            nodes.get(0).assigned(a).agent(AgentState.DONE, a).at(NEW_IMAGE, NEW_KUBE);
            RolloutDecision d = plan(paused, nodes);
            assertEquals(List.of("cp-1"), d.releases());
            assertEquals(List.of(), assigned(d));
            assertEquals(RolloutPhase.PAUSED, d.status().phase());
            assertEquals("Paused", condition(d.status(), "Progressing").getReason());
            assertTrue(d.events().stream().anyMatch(e -> e.reason() == RolloutEvent.Reason.ROLLOUT_PAUSED));
        }

        @Test
        void aNewGenerationLeavesNodesAtTheNewTargetAloneAndRetargetsNodesInProgress() {
            // generation 1 went to NEW_IMAGE; cp done, w-1 in progress, w-2 rebooted into it; generation 2 reverts
            UpdateRef gen1 = update(spec(NEW_IMAGE, OLD_KUBE, 2), 1, null);
            UpdateRef gen2 = update(spec(OLD_IMAGE, OLD_KUBE, 2), 2, null);
            NodeAssignment a1 = assignment(gen1, NEW_IMAGE, OLD_KUBE, 1, KubeadmUpgrade.NODE);
            List<Fixtures.N> nodes = cluster();
            nodes.subList(0, 3).forEach(n -> n.at(NEW_IMAGE, OLD_KUBE));
            nodes.get(3).assigned(a1).agent(AgentState.STAGING, a1); // still boots OLD_IMAGE, but busy
            nodes.get(4).assigned(a1).agent(AgentState.DONE, a1).at(NEW_IMAGE, OLD_KUBE);
            RolloutDecision d = plan(gen2, nodes);
            // w-3, w-4 boot OLD_IMAGE: at the new target, untouched; w-1 busy: new assignment; w-2: new assignment;
            // the control plane (on NEW_IMAGE) goes back once those two workers are done
            assertEquals(List.of("w-1", "w-2"), assigned(d));
            assertTrue(condition(d.status(), "Progressing").getMessage().contains("wait for worker w-1"));
            assertTrue(d.assignments().stream().allMatch(x -> x.cause() == NodeAction.Cause.RETARGET
                    && x.assignment().generation() == 2 && x.assignment().attempt() == 1
                    && OLD_IMAGE.equals(x.assignment().osImageURL())));
            assertEquals(NodeUpdateState.UPDATED, node(d.status(), "w-3").state());
            assertFalse(d.actions().stream().anyMatch(x -> x.node().equals("w-3") || x.node().equals("w-4")));
            assertEquals(2L, d.status().observedGeneration());
        }

        @Test
        void aNewGenerationWithTheSameTargetKeepsNodesInProgressOnTheirAssignment() {
            // pausing (or changing maxUnavailable or revision) makes a new generation but no new target
            UpdateRef gen1 = update(spec(NEW_IMAGE, NEW_KUBE, 2), 1, null);
            UpdateRef gen2 = update(new UpdateSpec(NEW_IMAGE, NEW_KUBE, false, 2, null, true, "abc123"), 2, null);
            NodeAssignment a1 = assignment(gen1, NEW_IMAGE, NEW_KUBE, 1, KubeadmUpgrade.APPLY);
            List<Fixtures.N> nodes = cluster();
            nodes.get(0).assigned(a1).agent(AgentState.REBOOTING, a1);
            RolloutDecision d = plan(gen2, nodes);
            assertEquals(List.of(), d.actions());
            assertEquals(NodeUpdateState.UPDATING, node(d.status(), "cp-1").state());
            assertEquals(AgentState.REBOOTING, node(d.status(), "cp-1").step());
            nodes.get(0).agent(AgentState.DONE, a1).at(NEW_IMAGE, NEW_KUBE);
            d = plan(gen2, nodes);
            assertEquals(List.of("cp-1"), d.releases());
            assertTrue(d.events().stream().anyMatch(e -> e.reason() == RolloutEvent.Reason.NODE_UPDATED));
            // but a node that failed the older generation is resumed with a new assignment
            nodes.get(0).assigned(a1).failed(FailureReason.DRAIN_TIMEOUT, "pdb", a1).at(OLD_IMAGE, OLD_KUBE);
            UpdateRef gen2Running = update(spec(NEW_IMAGE, NEW_KUBE, 2), 2, null);
            d = plan(gen2Running, nodes);
            assertEquals(List.of("cp-1"), assigned(d));
            assertEquals(NodeAction.Cause.RETARGET, d.assignments().get(0).cause());
            assertEquals(2, d.assignments().get(0).assignment().generation());
        }

        @Test
        void aNodeAssignedByAnUpdateOfAnotherNamespaceIsNeverTaken() {
            List<Fixtures.N> nodes = cluster();
            nodes.subList(0, 3).forEach(n -> n.at(NEW_IMAGE, NEW_KUBE));
            NodeAssignment foreign = new NodeAssignment("other-ns/up", "uid-9", 1, 1, NEW_IMAGE, null,
                    KubeadmUpgrade.NONE, false, 600, null);
            nodes.get(3).assigned(foreign).agent(AgentState.DRAINING, foreign).cordoned();
            RolloutDecision d = plan(OS_AND_KUBE, nodes);
            assertFalse(d.actions().stream().anyMatch(a -> a.node().equals("w-1")));
            assertEquals(List.of("w-2"), assigned(d), "w-1 (cordoned by the other rollout) uses one unit of budget");
            assertTrue(node(d.status(), "w-1").message().contains("other-ns/up"));
        }

        @Test
        void aNodeOfAnOlderGenerationAlreadyAtTheNewTargetAndIdleIsReleased() {
            UpdateRef gen1 = update(spec(NEW_IMAGE, OLD_KUBE, 2), 1, null);
            UpdateRef gen2 = update(spec(OLD_IMAGE, OLD_KUBE, 2), 2, null);
            NodeAssignment a1 = assignment(gen1, NEW_IMAGE, OLD_KUBE, 1, KubeadmUpgrade.NODE);
            List<Fixtures.N> nodes = cluster();
            nodes.get(3).assigned(a1).failed(FailureReason.COMMAND_FAILED, "rebase failed", a1);
            RolloutDecision d = plan(gen2, nodes);
            assertEquals(List.of("w-1"), d.releases());
            assertEquals(RolloutPhase.COMPLETED, d.status().phase(), "a new generation resumes a Degraded rollout");
        }

        @Test
        void aFailedNodeOfTheOlderGenerationGetsTheNewTarget() {
            UpdateRef gen1 = update(spec(NEW_IMAGE, OLD_KUBE, 2), 1, null);
            UpdateRef gen2 = update(spec("quay.io/nestos/nestos:3.0", OLD_KUBE, 2), 2, null);
            NodeAssignment a1 = assignment(gen1, NEW_IMAGE, OLD_KUBE, 1, KubeadmUpgrade.NODE);
            List<Fixtures.N> nodes = cluster();
            nodes.subList(0, 3).forEach(n -> n.at("quay.io/nestos/nestos:3.0", OLD_KUBE));
            nodes.get(3).assigned(a1).failed(FailureReason.COMMAND_FAILED, "rebase failed", a1);
            RolloutDecision d = plan(gen2, nodes);
            assertEquals(List.of("w-1", "w-2"), assigned(d));
            assertEquals(NodeAction.Cause.RETARGET, d.assignments().get(0).cause());
            assertEquals(RolloutPhase.PROGRESSING, d.status().phase());
        }
    }

    @Nested
    class Targets {
        @Test
        void skippingAMinorVersionIsUnsupportedBeforeAnyNodeIsTouched() {
            UpdateRef skip = update(spec(NEW_IMAGE, "v1.31.0", 2), 1, null);
            List<Fixtures.N> nodes = cluster();
            nodes.get(3).retry();
            RolloutDecision d = plan(skip, nodes);
            assertEquals(List.of(), d.actions());
            assertEquals(RolloutPhase.DEGRADED, d.status().phase());
            Condition deg = condition(d.status(), "Degraded");
            assertEquals("UnsupportedTarget", deg.getReason());
            assertTrue(deg.getMessage().contains("v1.30.x"), deg.getMessage());
            assertTrue(d.events().stream().anyMatch(e -> e.reason() == RolloutEvent.Reason.ROLLOUT_DEGRADED));
        }

        @Test
        void goingDownIsUnsupported() {
            UpdateRef down = update(spec(null, "v1.28.9", 2), 1, null);
            RolloutDecision d = plan(down, cluster());
            assertEquals("UnsupportedTarget", condition(d.status(), "Degraded").getReason());
            assertTrue(condition(d.status(), "Degraded").getMessage().contains("downgrade"));
            assertEquals(List.of(), d.actions());
        }

        @Test
        void anUnreadableSpecIsInvalid() {
            UpdateRef bad = update(new UpdateSpec(NEW_IMAGE, "1.30", false, 1, null, null, null), 1, null);
            RolloutDecision d = plan(bad, cluster());
            assertEquals("InvalidSpec", condition(d.status(), "Degraded").getReason());
            assertTrue(condition(d.status(), "Degraded").getMessage().contains("'1.30'"));
            assertEquals(List.of(), d.actions());
            UpdateRef badDrain = update(new UpdateSpec(NEW_IMAGE, null, false, 1, "ten minutes", null, null), 1, null);
            assertEquals("InvalidSpec", condition(plan(badDrain, cluster()).status(), "Degraded").getReason());
        }

        @Test
        void anUpstreamUpdateWithTheFourFieldsOnlyWorks() {
            UpdateRef upstream = new UpdateRef("hk", "up", "uid-1", 1, T0,
                    UpdateSpec.upstream(NEW_IMAGE, OLD_KUBE, true, 0), null);
            RolloutDecision d = plan(upstream, cluster());
            assertEquals(List.of("cp-1"), assigned(d));
            NodeAssignment a = d.assignments().get(0).assignment();
            assertEquals(KubeadmUpgrade.NONE, a.kubeadmUpgrade(), "the node already runs " + OLD_KUBE);
            assertTrue(a.evictPodForce());
            assertEquals(600, a.drainTimeoutSeconds());
            assertEquals(null, d.status().revision());
        }

        @Test
        void anEmptyOsImageLeavesTheOsAlone() {
            UpdateRef kubeOnly = update(spec("", NEW_KUBE, 2), 1, null);
            List<Fixtures.N> nodes = cluster();
            nodes.forEach(n -> n.at("quay.io/other/anything:9", NEW_KUBE));
            nodes.get(6).at("quay.io/other/anything:9", OLD_KUBE);
            RolloutDecision d = plan(kubeOnly, nodes);
            assertEquals(List.of("w-4"), assigned(d));
            assertEquals(null, d.assignments().get(0).assignment().osImageURL());
            assertEquals(KubeadmUpgrade.NODE, d.assignments().get(0).assignment().kubeadmUpgrade());
        }

        @Test
        void aNodeWhoseKubeletRunsTheTargetGetsNoKubeadmStep() {
            List<Fixtures.N> nodes = cluster();
            nodes.get(0).at(OLD_IMAGE, NEW_KUBE);
            RolloutDecision d = plan(OS_AND_KUBE, nodes);
            assertEquals(List.of("cp-1"), assigned(d));
            assertEquals(KubeadmUpgrade.NONE, d.assignments().get(0).assignment().kubeadmUpgrade());
        }

        @Test
        void anEmptyKubeVersionLeavesKubernetesAlone() {
            UpdateRef osOnly = update(spec(NEW_IMAGE, null, 2), 1, null);
            RolloutDecision d = plan(osOnly, cluster());
            assertEquals(KubeadmUpgrade.NONE, d.assignments().get(0).assignment().kubeadmUpgrade());
        }

        @Test
        void aDigestPinnedTargetComparesByDigest() {
            String digest = "sha256:" + "a".repeat(64);
            UpdateRef pinned = update(spec("quay.io/nestos/nestos@" + digest, null, 2), 1, null);
            List<Fixtures.N> nodes = List.of(cp("cp-1"));
            RolloutDecision d = plan(pinned, nodes);
            assertEquals(List.of("cp-1"), assigned(d), "the tag-only report has no digest: not the target");
        }
    }

    @Nested
    class StatusAndCompletion {
        @Test
        void allAtTheTargetCompletesAndRemovesTheCompletedLabels() {
            List<Fixtures.N> nodes = cluster();
            nodes.forEach(n -> n.at(NEW_IMAGE, NEW_KUBE));
            nodes.get(1).completedLabel();
            nodes.get(4).completedLabel();
            RolloutDecision d = plan(OS_AND_KUBE, nodes);
            assertEquals(RolloutPhase.COMPLETED, d.status().phase());
            assertEquals(List.of("cp-2", "w-2"), d.completedLabelCleanups());
            assertEquals(7, d.status().updated());
            assertEquals("True", condition(d.status(), "Completed").getStatus());
            assertEquals("AllNodesUpdated", condition(d.status(), "Completed").getReason());
            assertEquals("False", condition(d.status(), "Progressing").getStatus());
            assertEquals(T0.toString(), d.status().completedAt());
            assertTrue(d.events().stream().anyMatch(e -> e.reason() == RolloutEvent.Reason.ROLLOUT_COMPLETED));
        }

        @Test
        void theLastReleaseCompletesInTheSameStep() {
            List<Fixtures.N> nodes = cluster();
            nodes.forEach(n -> n.at(NEW_IMAGE, NEW_KUBE).completedLabel());
            NodeAssignment a = assignment(OS_AND_KUBE, NEW_IMAGE, NEW_KUBE, 1, KubeadmUpgrade.NODE);
            nodes.get(6).assigned(a).agent(AgentState.DONE, a);
            RolloutDecision d = plan(OS_AND_KUBE, nodes);
            assertEquals(RolloutPhase.COMPLETED, d.status().phase());
            assertEquals(List.of("w-4"), d.releases());
            assertEquals(7, d.completedLabelCleanups().size());
        }

        @Test
        void aNodeWithoutAgentReportIsPendingAndTheRolloutWaitsForIt() {
            List<Fixtures.N> nodes = cluster();
            nodes.forEach(n -> n.at(NEW_IMAGE, NEW_KUBE));
            nodes.get(5).noReport();
            RolloutDecision d = plan(OS_AND_KUBE, nodes);
            assertEquals(RolloutPhase.PROGRESSING, d.status().phase());
            assertEquals(1, d.status().pending());
            assertEquals("WaitingForAgents", condition(d.status(), "Progressing").getReason());
        }

        @Test
        void nodesAreListedControlPlaneFirstThenByName() {
            List<Fixtures.N> nodes = new ArrayList<>(List.of(worker("a"), cp("z"), worker("b"), cp("m")));
            RolloutDecision d = plan(OS_AND_KUBE, nodes);
            assertEquals(List.of("m", "z", "a", "b"), d.status().nodes().stream().map(NodeProgress::name).toList());
        }

        @Test
        void planningTheSameStateTwiceChangesNothingAndKeepsTimes() {
            List<Fixtures.N> nodes = cluster();
            NodeAssignment a = assignment(OS_AND_KUBE, NEW_IMAGE, NEW_KUBE, 1, KubeadmUpgrade.APPLY);
            nodes.get(0).assigned(a).agent(AgentState.DRAINING, a);
            RolloutDecision first = plan(OS_AND_KUBE, nodes);
            UpdateRef written = update(OS_AND_KUBE.spec(), 1, first.status());
            RolloutDecision second = plan(written, nodes, EtcdHealth.healthy("ok"), T0.plus(Duration.ofMinutes(3)));
            assertFalse(second.statusChanged(), "status must not be rewritten when nothing changed");
            assertEquals(List.of(), second.events());
            // a step change moves the node's since, not the conditions' lastTransitionTime
            nodes.get(0).agent(AgentState.STAGING, a);
            RolloutDecision third = plan(written, nodes, EtcdHealth.healthy("ok"), T0.plus(Duration.ofMinutes(5)));
            assertTrue(third.statusChanged());
            assertEquals(T0.plus(Duration.ofMinutes(5)).toString(), node(third.status(), "cp-1").since());
            assertEquals(T0.toString(), node(third.status(), "w-1").since());
            assertEquals(T0.toString(), condition(third.status(), "Progressing").getLastTransitionTime());
            assertEquals(T0.toString(), third.status().startedAt());
            assertEquals(1L, condition(third.status(), "Progressing").getObservedGeneration());
        }

        @Test
        void conditionsMoveTheirTransitionTimeOnlyWhenTheirStatusChanges() {
            List<Fixtures.N> nodes = cluster();
            RolloutDecision progressing = plan(OS_AND_KUBE, nodes);
            nodes.forEach(n -> n.at(NEW_IMAGE, NEW_KUBE));
            RolloutDecision done = plan(update(OS_AND_KUBE.spec(), 1, progressing.status()), nodes,
                    EtcdHealth.healthy("ok"), T0.plusSeconds(600));
            assertEquals(T0.plusSeconds(600).toString(), condition(done.status(), "Completed").getLastTransitionTime());
            assertEquals(T0.toString(), condition(done.status(), "Degraded").getLastTransitionTime(),
                    "Degraded stayed False");
        }

        @Test
        void everyConditionHasAReason() {
            for (RolloutDecision d : List.of(plan(OS_AND_KUBE, cluster()),
                    plan(update(spec(NEW_IMAGE, "v2.0.0", 1), 1, null), cluster()))) {
                assertEquals(3, d.status().conditions().size());
                assertTrue(d.status().conditions().stream().allMatch(c -> c.getReason() != null
                        && !c.getReason().isBlank() && c.getMessage() != null && c.getLastTransitionTime() != null));
            }
        }

        @Test
        void aWaitingUpdateOnlyReportsPending() {
            RolloutDecision d = RolloutPlanner.plan(new RolloutInput(OS_AND_KUBE,
                    cluster().stream().map(Fixtures.N::view).toList(), EtcdHealth.healthy("ok"), T0,
                    Fixtures.READY_TIMEOUT, Optional.of("first")));
            assertEquals(List.of(), d.actions());
            assertEquals(RolloutPhase.PENDING, d.status().phase());
            Condition p = condition(d.status(), "Progressing");
            assertEquals("WaitingForUpdate", p.getReason());
            assertTrue(p.getMessage().contains("first"));
            assertEquals(null, d.status().startedAt());
        }
    }

    @Test
    void everyNodeStateAndStepIsReported() {
        List<Fixtures.N> nodes = cluster();
        NodeAssignment a = assignment(OS_AND_KUBE, NEW_IMAGE, NEW_KUBE, 1, KubeadmUpgrade.APPLY);
        nodes.get(0).assigned(a).agent(AgentState.REBOOTING, a);
        RolloutDecision d = plan(OS_AND_KUBE, nodes);
        NodeProgress p = node(d.status(), "cp-1");
        assertEquals(AgentState.REBOOTING, p.step());
        assertEquals(OLD_IMAGE, p.osImage());
        assertEquals(OLD_KUBE, p.kubeletVersion());
        assertTrue(Stream.of(NodeUpdateState.values()).anyMatch(s -> s == p.state()));
    }
}
