package io.nkd.status;

import io.nkd.config.Infrastructure;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * What nkd knows about one cluster, as stored in its state and served at /api/v1/clusters/NAME.
 *
 * @param appliedRevision the last commit whose desired state was applied successfully (full id)
 * @param attemptedRevision the last commit nkd tried (differs from appliedRevision after a failure)
 * @param provider where the cluster's machines come from, as its cluster.yaml says (the latest commit nkd could read;
 *                 a cluster cannot change provider), or null before nkd read one
 */
public record ClusterStatus(String name, String appliedRevision, String attemptedRevision, Phase phase,
                            List<Condition> conditions, List<PoolStatus> pools, List<NodeStatus> nodes,
                            LastError lastError, Instant appliedAt, Instant updatedAt, KubernetesStatus kubernetes,
                            AddonsStatus addons, RolloutStatus rollout, Infrastructure.ProviderType provider) {

    /** A status without what nkd saw inside the cluster (its API, add-ons, rollout): before bootstrap, or unreadable. */
    public ClusterStatus(String name, String appliedRevision, String attemptedRevision, Phase phase, List<Condition> conditions,
                         List<PoolStatus> pools, List<NodeStatus> nodes, LastError lastError, Instant appliedAt, Instant updatedAt) {
        this(name, appliedRevision, attemptedRevision, phase, conditions, pools, nodes, lastError, appliedAt, updatedAt, null, null, null, null);
    }

    /** A status whose provider is not known. */
    public ClusterStatus(String name, String appliedRevision, String attemptedRevision, Phase phase, List<Condition> conditions,
                         List<PoolStatus> pools, List<NodeStatus> nodes, LastError lastError, Instant appliedAt, Instant updatedAt,
                         KubernetesStatus kubernetes, AddonsStatus addons, RolloutStatus rollout) {
        this(name, appliedRevision, attemptedRevision, phase, conditions, pools, nodes, lastError, appliedAt, updatedAt, kubernetes,
                addons, rollout, null);
    }

    /**
     * Where a cluster stands, in one word. The Ready condition follows from it (see StatusComputer, the one place
     * that sets both): READY only with Ready=True; PENDING, PAUSED and UNMANAGED with Ready=Unknown; the others
     * with Ready=False.
     */
    public enum Phase {
        /** Not reconciled yet. */
        PENDING,
        /** The applied commit's machines are being created or are booting. */
        PROVISIONING,
        /** Every node runs its desired config. */
        READY,
        /**
         * Every machine runs, but some nodes run an older config than the applied commit's: updating running nodes
         * needs a rollout, which goes through the Housekeeper (nkd does not drive it yet). New machines boot the desired config.
         */
        ROLLOUT_PENDING,
        /** Running, but the latest commit failed (the last good one stays applied) or a machine failed. */
        DEGRADED,
        /** spec.paused is true in Git: nkd changes nothing. */
        PAUSED,
        /** Nothing applied yet, and the latest commit failed. */
        FAILED,
        /** The cluster was removed from Git: nkd no longer manages it and deleted nothing. */
        UNMANAGED,
        /** nkd cannot tell: the cluster's status file is unreadable (the Ready condition names it). */
        UNKNOWN
    }

    public record PoolStatus(String name, String renderedVersion) {
    }

    /**
     * A node: the config it should run (desired), the one it fetched (current), and where its machine stands.
     *
     * @param currentVersion the pool config version the node fetched from nkd's Ignition server (or that its provider
     *                       knows it booted), null until then
     * @param phase          requested → building → active → fetched → joined → ready (not_ready once a Ready node is
     *                       not), or failed / deleting
     * @param kubernetes     its Node object in the cluster's API, null while nkd has not seen one
     * @param since          when the machine entered that phase (as far as nkd saw)
     * @param message        the provider's own words about the machine (a fault, a refusal), or what nkd waits for
     */
    @com.fasterxml.jackson.annotation.JsonIgnoreProperties(ignoreUnknown = true) // "state" of nkd before 0.5
    public record NodeStatus(String name, String pool, String desiredVersion, String currentVersion, MachinePhase phase,
                             Instant since, String message, NodeKubernetes kubernetes) {
        /** A node nkd has not seen in the cluster's API (yet). */
        public NodeStatus(String name, String pool, String desiredVersion, String currentVersion, MachinePhase phase,
                          Instant since, String message) {
            this(name, pool, desiredVersion, currentVersion, phase, since, message, null);
        }
    }

    /**
     * The node's Node object as nkd last read it from the cluster's API.
     *
     * @param ready          its Ready condition is True
     * @param reason         the Ready condition's reason (KubeletReady, KubeletNotReady, NodeStatusUnknown), null if none
     * @param message        the Ready condition's message
     * @param since          the Ready condition's last transition
     * @param kubeletVersion status.nodeInfo.kubeletVersion
     * @param osImage        status.nodeInfo.osImage
     */
    public record NodeKubernetes(boolean ready, String reason, String message, Instant since, String kubeletVersion,
                                 String osImage) {
    }

    /**
     * Why the latest commit failed.
     *
     * @param attempts how many reconciles in a row failed (1 for the first failure)
     * @param retryAt  when nkd tries again (exponential backoff), or null when it waits for a new commit
     */
    public record LastError(String revision, String reason, String message, Instant time, int attempts, Instant retryAt) {
        public LastError(String revision, String reason, String message, Instant time) {
            this(revision, reason, message, time, 0, null);
        }
    }

    public ClusterStatus {
        conditions = conditions == null ? List.of() : List.copyOf(conditions);
        pools = pools == null ? List.of() : List.copyOf(pools);
        nodes = nodes == null ? List.of() : List.copyOf(nodes);
    }

    public static ClusterStatus initial(String name) {
        return new ClusterStatus(name, null, null, Phase.PENDING, List.of(), List.of(), List.of(), null, null, null);
    }

    /** This status with what nkd saw inside the cluster replaced (its API and Nodes, add-ons, rollout). */
    public ClusterStatus withInside(KubernetesStatus kubernetes, AddonsStatus addons, RolloutStatus rollout) {
        return new ClusterStatus(name, appliedRevision, attemptedRevision, phase, conditions, pools, nodes, lastError, appliedAt,
                updatedAt, kubernetes, addons, rollout, provider);
    }

    public Condition condition(String type) {
        return conditions.stream().filter(c -> c.type().equals(type)).findFirst().orElse(null);
    }

    /**
     * This status with one condition set; the others are kept. The transition time moves only when the
     * condition's status changes, as Kubernetes conditions do.
     */
    public ClusterStatus withCondition(Condition c, Instant now) {
        List<Condition> list = new ArrayList<>(conditions);
        Condition old = condition(c.type());
        Instant transition = old != null && old.status() == c.status() ? old.lastTransitionTime() : now;
        Condition updated = new Condition(c.type(), c.status(), c.reason(), c.message(), c.observedRevision(), transition);
        if (old == null) {
            list.add(updated);
        } else {
            list.set(list.indexOf(old), updated);
        }
        return new ClusterStatus(name, appliedRevision, attemptedRevision, phase, list, pools, nodes, lastError, appliedAt, updatedAt,
                kubernetes, addons, rollout, provider);
    }
}
