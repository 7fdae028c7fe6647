package io.nkd.infra.sandbox;

import io.nkd.housekeeper.api.AgentState;
import io.nkd.housekeeper.api.DisruptionBudgetBlock;
import io.nkd.housekeeper.api.FailureReason;
import io.nkd.housekeeper.api.ImageReference;
import io.nkd.housekeeper.api.NodeAssignment;
import io.nkd.housekeeper.api.NodeReport;
import io.nkd.housekeeper.api.OsDeployment;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The Housekeeper's node agent on a simulated host: one step of its sequence per call (cordon, drain, rebase or
 * rollback, reboot, kubeadm upgrade, verify, uncordon), writing its report the way the real agent does
 * (housekeeper/CONTRACT.md). Each step takes one tick of simulated time; a reboot keeps the node NotReady for a tick.
 *
 * <p>A worker's drain is held by the simulated PodDisruptionBudgets that refuse every eviction (see
 * {@link SimulatedKube}): the agent reports them in {@code blockedBy} as the real one does, retries until the drain
 * timeout, then fails with DrainTimeout, or with {@code evictPodForce} deletes the pods and goes on.
 */
final class SimulatedAgent {
    static final String VERSION = "sandbox";

    private SimulatedAgent() {
    }

    /**
     * Moves the node's agent one step on its assignment; nothing to do without one, or once Done or Failed.
     *
     * @param refusingBudgets the simulated PodDisruptionBudgets ("namespace/name") that refuse every eviction from a
     *                        worker node now
     */
    static void step(SimulatedNode n, Instant now, List<String> refusingBudgets) {
        NodeAssignment a = n.assignment;
        if (a == null || n.deleted) {
            return;
        }
        if (!a.id().equals(n.agentAssignment)) {
            // a new assignment (or a new target replacing one in progress): start over from the cordon; a node the
            // agent cordoned for the previous assignment stays its to uncordon
            boolean ours = n.cordonedByAgent && n.unschedulable;
            enter(n, AgentState.CORDONING, now, "cordoning for " + target(a));
            n.agentAssignment = a.id();
            n.cordonedByAgent = ours || !n.unschedulable;
            n.unschedulable = true;
            return;
        }
        switch (n.agentState) {
            case CORDONING -> enter(n, AgentState.DRAINING, now, "draining: evicting pods (drain timeout "
                    + a.drainTimeoutSeconds() + "s)");
            case DRAINING -> {
                if (!drained(n, a, now, refusingBudgets)) {
                    return;
                }
                if (needsOs(n, a)) {
                    boolean rollback = image(a).matches(n.rollback);
                    n.staged = rollback ? n.rollback : SimulatedNode.deployment(a.osImageURL().strip());
                    enter(n, AgentState.STAGING, now, rollback
                            ? "rpm-ostree rollback: the previous deployment is " + n.rollback.describe()
                            : "rpm-ostree rebase --bypass-driver ostree-unverified-registry:" + a.osImageURL().strip());
                } else {
                    afterReboot(n, a, now);
                }
            }
            case STAGING -> {
                // the agent writes Rebooting, then the host goes down: NotReady until it is back
                enter(n, AgentState.REBOOTING, now, "rebooting into " + n.staged.describe());
                n.readyAt = null;
                n.notReadySince = now.toString();
            }
            case REBOOTING -> {
                // back up on the staged deployment; the one before stays as the rollback target
                OsDeployment previous = n.booted;
                n.booted = n.staged;
                n.rollback = previous;
                n.staged = null;
                n.readyAt = now.toString(); // the kubelet is back and posts Ready
                afterReboot(n, a, now);
            }
            case UPGRADING_KUBERNETES -> {
                n.kubeletVersion = a.kubeVersion();
                enter(n, AgentState.VERIFYING, now, "checking the booted image and the kubelet version");
            }
            case VERIFYING -> {
                if (needsOs(n, a) || needsKube(n, a)) {
                    enter(n, AgentState.FAILED, now, "booted " + describe(n.booted) + ", kubelet " + n.kubeletVersion
                            + "; expected " + target(a));
                    n.agentFailure = FailureReason.VERIFICATION_FAILED;
                } else {
                    enter(n, AgentState.UNCORDONING, now, "uncordoning");
                }
            }
            case UNCORDONING -> {
                if (n.cordonedByAgent) {
                    n.unschedulable = false;
                    n.cordonedByAgent = false;
                }
                enter(n, AgentState.DONE, now, "at " + describe(n.booted) + ", kubelet " + n.kubeletVersion);
            }
            default -> {
                // Idle, Done, Failed: nothing until the operator writes a new assignment
            }
        }
    }

    /**
     * The drain of one tick: true when the node is drained. A worker runs one simulated pod per refusing budget
     * ({@code namespace/BUDGET-NODE}); while any refuses, the report names them (each with the time it first refused)
     * and the agent retries until the drain timeout, counted from entering Draining as the real agent counts it.
     */
    private static boolean drained(SimulatedNode n, NodeAssignment a, Instant now, List<String> refusingBudgets) {
        List<String> refusing = n.controlPlane ? List.of() : refusingBudgets;
        List<DisruptionBudgetBlock> before = n.blockedBy == null ? List.of() : n.blockedBy;
        if (refusing.isEmpty()) {
            n.blockedBy = null;
            return true;
        }
        Instant deadline = Instant.parse(n.agentSince).plusSeconds(a.drainTimeoutSeconds());
        List<String> pods = refusing.stream().map(b -> pod(b, n.name)).toList();
        if (!now.isBefore(deadline)) {
            n.blockedBy = null;
            if (a.evictPodForce()) {
                n.agentMessage = "draining: deleted " + String.join(", ", pods) + " without eviction at the drain timeout"
                        + " (evictPodForce); their PodDisruptionBudgets were not honoured";
                return true;
            }
            // as many pods named as a report names budgets: the message goes into the Update's status and nkd's
            int named = Math.min(refusing.size(), DisruptionBudgetBlock.MAX_BUDGETS);
            enter(n, AgentState.FAILED, now, "Draining failed: node " + n.name + ": " + pods.size() + " pod(s) could not"
                    + " be evicted within the drain timeout of " + a.drainTimeoutSeconds() + "s: " + String.join("; ",
                    refusing.stream().limit(named).map(b -> pod(b, n.name) + " (blocked by " + b + ")").toList())
                    + (refusing.size() > named ? "; and " + (refusing.size() - named) + " more" : "") + ". Let the budget"
                    + " allow a disruption (more replicas, or a lower minAvailable), raise drainTimeout, or set"
                    + " evictPodForce on the Update to delete such pods without eviction");
            n.agentFailure = FailureReason.DRAIN_TIMEOUT;
            return false;
        }
        Map<String, String> since = new HashMap<>();
        before.forEach(b -> since.put(b.budget(), b.since()));
        List<DisruptionBudgetBlock> blocks = refusing.stream().limit(DisruptionBudgetBlock.MAX_BUDGETS)
                .map(b -> new DisruptionBudgetBlock(b, List.of(pod(b, n.name)), since.getOrDefault(b,
                        now.truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString())))
                .toList();
        if (!blocks.equals(before)) {
            n.blockedBy = blocks;
            // the real agent's words (and bounds: the budgets beyond the report's are counted, not named)
            n.agentMessage = new io.nkd.housekeeper.agent.drain.DrainRefusals(blocks.stream()
                    .map(b -> new io.nkd.housekeeper.agent.drain.DrainRefusals.Refusal(b, 1)).toList(),
                    refusing.size() - blocks.size(), pods.size(), deadline, a.evictPodForce()).describe();
        }
        return false;
    }

    /** The simulated pod a budget protects on a node. */
    private static String pod(String budget, String node) {
        return budget + "-" + node;
    }

    private static void afterReboot(SimulatedNode n, NodeAssignment a, Instant now) {
        if (needsKube(n, a)) {
            enter(n, AgentState.UPGRADING_KUBERNETES, now, "kubeadm upgrade " + (a.kubeadmUpgrade() == null ? "node"
                    : a.kubeadmUpgrade().toString().toLowerCase(java.util.Locale.ROOT)) + " to " + a.kubeVersion());
        } else {
            enter(n, AgentState.VERIFYING, now, "checking the booted image and the kubelet version");
        }
    }

    private static boolean needsOs(SimulatedNode n, NodeAssignment a) {
        return a.osImageURL() != null && !a.osImageURL().isBlank() && !image(a).matches(n.booted);
    }

    private static boolean needsKube(SimulatedNode n, NodeAssignment a) {
        return a.kubeVersion() != null && !a.kubeVersion().isBlank() && !Objects.equals(a.kubeVersion(), n.kubeletVersion);
    }

    private static ImageReference image(NodeAssignment a) {
        return ImageReference.parse(a.osImageURL());
    }

    private static void enter(SimulatedNode n, AgentState state, Instant now, String message) {
        n.agentState = state;
        n.agentSince = now.toString();
        n.agentMessage = message;
        n.agentFailure = null;
        n.blockedBy = null;
    }

    private static String target(NodeAssignment a) {
        String os = a.osImageURL() == null || a.osImageURL().isBlank() ? null : a.osImageURL().strip();
        String kube = a.kubeVersion() == null || a.kubeVersion().isBlank() ? null : "Kubernetes " + a.kubeVersion();
        return os == null ? String.valueOf(kube) : kube == null ? os : os + " and " + kube;
    }

    private static String describe(OsDeployment d) {
        return d == null ? "an unknown image" : d.describe();
    }

    /**
     * One step of a certificate renewal on a control-plane node (nkd's extension of the contract): Renewing for a tick
     * ({@code kubeadm certs renew all}, the static pod restarts), then Renewed with kubeadm's one-year expiry from then.
     * False when the node has nothing to renew.
     */
    static boolean renew(SimulatedNode n, Instant now) {
        var a = n.certificateAssignment;
        var r = n.certificateReport;
        if (a == null || n.deleted || r != null && r.finished(a.request())) {
            return false;
        }
        if (r == null || !a.request().equals(r.request())) {
            n.certificateReport = new io.nkd.housekeeper.api.CertificateRenewalReport(a.request(),
                    io.nkd.housekeeper.api.CertificateRenewalState.RENEWING, "kubeadm certs renew all, then the control-plane "
                    + "static pods restarted one at a time", now.toString(), r == null ? null : r.notAfter(), null, null);
        } else {
            String until = now.plus(java.time.Duration.ofDays(365)).truncatedTo(java.time.temporal.ChronoUnit.MINUTES).toString();
            n.certificateReport = new io.nkd.housekeeper.api.CertificateRenewalReport(a.request(),
                    io.nkd.housekeeper.api.CertificateRenewalState.RENEWED, "renewed; the earliest expires " + until,
                    now.toString(), until, java.util.List.of(new io.nkd.housekeeper.api.CertificateExpiry("apiserver", until)), null);
        }
        return true;
    }

    /** The report the agent keeps on its Node. */
    static NodeReport report(SimulatedNode n) {
        return new NodeReport(n.booted, n.staged, n.rollback, n.kubeletVersion, n.agentState, n.agentAssignment,
                n.agentFailure, n.agentMessage, n.blockedBy, n.agentSince, n.cordonedByAgent, null, VERSION);
    }
}
