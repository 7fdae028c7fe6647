package io.nkd.reconcile;

import io.nkd.config.Infrastructure;
import io.nkd.infra.Provider;
import io.nkd.render.RenderedCluster;
import io.nkd.secrets.ClusterSecrets;
import io.nkd.state.ClusterState;
import java.util.Optional;

/** What the reconcile steps act through: each side effect sits behind one of these. */
public record Collaborators(ClusterSecrets secrets, ConfigPublisher publisher, BootConfigs bootConfigs, Providers providers,
                            io.nkd.cluster.WorkloadClusters workloads) {

    /** Without access to the clusters' APIs (tests of provisioning alone). */
    public Collaborators(ClusterSecrets secrets, ConfigPublisher publisher, BootConfigs bootConfigs, Providers providers) {
        this(secrets, publisher, bootConfigs, providers, io.nkd.cluster.WorkloadClusters.NONE);
    }

    /** Makes rendered configs available to booting nodes (the Ignition server's content store). */
    public interface ConfigPublisher {
        /** Called with the cluster's state open (the reconciler holds its lock): what is served is kept there. */
        void publish(ClusterState state, RenderedCluster rendered);

        /**
         * Which of these pool config versions of {@code cluster} cannot be served now (e.g. their stored copy was
         * missing or damaged when nkd restarted): a status that names them must not say Ready.
         */
        default java.util.List<String> unserved(String cluster, java.util.Collection<String> poolVersions) {
            return java.util.List.of();
        }
    }

    /** The pointer config a machine boots with: issues the node's token and pins the versions it may fetch. */
    public interface BootConfigs {
        /** Called with the cluster's state open (the reconciler holds its lock). */
        String pointer(ClusterState state, String pool, String node, String poolVersion, String nodeVersion);

        /** Revokes a deleted node's token so its pointer stops working. */
        void revoke(ClusterState state, String node);

        /**
         * Called on every reconcile with the machines that exist: revokes the tokens of any other node, so live
         * tokens are at most one per existing machine (a machine forgotten by its provider, or lost in a crash
         * between its token and its creation, leaves none behind).
         */
        default void retainOnly(ClusterState state, java.util.Set<String> machines) {
        }

        /** The nodes that hold a live token (their pointer config still opens their configs). */
        default java.util.Set<String> withLiveTokens(ClusterState state) {
            return java.util.Set.of();
        }

        /**
         * Revokes the token of a node that has joined the cluster: its pointer config has done its work, and stops
         * opening the pool config (which holds the cluster's CA keys for a control-plane node). Unlike
         * {@link #revoke}, the record of its fetch stays (the status shows the node as fetched). A machine created
         * again under the name gets a new token with its new pointer.
         */
        default void revokeJoined(ClusterState state, String node) {
        }

        /**
         * The nodes of the cluster that fetched their config from nkd's Ignition server with their token, by node
         * name: the last step of a machine's provisioning (requested → building → active → Ignition fetched), and
         * for bare metal the only sign that a machine exists. Survives restarts (kept in the cluster's state).
         */
        default java.util.Map<String, NodeFetch> fetched(ClusterState state) {
            return java.util.Map.of();
        }
    }

    /**
     * A node's successful fetch of its configs.
     *
     * @param poolVersion the pool config version it fetched ({@code rendered-<pool>-<hash>})
     * @param first       when it first fetched that version
     * @param last        its latest fetch
     */
    public record NodeFetch(String node, String poolVersion, java.time.Instant first, java.time.Instant last) {
    }

    /** The provider for a cluster's infrastructure settings, if this nkd has one for its type. */
    public interface Providers {
        Optional<Provider> forInfrastructure(Infrastructure infrastructure);
    }
}
