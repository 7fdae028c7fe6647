package io.nkd.housekeeper.rollout;

import io.nkd.housekeeper.api.AgentState;
import io.nkd.housekeeper.api.DisruptionBudgetBlock;
import io.nkd.housekeeper.api.FailureReason;
import io.nkd.housekeeper.api.GoDuration;
import io.nkd.housekeeper.api.ImageReference;
import io.nkd.housekeeper.api.KubeVersion;
import io.nkd.housekeeper.api.KubeadmUpgrade;
import io.nkd.housekeeper.api.NodeAssignment;
import io.nkd.housekeeper.api.NodeProgress;
import io.nkd.housekeeper.api.NodeReport;
import io.nkd.housekeeper.api.NodeRole;
import io.nkd.housekeeper.api.NodeUpdateState;
import io.nkd.housekeeper.api.RolloutPhase;
import io.nkd.housekeeper.api.UpdateSpec;
import io.nkd.housekeeper.api.UpdateStatus;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Decides, from the Update and the Nodes as they are now, what to change next. Pure: no client, no clock, no I/O; the
 * same input gives the same decision, so the controller can call it on every event (level-triggered).
 *
 * <p>The rules (housekeeper/CONTRACT.md, "Order and budget"):
 * <ul>
 * <li>A node needs the target when its agent's report says it boots another image than {@code osImageURL}, or its
 * kubelet runs another version than {@code kubeVersion} (an empty field leaves that part alone). A node without a
 * report is never started: its state is unknown.</li>
 * <li>Control-plane nodes first, one at a time (and only while no worker holds an assignment, which happens when the
 * target changed mid-rollout); then workers, where at every instant (nodes selected and not verified)
 * + (other nodes NotReady or unschedulable) ≤ maxUnavailable. Nodes of either role count as "other nodes": an
 * unhealthy control plane is a reason to disrupt less, not more. A cordoned but Ready worker that needs the target is
 * started first, as it costs no budget.</li>
 * <li>Every new node waits for every etcd member to be healthy, which puts the check before and after each
 * control-plane node (and before the first worker).</li>
 * <li>A node is released (and counts as Updated) only when its report says Done for the current assignment and the
 * node is verified: booted image and kubelet version at the target, Ready. Never on a timer.</li>
 * <li>A failure (the report says Failed, or the node stays NotReady longer than the node-ready timeout after its agent
 * reported Rebooting/UpgradingKubernetes) halts the rollout: Degraded, no new node. A new generation or the retry
 * annotation resumes it.</li>
 * <li>A new generation re-plans from the nodes' state: nodes already at the new target are left alone, nodes holding an
 * older assignment get the new target as a new assignment.</li>
 * <li>A Kubernetes target that skips a minor version or goes down, or a spec that cannot be read, is Degraded before
 * any node is touched.</li>
 * </ul>
 */
public final class RolloutPlanner {
    private static final Comparator<NodeView> ORDER = Comparator
            .comparing((NodeView n) -> n.role() == NodeRole.CONTROL_PLANE ? 0 : 1).thenComparing(NodeView::name);

    private RolloutPlanner() {
    }

    /** The target of an Update, read once. */
    private record Target(Optional<ImageReference> os, Optional<KubeVersion> kube, Duration drainTimeout) {
    }

    /** Why no node was selected now: the Progressing condition's reason and message. */
    private record Waiting(ConditionReason reason, String message) {
    }

    /** One node's classification in this step (before new selections). */
    private static final class Facts {
        final NodeView node;
        final boolean atTarget;
        NodeUpdateState state;
        AgentState step;
        FailureReason reason;
        String message;
        /** Holds the Update's current assignment (see {@link #current}). */
        boolean current;
        /** Holds (after this step's actions) an assignment: counts as selected. */
        boolean selected;
        /** May be selected now. */
        boolean candidate;
        /** Pending only because it has no agent report. */
        boolean noReport;
        /** While Draining on the current assignment: the budgets its agent reports refusing evictions. */
        List<DisruptionBudgetBlock> blockedBy = List.of();

        Facts(NodeView node, boolean atTarget) {
            this.node = node;
            this.atTarget = atTarget;
        }
    }

    public static RolloutDecision plan(RolloutInput in) {
        UpdateRef u = in.update();
        Instant now = in.now();
        List<NodeView> nodes = in.nodes().stream().sorted(ORDER).toList();
        UpdateStatus previous = u.status();

        Target target;
        String invalid = null;
        ConditionReason invalidReason = null;
        try {
            target = readTarget(u.spec());
        } catch (IllegalArgumentException e) {
            target = new Target(Optional.empty(), Optional.empty(), UpdateSpec.DEFAULT_DRAIN_TIMEOUT);
            invalid = "Update " + u.key() + ": " + e.getMessage();
            invalidReason = ConditionReason.INVALID_SPEC;
        }
        Map<String, Facts> facts = new LinkedHashMap<>();
        for (NodeView n : nodes) {
            facts.put(n.name(), new Facts(n, invalid == null && atTarget(n, target)));
        }
        if (invalid == null) {
            invalid = unsupported(u, target, facts.values());
            invalidReason = invalid == null ? null : ConditionReason.UNSUPPORTED_TARGET;
        }

        List<NodeAction> actions = new ArrayList<>();
        boolean drives = in.waitingFor().isEmpty() && invalid == null;
        for (Facts f : facts.values()) {
            classify(f, u, target, in, drives, actions);
        }

        // New selections: only for the Update that drives the nodes, with a readable and supported target, nothing
        // failed and not paused.
        String progressReason = ConditionReason.NODES_UPDATING.wire();
        String progressMessage = null;
        boolean anyFailed = facts.values().stream().anyMatch(f -> f.state == NodeUpdateState.FAILED);
        if (drives && !anyFailed && !u.spec().pauseRequested()) {
            Waiting waiting = select(facts, u, target, in, actions);
            if (waiting != null) {
                progressReason = waiting.reason().wire();
                progressMessage = waiting.message();
            }
        }

        int updated = count(facts, NodeUpdateState.UPDATED);
        int updating = count(facts, NodeUpdateState.UPDATING);
        int pending = count(facts, NodeUpdateState.PENDING);
        int failed = count(facts, NodeUpdateState.FAILED);
        String summary = updated + " of " + facts.size() + " nodes updated" + (updating > 0 ? ", " + updating
                + " updating" : "") + (pending > 0 ? ", " + pending + " pending" : "")
                + (failed > 0 ? ", " + failed + " failed" : "");

        Verdict verdict = verdict(in, invalid, invalidReason, facts.values(), failed, updating + pending);
        RolloutPhase phase = verdict.phase();
        if (progressMessage == null) {
            progressMessage = summary;
        }
        String blocked = blocked(facts.values());
        if (blocked != null) {
            progressMessage = progressMessage + "; " + blocked;
        }

        if (phase == RolloutPhase.COMPLETED && drives) {
            // as upstream: once every node is done, the upgradeCompleted label goes from every node so that the next
            // Update starts clean
            for (Facts f : facts.values()) {
                if (f.node.upgradeCompleted()) {
                    actions.add(new NodeAction.ClearCompleted(f.node.name()));
                }
            }
        }

        Map<String, NodeProgress> before = new HashMap<>();
        if (previous != null) {
            previous.nodes().forEach(p -> before.put(p.name(), p));
        }
        List<NodeProgress> progress = new ArrayList<>();
        for (Facts f : facts.values()) {
            progress.add(progress(f, before.get(f.node.name()), now));
        }
        boolean sameGeneration = previous != null && previous.observedGeneration() != null
                && previous.observedGeneration() == u.generation();
        String startedAt = phase == RolloutPhase.PENDING ? null
                : sameGeneration && previous.startedAt() != null ? previous.startedAt() : Times.format(now);
        String completedAt = phase != RolloutPhase.COMPLETED ? null
                : sameGeneration && previous.completedAt() != null ? previous.completedAt() : Times.format(now);
        UpdateStatus status = new UpdateStatus(phase, u.generation(), u.spec().revision(), updated, updating, pending,
                failed, progress,
                Conditions.compute(phase, u.generation(), progressReason, progressMessage, verdict.degradedReason(),
                        verdict.degradedMessage(), summary, in.waitingFor().orElse(null),
                        previous == null ? List.of() : previous.conditions(), now),
                startedAt, completedAt);
        List<RolloutEvent> events = events(u, facts, actions, previous, phase, verdict.degradedMessage(), summary,
                target);
        return new RolloutDecision(u, actions, status, events);
    }

    /** The phase, and when Degraded its reason and a message naming the node(s) or the spec's fault. */
    private record Verdict(RolloutPhase phase, String degradedReason, String degradedMessage) {
    }

    private static Verdict verdict(RolloutInput in, String invalid, ConditionReason invalidReason,
                                   Iterable<Facts> facts, int failed, int remaining) {
        if (in.waitingFor().isPresent()) {
            return new Verdict(RolloutPhase.PENDING, null, null);
        }
        if (invalid != null) {
            return new Verdict(RolloutPhase.DEGRADED, invalidReason.wire(), invalid);
        }
        if (failed > 0) {
            List<Facts> failures = new ArrayList<>();
            facts.forEach(f -> {
                if (f.state == NodeUpdateState.FAILED) {
                    failures.add(f);
                }
            });
            String message = String.join("; ", failures.stream().map(f -> "node " + f.node.name() + " failed ("
                    + ConditionReason.of(f.reason) + "): " + f.message).toList())
                    + "; fix the cause, then retry with: kubectl annotate node NODE housekeeper.io/retry=1"
                    + " (or change the Update)";
            return new Verdict(RolloutPhase.DEGRADED, ConditionReason.of(failures.get(0).reason), message);
        }
        if (remaining == 0) {
            return new Verdict(RolloutPhase.COMPLETED, null, null);
        }
        return new Verdict(in.update().spec().pauseRequested() ? RolloutPhase.PAUSED : RolloutPhase.PROGRESSING, null,
                null);
    }

    private static Target readTarget(UpdateSpec spec) {
        return new Target(spec.osImage(), spec.kube(), spec.drainTimeoutOrDefault());
    }

    /** Whether the node's report and kubelet are at the target; false without a report (unknown). */
    static boolean atTarget(NodeView n, Target target) {
        if (n.report().isEmpty()) {
            return false;
        }
        NodeReport r = n.report().get();
        boolean os = target.os().isEmpty() || (r.booted() != null && matches(target.os().get(), r));
        boolean kube = target.kube().isEmpty() || n.effectiveKubeletVersion().flatMap(RolloutPlanner::version)
                .map(v -> v.compareTo(target.kube().get()) == 0).orElse(false);
        return os && kube;
    }

    private static boolean matches(ImageReference target, NodeReport r) {
        try {
            return target.matches(r.booted());
        } catch (IllegalArgumentException e) {
            return false; // the agent reported an image we cannot read: not the target
        }
    }

    private static Optional<KubeVersion> version(String text) {
        try {
            return Optional.of(KubeVersion.parse(text));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** Why the Kubernetes target cannot be applied to some node as it is, or null. */
    private static String unsupported(UpdateRef u, Target target, Iterable<Facts> facts) {
        if (target.kube().isEmpty()) {
            return null;
        }
        KubeVersion want = target.kube().get();
        for (Facts f : facts) {
            Optional<KubeVersion> have = f.node.effectiveKubeletVersion().flatMap(RolloutPlanner::version);
            if (have.isEmpty() || have.get().compareTo(want) == 0) {
                continue;
            }
            if (want.compareTo(have.get()) < 0) {
                return "Update " + u.key() + ": kubeVersion " + want + " is older than node " + f.node.name()
                        + "'s kubelet " + have.get() + "; kubeadm cannot downgrade: set kubeVersion to " + have.get()
                        + " or later";
            }
            if (want.skipsMinorFrom(have.get())) {
                return "Update " + u.key() + ": kubeVersion " + want + " skips a minor version from node "
                        + f.node.name() + "'s kubelet " + have.get() + "; kubeadm upgrades one minor version at a time: "
                        + "set kubeVersion to v" + have.get().major() + "." + (have.get().minor() + 1) + ".x first";
            }
        }
        return null;
    }

    /** Classifies one node and adds the actions its current assignment calls for (release, retry, retarget). */
    private static void classify(Facts f, UpdateRef u, Target target, RolloutInput in, boolean drives,
                                 List<NodeAction> decided) {
        // an Update that does not drive the nodes (waiting, or with a target it cannot apply) only reports
        List<NodeAction> actions = drives ? decided : new ArrayList<>();
        NodeView n = f.node;
        Optional<NodeAssignment> a = n.assignment();
        Optional<NodeReport> r = n.report();
        boolean verified = f.atTarget && n.ready();
        boolean reportsOnA = a.isPresent() && r.isPresent() && a.get().id().equals(r.get().assignment());
        AgentState agent = r.map(NodeReport::state).orElse(null);
        boolean retryAnswered = false;

        if (a.isPresent() && current(a.get(), u, target, reportsOnA && agent == AgentState.FAILED)) {
            f.current = true;
            f.selected = true;
            f.state = NodeUpdateState.UPDATING;
            f.step = reportsOnA ? agent : null;
            if (reportsOnA && agent == AgentState.DONE) {
                if (verified) {
                    actions.add(new NodeAction.Release(n.name()));
                    f.selected = false;
                    f.state = NodeUpdateState.UPDATED;
                    f.step = null;
                    f.message = "verified: " + describe(n);
                } else if (n.ready()) {
                    fail(f, FailureReason.VERIFICATION_FAILED, "the agent reported Done but the node runs "
                            + describe(n) + ", not the target " + describeTarget(target));
                } else {
                    f.message = "the agent reported Done; waiting for the node to be Ready";
                }
            } else if (reportsOnA && agent == AgentState.FAILED) {
                FailureReason reason = r.get().failureReason() == null ? FailureReason.AGENT_ERROR
                        : r.get().failureReason();
                fail(f, reason, r.get().message() == null ? "the agent reported a failure without a message"
                        : r.get().message());
            } else if (reportsOnA && (agent == AgentState.REBOOTING || agent == AgentState.UPGRADING_KUBERNETES)
                    && !n.ready() && notReadyTooLong(r.get(), in)) {
                fail(f, FailureReason.NOT_READY_AFTER_REBOOT, "not Ready " + GoDuration.format(in.nodeReadyTimeout())
                        + " after its agent reported " + agent.name().toLowerCase().replace('_', ' ') + " at "
                        + r.get().since());
            } else {
                f.message = reportsOnA ? r.get().message()
                        : "waiting for the agent to take assignment " + a.get().id();
                if (reportsOnA && agent == AgentState.DRAINING) {
                    f.blockedBy = bounded(r.get().blockedBy());
                }
            }
            if (f.state == NodeUpdateState.FAILED && n.retryRequested()) {
                NodeAssignment next = withAttempt(a.get(), a.get().attempt() + 1);
                actions.add(new NodeAction.Assign(n.name(), next, NodeAction.Cause.RETRY));
                retryAnswered = true;
                f.selected = true;
                f.state = NodeUpdateState.UPDATING;
                f.step = null;
                f.reason = null;
                f.message = "retry: attempt " + next.attempt() + " of assignment " + next.id();
            }
        } else if (a.isPresent() && !a.get().update().startsWith(u.namespace() + "/")) {
            // another namespace's operator drives this node: never take its node away
            f.state = NodeUpdateState.PENDING;
            f.message = "assigned by Update " + a.get().update() + " of another namespace; two operators must not "
                    + "manage the same nodes (see --node-selector)";
        } else if (a.isPresent()) {
            // an assignment of an older generation or of another Update of this namespace
            boolean busy = reportsOnA && agent != null && agent.inProgress();
            if (verified && !busy) {
                actions.add(new NodeAction.Release(n.name()));
                f.state = NodeUpdateState.UPDATED;
                f.message = "already at the target: " + describe(n);
            } else if (!drives) {
                f.selected = true;
                f.state = NodeUpdateState.UPDATING;
                f.step = reportsOnA ? agent : null;
                f.message = "holds assignment " + a.get().id() + " of Update " + a.get().update();
            } else {
                NodeAssignment next = assignment(u, target, n, in.nodes(), 1);
                actions.add(new NodeAction.Assign(n.name(), next, NodeAction.Cause.RETARGET));
                retryAnswered = true;
                f.selected = true;
                f.state = NodeUpdateState.UPDATING;
                f.message = "retargeted from assignment " + a.get().id() + " to " + next.id();
            }
        } else if (r.isEmpty()) {
            f.state = NodeUpdateState.PENDING;
            f.noReport = true;
            f.message = n.problem() != null ? n.problem() : "no report from the housekeeper agent yet: is the agent "
                    + "DaemonSet running on this node?";
        } else if (f.atTarget) {
            f.state = NodeUpdateState.UPDATED;
            f.message = "at the target: " + describe(n);
            if (n.upgrading()) {
                actions.add(new NodeAction.Release(n.name())); // a stray upgrading label without an assignment
            }
        } else {
            f.state = NodeUpdateState.PENDING;
            if (!n.ready()) {
                f.message = "NotReady: started once it is Ready";
            } else if (agent != null && agent.inProgress()) {
                f.message = "its agent is still " + agent.name().toLowerCase().replace('_', ' ')
                        + " (a withdrawn assignment); started once it is idle";
            } else {
                f.candidate = true;
                f.message = "runs " + describe(n) + "; target " + describeTarget(target);
            }
        }
        if (n.retryRequested() && !retryAnswered) {
            actions.add(new NodeAction.ClearRetry(n.name()));
        }
    }

    /**
     * Whether an assignment is the Update's current one: made for this generation, or for an older generation of the
     * same Update with the same target (a change of paused, maxUnavailable or revision does not restart nodes in
     * progress). A node that failed an older generation's assignment gets a new one: a new generation resumes it.
     */
    private static boolean current(NodeAssignment a, UpdateRef u, Target target, boolean failed) {
        if (!a.updateUid().equals(u.uid())) {
            return false;
        }
        if (a.generation() == u.generation()) {
            return true;
        }
        return !failed
                && Objects.equals(a.osImageURL(), target.os().isPresent() ? u.spec().osImageURL().strip() : null)
                && Objects.equals(a.kubeVersion(), target.kube().map(KubeVersion::toString).orElse(null))
                && a.evictPodForce() == u.spec().forceEviction()
                && a.drainTimeoutSeconds() == target.drainTimeout().toSeconds();
    }

    private static void fail(Facts f, FailureReason reason, String message) {
        f.state = NodeUpdateState.FAILED;
        f.reason = reason;
        f.message = message;
    }

    private static boolean notReadyTooLong(NodeReport r, RolloutInput in) {
        return Times.parse(r.since()).map(t -> t.plus(in.nodeReadyTimeout()).isBefore(in.now())).orElse(false);
    }

    /**
     * Selects the nodes whose turn has come. Returns null when it selected one (or none is left), else what the next
     * node waits for.
     */
    private static Waiting select(Map<String, Facts> facts, UpdateRef u, Target target, RolloutInput in,
                                   List<NodeAction> actions) {
        List<Facts> all = List.copyOf(facts.values());
        boolean controlPlaneOpen = all.stream()
                .anyMatch(f -> f.node.controlPlane() && f.state != NodeUpdateState.UPDATED);
        List<Facts> candidates;
        int room;
        if (controlPlaneOpen) {
            if (all.stream().anyMatch(f -> f.node.controlPlane() && f.selected)) {
                return new Waiting(ConditionReason.NODES_UPDATING, "updating control-plane node "
                        + all.stream().filter(f -> f.node.controlPlane() && f.selected).findFirst().get().node.name()
                        + " (control-plane nodes go one at a time)");
            }
            Optional<Facts> worker = all.stream().filter(f -> !f.node.controlPlane() && f.selected).findFirst();
            if (worker.isPresent()) {
                // a worker still holds an assignment (given before the target changed): the control plane waits for
                // it, so that the budget holds and the control plane never goes while workers are disrupted
                return new Waiting(ConditionReason.NODES_UPDATING, "control-plane nodes wait for worker "
                        + worker.get().node.name() + " to finish");
            }
            candidates = all.stream().filter(f -> f.node.controlPlane() && f.candidate).toList();
            if (candidates.isEmpty()) {
                return waitReason(all.stream().filter(f -> f.node.controlPlane()
                        && f.state == NodeUpdateState.PENDING).toList());
            }
            candidates = candidates.subList(0, 1);
            room = 1;
        } else {
            int unavailable = (int) all.stream().filter(f -> f.selected || f.node.unavailable()).count();
            room = u.spec().workerBudget() - unavailable;
            candidates = all.stream().filter(f -> !f.node.controlPlane() && f.candidate)
                    .sorted(Comparator.comparing((Facts f) -> f.node.unschedulable() ? 0 : 1)
                            .thenComparing(f -> f.node.name()))
                    .toList();
            if (candidates.isEmpty()) {
                List<Facts> waiting = all.stream().filter(f -> f.state == NodeUpdateState.PENDING).toList();
                return waiting.isEmpty() ? null : waitReason(waiting);
            }
            if (room <= 0 && !candidates.get(0).node.unschedulable()) {
                return new Waiting(ConditionReason.WAITING_FOR_BUDGET, unavailable + " node(s) selected or "
                        + "unavailable, maxUnavailable is " + u.spec().workerBudget() + "; next: "
                        + candidates.get(0).node.name());
            }
        }
        if (!in.etcd().healthy()) {
            return new Waiting(ConditionReason.WAITING_FOR_ETCD, "next node " + candidates.get(0).node.name()
                    + " waits for etcd: " + in.etcd().detail());
        }
        for (Facts f : candidates) {
            // a cordoned, Ready node already counts as unavailable: selecting it costs no budget
            int cost = f.node.unavailable() ? 0 : 1;
            if (cost > room) {
                continue;
            }
            room -= cost;
            NodeAssignment a = assignment(u, target, f.node, in.nodes(), 1);
            actions.add(new NodeAction.Assign(f.node.name(), a, NodeAction.Cause.SELECTED));
            f.selected = true;
            f.candidate = false;
            f.state = NodeUpdateState.UPDATING;
            f.message = "selected for " + describeTarget(target);
        }
        return null;
    }

    private static Waiting waitReason(List<Facts> waiting) {
        if (waiting.isEmpty()) {
            return null;
        }
        Facts first = waiting.get(0);
        return new Waiting(first.noReport ? ConditionReason.WAITING_FOR_AGENTS : ConditionReason.WAITING_FOR_NODES,
                "node " + first.node.name() + ": " + first.message);
    }

    /**
     * The assignment for a node: {@code kubeadm upgrade apply} on the first control-plane node of a Kubernetes upgrade
     * (no other control-plane node runs the target yet), {@code kubeadm upgrade node} on the others, none where the
     * kubelet already runs the target.
     */
    private static NodeAssignment assignment(UpdateRef u, Target target, NodeView n, List<NodeView> all, int attempt) {
        KubeadmUpgrade kubeadm = KubeadmUpgrade.NONE;
        if (target.kube().isPresent()) {
            KubeVersion want = target.kube().get();
            boolean controlPlaneAtTarget = all.stream().filter(x -> x.controlPlane() && !x.name().equals(n.name()))
                    .anyMatch(x -> x.effectiveKubeletVersion().flatMap(RolloutPlanner::version)
                            .map(v -> v.compareTo(want) == 0).orElse(false));
            boolean nodeAtTarget = n.effectiveKubeletVersion().flatMap(RolloutPlanner::version)
                    .map(v -> v.compareTo(want) == 0).orElse(false);
            // a node whose kubelet already runs the target (an OS-only change for it) has no kubeadm step to run
            kubeadm = nodeAtTarget ? KubeadmUpgrade.NONE
                    : n.controlPlane() && !controlPlaneAtTarget ? KubeadmUpgrade.APPLY : KubeadmUpgrade.NODE;
        }
        UpdateSpec s = u.spec();
        return new NodeAssignment(u.key(), u.uid(), u.generation(), attempt,
                target.os().isPresent() ? s.osImageURL().strip() : null,
                target.kube().map(KubeVersion::toString).orElse(null), kubeadm, s.forceEviction(),
                target.drainTimeout().toSeconds(), s.revision());
    }

    private static NodeAssignment withAttempt(NodeAssignment a, int attempt) {
        return new NodeAssignment(a.update(), a.updateUid(), a.generation(), attempt, a.osImageURL(), a.kubeVersion(),
                a.kubeadmUpgrade(), a.evictPodForce(), a.drainTimeoutSeconds(), a.revision());
    }

    private static int count(Map<String, Facts> facts, NodeUpdateState state) {
        return (int) facts.values().stream().filter(f -> f.state == state).count();
    }

    /** The node's entry in the status; its {@code since} stays while state, step and reason stay. */
    private static NodeProgress progress(Facts f, NodeProgress before, Instant now) {
        NodeView n = f.node;
        String since = Times.format(now);
        if (before != null && before.state() == f.state && before.step() == f.step && before.reason() == f.reason
                && before.since() != null) {
            since = before.since();
        }
        String image = n.report().map(NodeReport::booted).map(b -> b.describe()).orElse(null);
        return new NodeProgress(n.name(), n.role(), f.state, f.step, since, image,
                n.effectiveKubeletVersion().orElse(null), f.reason, f.message, f.blockedBy);
    }

    /**
     * A report's blocks within the contract's bounds: the agent writes at most {@link DisruptionBudgetBlock#MAX_BUDGETS}
     * budgets of {@link DisruptionBudgetBlock#MAX_PODS} pods, but a Node's annotation is not proof of that, and each
     * block is copied into the Update's status and may post an Event.
     */
    private static List<DisruptionBudgetBlock> bounded(List<DisruptionBudgetBlock> blocks) {
        return blocks.stream().limit(DisruptionBudgetBlock.MAX_BUDGETS)
                .map(b -> b.pods().size() <= DisruptionBudgetBlock.MAX_PODS ? b : new DisruptionBudgetBlock(b.budget(),
                        b.pods().subList(0, DisruptionBudgetBlock.MAX_PODS), b.since()))
                .toList();
    }

    /** Nodes named in the Progressing message while budgets block their drains; more are counted. */
    private static final int BLOCKED_NODES_NAMED = 3;

    /**
     * "node w-1 draining: blocked by PodDisruptionBudget shop/web since 2026-12-06T12:01:07Z" for each node whose
     * drain a budget blocks now, for the Progressing message; null when none.
     */
    private static String blocked(Iterable<Facts> facts) {
        List<String> parts = new ArrayList<>();
        int more = 0;
        for (Facts f : facts) {
            if (f.blockedBy.isEmpty()) {
                continue;
            }
            if (parts.size() == BLOCKED_NODES_NAMED) {
                more++;
                continue;
            }
            parts.add("node " + f.node.name() + " draining: blocked by " + String.join(", ", f.blockedBy.stream()
                    .map(b -> describe(b) + " since " + b.since()).toList()));
        }
        if (parts.isEmpty()) {
            return null;
        }
        return String.join("; ", parts) + (more > 0 ? "; and " + more + " more node(s) whose drain a "
                + "PodDisruptionBudget blocks" : "");
    }

    private static String describe(DisruptionBudgetBlock b) {
        return b.budget() != null ? "PodDisruptionBudget " + b.budget()
                : "evictions refused (HTTP 429) with no PodDisruptionBudget the agent can read";
    }

    private static List<RolloutEvent> events(UpdateRef u, Map<String, Facts> facts, List<NodeAction> actions,
                                             UpdateStatus previous, RolloutPhase phase, String degradedMessage,
                                             String summary, Target target) {
        List<RolloutEvent> events = new ArrayList<>();
        for (NodeAction action : actions) {
            if (action instanceof NodeAction.Assign a) {
                String what = describeTarget(target) + (a.assignment().kubeadmUpgrade() == KubeadmUpgrade.APPLY
                        ? " (kubeadm upgrade apply: first control-plane node)" : "");
                RolloutEvent.Reason reason = switch (a.cause()) {
                    case SELECTED -> RolloutEvent.Reason.NODE_SELECTED;
                    case RETRY -> RolloutEvent.Reason.NODE_RETRIED;
                    case RETARGET -> RolloutEvent.Reason.NODE_RETARGETED;
                };
                String verb = switch (a.cause()) {
                    case SELECTED -> "selected for ";
                    case RETRY -> "retried (attempt " + a.assignment().attempt() + ") for ";
                    case RETARGET -> "given the new target ";
                };
                events.add(new RolloutEvent(false, reason, a.node(), "Update " + u.key() + ": node " + a.node() + " "
                        + verb + what));
            } else if (action instanceof NodeAction.Release r) {
                Facts f = facts.get(r.node());
                if (f.current) {
                    events.add(new RolloutEvent(false, RolloutEvent.Reason.NODE_UPDATED, r.node(), "Update " + u.key()
                            + ": node " + r.node() + " verified at " + describe(f.node)));
                }
            }
        }
        for (Facts f : facts.values()) {
            NodeProgress before = previous == null ? null : previous.nodes().stream()
                    .filter(p -> p.name().equals(f.node.name())).findFirst().orElse(null);
            for (DisruptionBudgetBlock b : f.blockedBy) {
                // once per node, budget and drain: a block the last status showed, with the same since, was told
                boolean told = before != null && before.blockedBy().stream().anyMatch(p -> Objects.equals(p.budget(),
                        b.budget()) && Objects.equals(p.since(), b.since()));
                if (!told) {
                    events.add(new RolloutEvent(true, RolloutEvent.Reason.DRAIN_BLOCKED, f.node.name(), "Update "
                            + u.key() + ": node " + f.node.name() + " draining: " + describe(b) + " refuses the "
                            + "eviction of " + String.join(", ", b.pods()) + " since " + b.since()
                            + "; the node waits until it allows a disruption or the drain timeout ("
                            + GoDuration.format(target.drainTimeout()) + ") ends"));
                }
            }
        }
        for (Facts f : facts.values()) {
            if (f.state != NodeUpdateState.FAILED) {
                continue;
            }
            boolean known = previous != null && previous.nodes().stream().anyMatch(p -> p.name().equals(f.node.name())
                    && p.state() == NodeUpdateState.FAILED && p.reason() == f.reason);
            if (!known) {
                events.add(new RolloutEvent(true, RolloutEvent.Reason.NODE_FAILED, f.node.name(), "Update " + u.key()
                        + ": node " + f.node.name() + " failed (" + ConditionReason.of(f.reason) + "): " + f.message));
            }
        }
        boolean phaseChanged = previous == null || previous.phase() != phase || previous.observedGeneration() == null
                || previous.observedGeneration() != u.generation();
        if (phaseChanged) {
            switch (phase) {
                case COMPLETED -> events.add(new RolloutEvent(false, RolloutEvent.Reason.ROLLOUT_COMPLETED, null,
                        "Update " + u.key() + " completed: " + summary + " at " + describeTarget(target)));
                case DEGRADED -> events.add(new RolloutEvent(true, RolloutEvent.Reason.ROLLOUT_DEGRADED, null,
                        "Update " + u.key() + " degraded: " + degradedMessage));
                case PAUSED -> events.add(new RolloutEvent(false, RolloutEvent.Reason.ROLLOUT_PAUSED, null,
                        "Update " + u.key() + " paused: " + summary + "; nodes in progress finish"));
                default -> {
                }
            }
        }
        return events;
    }

    private static String describe(NodeView n) {
        String os = n.report().map(NodeReport::booted).map(b -> b.describe()).orElse("an unknown image");
        return os + ", kubelet " + n.effectiveKubeletVersion().orElse("unknown");
    }

    private static String describeTarget(Target t) {
        String os = t.os().map(ImageReference::toString).orElse(null);
        String kube = t.kube().map(v -> "Kubernetes " + v).orElse(null);
        if (os == null && kube == null) {
            return "no change (osImageURL and kubeVersion are empty)";
        }
        return os == null ? kube : kube == null ? os : os + " and " + kube;
    }
}
