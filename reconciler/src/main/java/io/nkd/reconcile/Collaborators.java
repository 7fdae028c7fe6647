package io.nkd.reconcile;

import io.nkd.config.Infrastructure;
import io.nkd.infra.Provider;
import io.nkd.render.RenderedCluster;
import io.nkd.secrets.ClusterSecrets;
import io.nkd.state.ClusterState;
import java.util.Optional;

/** What the reconcile steps act through: each side effect sits behind one of these. */
public record Collaborators(ClusterSecrets secrets, ConfigPublisher publisher, BootConfigs bootConfigs, Providers providers) {

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
    }

    /** The provider for a cluster's infrastructure settings, if this nkd has one for its type. */
    public interface Providers {
        Optional<Provider> forInfrastructure(Infrastructure infrastructure);
    }
}
