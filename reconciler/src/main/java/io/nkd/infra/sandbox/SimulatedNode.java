package io.nkd.infra.sandbox;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import io.nkd.housekeeper.api.AgentState;
import io.nkd.housekeeper.api.ImageReference;
import io.nkd.housekeeper.api.NodeAssignment;
import io.nkd.housekeeper.api.OsDeployment;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;

/**
 * One simulated Node and the host under it, as the sandbox keeps it (mutable, guarded by its {@link SimulatedKube};
 * persisted as JSON in {@code STATE_DIR/sandbox/<cluster>.kube.json}). Times are RFC 3339 strings, as on a Node.
 */
@JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.ANY, getterVisibility = JsonAutoDetect.Visibility.NONE,
        isGetterVisibility = JsonAutoDetect.Visibility.NONE)
@JsonIgnoreProperties(ignoreUnknown = true)
final class SimulatedNode {
    String name;
    String pool;
    boolean controlPlane;
    /** When the Node object appeared (the machine's kubelet registered). */
    String joinedAt;
    /** When the Ready condition turned True; null while NotReady (before its first Ready, and while rebooting). */
    String readyAt;
    /** When it last turned NotReady (its join, or a reboot). */
    String notReadySince;
    boolean unschedulable;
    OsDeployment booted;
    OsDeployment staged;
    OsDeployment rollback;
    String kubeletVersion;
    /** The operator's assignment ({@code housekeeper.io/assignment}), or null. */
    NodeAssignment assignment;
    boolean upgrading;
    boolean upgradeCompleted;
    /** The agent's report ({@code housekeeper.io/report}): its state, the assignment it refers to, since when. */
    AgentState agentState = AgentState.IDLE;
    String agentAssignment;
    String agentSince;
    String agentMessage;
    io.nkd.housekeeper.api.FailureReason agentFailure;
    /** While Draining: the simulated PodDisruptionBudgets refusing its evictions (null or empty otherwise). */
    java.util.List<io.nkd.housekeeper.api.DisruptionBudgetBlock> blockedBy;
    boolean cordonedByAgent;
    /** The operator's certificate renewal assignment ({@code housekeeper.io/certificate-renewal}), or null. */
    io.nkd.housekeeper.api.CertificateRenewalAssignment certificateAssignment;
    /** The agent's last certificate renewal report ({@code housekeeper.io/certificate-report}), or null. */
    io.nkd.housekeeper.api.CertificateRenewalReport certificateReport;
    /** A removal (drain before delete) began at this time, or null. */
    String removalStarted;
    /** The Node object was deleted (drained and removed); its machine may still exist until nkd deletes it. */
    boolean deleted;

    SimulatedNode() {
    }

    static SimulatedNode joined(SandboxProvider.Booted machine, Instant now) {
        SimulatedNode n = new SimulatedNode();
        n.name = machine.name();
        n.pool = machine.pool();
        n.controlPlane = machine.controlPlane();
        n.joinedAt = now.toString();
        n.notReadySince = now.toString();
        n.booted = deployment(machine.osImage());
        n.kubeletVersion = machine.kubeletVersion();
        n.agentSince = now.toString();
        n.agentMessage = "no assignment";
        return n;
    }

    /** An rpm-ostree deployment of an image, as rpm-ostree would describe it; null for an image nobody named. */
    static OsDeployment deployment(String image) {
        if (image == null || image.isBlank()) {
            return null;
        }
        String name = image.strip();
        String digest = null;
        try {
            ImageReference ref = ImageReference.parse(image);
            name = ref.name() + (ref.tag() == null ? "" : ":" + ref.tag());
            digest = ref.digest();
        } catch (IllegalArgumentException e) {
            // not an image reference: keep the text, as rpm-ostree would show it
        }
        // the ostree commit a real node would boot: a stable stand-in derived from the image
        return new OsDeployment(name, digest, sha256(image.strip()), null);
    }

    boolean ready(Instant now) {
        return readyAt != null && !Instant.parse(readyAt).isAfter(now);
    }

    private static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
