package io.nkd.status;

import io.nkd.housekeeper.api.AgentState;
import io.nkd.housekeeper.api.DisruptionBudgetBlock;
import io.nkd.housekeeper.api.NodeRole;
import io.nkd.housekeeper.api.NodeUpdateState;
import io.nkd.housekeeper.api.RolloutPhase;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The rollout of OS image and Kubernetes version changes through the Housekeeper: the Update nkd wrote (or would
 * write) and what the Housekeeper reports of it. Null in a status while the Housekeeper is not used
 * (spec.housekeeper.enabled false) or before nkd first reached the cluster's API.
 *
 * @param update           the Update object, {@code namespace/name}
 * @param revision         the commit that last changed the Update's spec (null while none was written)
 * @param targetImage      the OS image the Update asks for (the one in the cluster, not a target still waiting)
 * @param targetKubernetes the Kubernetes version it asks for
 * @param phase            the Housekeeper's phase of it, as it reports it; null until it reports on this spec
 * @param waiting          why the applied commit's target is not written yet (a maintenance window, upgrades
 *                         paused) or why the rollout does not move (the Housekeeper has not reported), or null
 * @param nodes            each node: current image and Kubernetes version, state, since
 * @param opensAt          when the next maintenance window opens (nkd writes the Update then), or null
 * @param message          the Housekeeper's own words (the Degraded condition names the failed node), or null
 * @param observed         the Housekeeper's status describes the Update's current spec (observedGeneration)
 * @param flavor           "nkd" or "nestos" (the NestOS Housekeeper writes no status: nodes come from Kubernetes)
 * @param poolVersions     the pool configs of the commit that wrote the target: a node that fetched an older config
 *                         and is at the target counts as up to date only while its pool config is still this one
 *                         (a later change of Butane snippets needs a replacement, as the plan says)
 * @param startedAt        when nkd wrote the current target
 * @param completedAt      when the Housekeeper reported every node at it
 * @param certificateRenewal the renewal of the control-plane nodes' kubeadm certificates as the Housekeeper reports it
 *                         (nkd certs renew), or null when none was asked for
 * @param maxUnavailable   how many worker nodes the Update lets the Housekeeper take down at once (its batch: control-plane
 *                         nodes go one at a time, first), or null when nkd wrote no Update
 */
public record RolloutStatus(String update, String revision, String targetImage, String targetKubernetes, RolloutPhase phase,
                            String waiting, List<Node> nodes, Instant opensAt, String message, boolean observed,
                            String flavor, Map<String, String> poolVersions, Instant startedAt, Instant completedAt,
                            io.nkd.housekeeper.api.CertificateRenewalStatus certificateRenewal, Integer maxUnavailable) {
    public RolloutStatus {
        nodes = nodes == null ? List.of() : List.copyOf(nodes);
        poolVersions = poolVersions == null ? Map.of() : Map.copyOf(poolVersions);
    }

    /** Without the batch size. */
    public RolloutStatus(String update, String revision, String targetImage, String targetKubernetes, RolloutPhase phase,
                         String waiting, List<Node> nodes, Instant opensAt, String message, boolean observed,
                         String flavor, Map<String, String> poolVersions, Instant startedAt, Instant completedAt,
                         io.nkd.housekeeper.api.CertificateRenewalStatus certificateRenewal) {
        this(update, revision, targetImage, targetKubernetes, phase, waiting, nodes, opensAt, message, observed, flavor,
                poolVersions, startedAt, completedAt, certificateRenewal, null);
    }

    /** Without a certificate renewal. */
    public RolloutStatus(String update, String revision, String targetImage, String targetKubernetes, RolloutPhase phase,
                         String waiting, List<Node> nodes, Instant opensAt, String message, boolean observed,
                         String flavor, Map<String, String> poolVersions, Instant startedAt, Instant completedAt) {
        this(update, revision, targetImage, targetKubernetes, phase, waiting, nodes, opensAt, message, observed, flavor,
                poolVersions, startedAt, completedAt, null);
    }

    public RolloutStatus(String update, String revision, String targetImage, String targetKubernetes, RolloutPhase phase,
                         String waiting, List<Node> nodes) {
        this(update, revision, targetImage, targetKubernetes, phase, waiting, nodes, null, null, phase != null, "nkd",
                null, null, null);
    }

    /** The node of that name, if the Update lists it. */
    public java.util.Optional<Node> node(String name) {
        return nodes.stream().filter(n -> n.name().equals(name)).findFirst();
    }

    /**
     * One node's way to the target: current → target, its state and since when.
     *
     * @param step the Housekeeper agent's step while updating (or the step that failed), or null
     * @param role control plane or worker, as the Housekeeper reports it (null with the NestOS Housekeeper, which reports
     *             no progress)
     * @param blockedBy while the node drains: the PodDisruptionBudgets refusing its evictions now, as its agent reports
     *             them (empty otherwise)
     */
    public record Node(String name, String currentImage, String currentKubernetes, NodeUpdateState state, Instant since,
                       String message, AgentState step, NodeRole role,
                       @com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_EMPTY)
                       List<DisruptionBudgetBlock> blockedBy) {
        public Node {
            blockedBy = blockedBy == null ? List.of() : List.copyOf(blockedBy);
        }

        public Node(String name, String currentImage, String currentKubernetes, NodeUpdateState state, Instant since,
                    String message) {
            this(name, currentImage, currentKubernetes, state, since, message, null, null, List.of());
        }

        public Node(String name, String currentImage, String currentKubernetes, NodeUpdateState state, Instant since,
                    String message, AgentState step) {
            this(name, currentImage, currentKubernetes, state, since, message, step, null, List.of());
        }
    }
}
