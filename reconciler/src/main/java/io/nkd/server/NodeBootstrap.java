package io.nkd.server;

import io.nkd.reconcile.Collaborators;
import io.nkd.render.RenderedCluster;
import io.nkd.state.ClusterState;

/**
 * How the reconciler hands configs to booting nodes: rendered configs go into the Ignition server's content
 * store, and each new machine gets a pointer config with its own token, pinned to the exact bytes it may fetch.
 */
public final class NodeBootstrap implements Collaborators.BootConfigs, Collaborators.ConfigPublisher {
    private final IgnitionContent content;
    private final NodeTokens tokens;
    private final PointerConfigs.Target target;

    public NodeBootstrap(IgnitionContent content, NodeTokens tokens, PointerConfigs.Target target) {
        this.content = content;
        this.tokens = tokens;
        this.target = target;
    }

    @Override
    public void publish(String cluster, RenderedCluster rendered) {
        content.put(cluster, rendered);
    }

    @Override
    public String pointer(ClusterState state, String pool, String node, String poolVersion, String nodeVersion) {
        String cluster = state.cluster();
        ServedConfig poolConfig = content.get(cluster, ConfigKind.POOL, poolVersion).orElseThrow(() ->
                new IllegalStateException("pool config " + poolVersion + " of cluster " + cluster + " was not published"));
        ServedConfig nodeConfig = content.get(cluster, ConfigKind.NODE, nodeVersion).orElseThrow(() ->
                new IllegalStateException("node config " + nodeVersion + " of cluster " + cluster + " was not published"));
        NodeToken token = tokens.issue(state, pool, node);
        return PointerConfigs.pointer(target, poolConfig, nodeConfig, token, PointerConfigs.Options.defaults());
    }

    @Override
    public void revoke(ClusterState state, String node) {
        tokens.revokeNode(state, node);
    }
}
