package io.nkd.reconcile;

import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Revokes the node token of every node that has joined the cluster (its Node object exists, as ObserveCluster read it,
 * and it fetched its configs from nkd's Ignition server):
 * a pointer config is readable from the machine's metadata by any process on the node and by the provider's admins,
 * and the pool config it opens carries, for a control-plane node, the cluster's CA keys. Once the node has joined,
 * nothing needs that pointer any more: Ignition runs only at first boot. The record of the node's fetch stays, so the
 * status keeps showing what it fetched; a machine created again under the name gets a new token with its new pointer.
 */
record RevokeJoinedTokens(Collaborators c) implements Step {
    private static final Logger LOG = LoggerFactory.getLogger(RevokeJoinedTokens.class);

    @Override
    public String name() {
        return "RevokeJoinedTokens";
    }

    @Override
    public boolean run(Scope s) {
        if (s.kubeNodes.isEmpty()) {
            return true;
        }
        Set<String> joined = new TreeSet<>(c.bootConfigs().withLiveTokens(s.state));
        joined.retainAll(s.kubeNodes.keySet());
        // and fetched its configs: a Node left behind by a machine deleted without draining must not revoke the token
        // of the new machine created under its name before that one has booted
        joined.retainAll(c.bootConfigs().fetched(s.state).keySet());
        for (String node : joined) {
            c.bootConfigs().revokeJoined(s.state, node);
            LOG.info("cluster={} commit={} node={}: joined the cluster; revoked its node token (its pointer config no longer "
                    + "opens its configs)", s.cluster, Steps.shortId(s.revision), node);
        }
        return true;
    }
}
