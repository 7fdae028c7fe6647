package io.nkd.infra.sandbox;

import io.nkd.housekeeper.api.AgentState;
import io.nkd.housekeeper.api.FailureReason;
import io.nkd.housekeeper.api.ImageReference;
import io.nkd.housekeeper.api.NodeAssignment;
import io.nkd.housekeeper.api.NodeReport;
import io.nkd.housekeeper.api.OsDeployment;
import java.time.Instant;
import java.util.Objects;

/**
 * The Housekeeper's node agent on a simulated host: one step of its sequence per call (cordon, drain, rebase or
 * rollback, reboot, kubeadm upgrade, verify, uncordon), writing its report the way the real agent does
 * (housekeeper/CONTRACT.md). Each step takes one tick of simulated time; a reboot keeps the node NotReady for a tick.
 */
final class SimulatedAgent {
    static final String VERSION = "sandbox";

    private SimulatedAgent() {
    }

    /** Moves the node's agent one step on its assignment; nothing to do without one, or once Done or Failed. */
    static void step(SimulatedNode n, Instant now) {
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
                n.agentFailure, n.agentMessage, n.agentSince, n.cordonedByAgent, null, VERSION);
    }
}
