package io.nkd.reconcile;

import io.nkd.config.Infrastructure;
import io.nkd.infra.Provider;
import io.nkd.render.RenderedCluster;
import io.nkd.secrets.ClusterSecrets;
import java.util.Optional;

/** What the reconcile steps act through: each side effect sits behind one of these. */
public record Collaborators(ClusterSecrets secrets, ConfigPublisher publisher, BootConfigs bootConfigs, Providers providers) {

    /** Makes rendered configs available to booting nodes (the Ignition server's content store). */
    public interface ConfigPublisher {
        void publish(String cluster, RenderedCluster rendered);
    }

    /** The pointer config a machine boots with: issues the node's token and pins the versions it may fetch. */
    public interface BootConfigs {
        String pointer(String cluster, String pool, String node, String poolVersion, String nodeVersion);

        /** Revokes a deleted node's token so its pointer stops working. */
        void revoke(String cluster, String node);
    }

    /** The provider for an infrastructure type, if this nkd has one. */
    public interface Providers {
        Optional<Provider> forType(Infrastructure.Provider type);
    }
}
