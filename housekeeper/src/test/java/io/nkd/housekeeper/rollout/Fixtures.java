package io.nkd.housekeeper.rollout;

import io.nkd.housekeeper.api.KubeadmUpgrade;
import io.nkd.housekeeper.api.AgentState;
import io.nkd.housekeeper.api.DisruptionBudgetBlock;
import io.nkd.housekeeper.api.FailureReason;
import io.nkd.housekeeper.api.NodeAssignment;
import io.nkd.housekeeper.api.NodeReport;
import io.nkd.housekeeper.api.NodeRole;
import io.nkd.housekeeper.api.OsDeployment;
import io.nkd.housekeeper.api.UpdateSpec;
import io.nkd.housekeeper.api.UpdateStatus;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** Builders for the planner's inputs. */
final class Fixtures {
    static final Instant T0 = Instant.parse("2026-12-06T08:00:00Z");
    static final String OLD_IMAGE = "quay.io/nestos/nestos:1.0";
    static final String NEW_IMAGE = "quay.io/nestos/nestos:2.0";
    static final String OLD_KUBE = "v1.29.3";
    static final String NEW_KUBE = "v1.30.1";
    static final Duration READY_TIMEOUT = Duration.ofMinutes(15);

    private Fixtures() {
    }

    static UpdateSpec spec(String image, String kube, int maxUnavailable) {
        return new UpdateSpec(image, kube, false, maxUnavailable, null, null, "abc123");
    }

    static UpdateRef update(UpdateSpec spec, long generation, UpdateStatus status) {
        return new UpdateRef("hk", "up", "uid-1", generation, T0.minusSeconds(3600), spec, status);
    }

    /** A mutable node builder: start from a node idle at the old image and kubelet. */
    static final class N {
        String name;
        NodeRole role;
        boolean ready = true;
        boolean unschedulable;
        String image = OLD_IMAGE;
        String kubelet = OLD_KUBE;
        boolean hasReport = true;
        AgentState state = AgentState.IDLE;
        String reportAssignment;
        FailureReason failure;
        String message;
        String since = T0.toString();
        NodeAssignment assignment;
        boolean upgrading;
        boolean completed;
        boolean retry;
        /** for simulations: the modelled agent cordoned this node */
        boolean cordonedByAgentSim;
        List<DisruptionBudgetBlock> blockedBy = List.of();

        N(String name, NodeRole role) {
            this.name = name;
            this.role = role;
        }

        N at(String image, String kubelet) {
            this.image = image;
            this.kubelet = kubelet;
            return this;
        }

        N notReady() {
            ready = false;
            return this;
        }

        N cordoned() {
            unschedulable = true;
            return this;
        }

        N noReport() {
            hasReport = false;
            return this;
        }

        N assigned(NodeAssignment a) {
            assignment = a;
            upgrading = true;
            return this;
        }

        N agent(AgentState state, NodeAssignment on) {
            this.state = state;
            this.reportAssignment = on == null ? null : on.id();
            return this;
        }

        N agentSince(AgentState state, NodeAssignment on, Instant since) {
            agent(state, on);
            this.since = since.toString();
            return this;
        }

        N failed(FailureReason reason, String message, NodeAssignment on) {
            agent(AgentState.FAILED, on);
            this.failure = reason;
            this.message = message;
            return this;
        }

        /** The agent reports these budgets refusing its evictions (with its message). */
        N blockedBy(String message, DisruptionBudgetBlock... blocks) {
            this.message = message;
            this.blockedBy = List.of(blocks);
            return this;
        }

        N completedLabel() {
            completed = true;
            return this;
        }

        N retry() {
            retry = true;
            return this;
        }

        NodeView view() {
            Optional<NodeReport> report = hasReport ? Optional.of(new NodeReport(
                    new OsDeployment(image, null, "c-" + image.hashCode(), null), null, null, kubelet, state,
                    reportAssignment, failure, message, blockedBy, since, false, null, "test")) : Optional.empty();
            return new NodeView(name, role, ready, unschedulable, report, Optional.ofNullable(assignment), upgrading,
                    completed, retry, kubelet, null);
        }
    }

    static N cp(String name) {
        return new N(name, NodeRole.CONTROL_PLANE);
    }

    static N worker(String name) {
        return new N(name, NodeRole.WORKER);
    }

    static NodeAssignment assignment(UpdateRef u, String image, String kube, int attempt,
                                     KubeadmUpgrade kubeadm) {
        return new NodeAssignment(u.key(), u.uid(), u.generation(), attempt, image, kube, kubeadm, false, 600,
                u.spec().revision());
    }

    static RolloutDecision plan(UpdateRef u, List<N> nodes) {
        return plan(u, nodes, EtcdHealth.healthy("3 of 3 etcd pods Ready"), T0);
    }

    static RolloutDecision plan(UpdateRef u, List<N> nodes, EtcdHealth etcd, Instant now) {
        return RolloutPlanner.plan(new RolloutInput(u, nodes.stream().map(N::view).toList(), etcd, now, READY_TIMEOUT));
    }
}
