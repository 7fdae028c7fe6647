package io.nkd.server;

import io.nkd.reconcile.Collaborators;
import io.nkd.render.RenderedCluster;
import io.nkd.state.ClusterState;
import io.nkd.state.StateException;
import io.nkd.state.StateStore;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How the reconciler hands configs to booting nodes: rendered configs go into the Ignition server's content
 * store, and each new machine gets a pointer config with its own token, pinned to the exact bytes it may fetch.
 *
 * <p>What is served is also kept in each cluster's state ({@link ServedConfigStore}) and {@link #restore restored}
 * when nkd starts, so a restart serves what was served before. The configs a live token's pointer names are kept
 * as long as that token lives, even after newer renderings push them out; everything else is garbage-collected.
 */
public final class NodeBootstrap implements Collaborators.BootConfigs, Collaborators.ConfigPublisher {
    private static final Logger LOG = LoggerFactory.getLogger(NodeBootstrap.class);
    private final IgnitionContent content;
    private final NodeTokens tokens;
    private final PointerConfigs.Target target;

    public NodeBootstrap(IgnitionContent content, NodeTokens tokens, PointerConfigs.Target target) {
        this.content = content;
        this.tokens = tokens;
        this.target = target;
    }

    /**
     * Serves again what every cluster in {@code store} served when nkd stopped. A cluster whose stored configs
     * cannot be read is logged (with the file and what to do) and skipped; the others are served.
     *
     * @return the clusters whose configs could not all be restored, with why
     */
    public Map<String, String> restore(StateStore store) {
        Map<String, String> problems = new LinkedHashMap<>();
        int restored = 0;
        for (String cluster : store.listClusters()) {
            try {
                ServedConfigStore.Loaded loaded = ServedConfigStore.load(store.view(cluster));
                if (!loaded.problems().isEmpty()) {
                    String why = String.join("; ", loaded.problems());
                    problems.put(cluster, why);
                    LOG.error("cluster {}: some configs served before the restart cannot be served again: {}. Restore the"
                            + " state directory from a backup, or push a commit: a reconcile of a valid commit stores them"
                            + " afresh", cluster, why);
                }
                if (!loaded.isEmpty()) {
                    content.restore(cluster, loaded.renderings(), loaded.kept());
                    restored++;
                }
            } catch (StateException e) {
                problems.put(cluster, e.getMessage());
                LOG.error("cluster {}: the configs served before the restart cannot be served again: {}", cluster, e.getMessage());
            }
        }
        if (restored > 0) {
            LOG.info("serving the configs of {} cluster(s) as before the restart", restored);
        }
        return problems;
    }

    /** Per cluster, the version of the served-config index last taken from the store by {@link #refresh}. */
    private final Map<String, Object> refreshed = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * For a replica that does not render (a follower): serves what the shared store holds for every cluster whose
     * index of served configs changed since the last call, and stops serving clusters whose state is gone. An index
     * whose blobs cannot all be read yet (the leader is between writing a new index and removing old blobs, or the
     * other way round) is left for the next call; what was served stays served meanwhile.
     *
     * @return the clusters whose served configs changed
     * @throws StateException when the store cannot be listed (the caller reports it, e.g. in readiness)
     */
    public List<String> refresh(StateStore store) {
        List<String> changed = new java.util.ArrayList<>();
        List<String> clusters = store.listClusters();
        for (String cluster : clusters) {
            if (refresh(store, cluster)) {
                changed.add(cluster);
            }
        }
        for (String gone : new java.util.ArrayList<>(refreshed.keySet())) {
            if (!clusters.contains(gone)) {
                refreshed.remove(gone);
                content.remove(gone);
                changed.add(gone);
            }
        }
        return changed;
    }

    /** Writes the fetch records this replica could not write when nodes fetched (see {@link NodeFetches#retryUnsaved}). */
    public void retryFetchRecords() {
        tokens.fetches().retryUnsaved();
    }

    /** {@link #refresh(StateStore)} of one cluster; returns whether what it serves changed. Never throws for the cluster's state. */
    public boolean refresh(StateStore store, String cluster) {
        try {
            var view = store.view(cluster);
            java.util.Optional<Object> version = view.version(ServedConfigStore.INDEX);
            if (version.isPresent() && version.get().equals(refreshed.get(cluster))) {
                return false;
            }
            ServedConfigStore.Loaded loaded = ServedConfigStore.load(view);
            if (!loaded.problems().isEmpty()) {
                LOG.debug("cluster {}: served configs not refreshed yet: {}", cluster, loaded.problems());
                return false;
            }
            if (loaded.isEmpty() && refreshed.get(cluster) == null && content.renderings(cluster).isEmpty()) {
                version.ifPresent(v -> refreshed.put(cluster, v));
                return false;
            }
            content.restore(cluster, loaded.renderings(), loaded.kept());
            version.ifPresentOrElse(v -> refreshed.put(cluster, v), () -> refreshed.remove(cluster));
            return true;
        } catch (StateException e) {
            LOG.warn("cluster {}: the configs the leader serves cannot be read from the shared state: {}", cluster, e.getMessage());
            return false;
        }
    }

    @Override
    public void publish(ClusterState state, RenderedCluster rendered) {
        String cluster = state.cluster();
        // the configs live pointers name, looked up before the new rendering may push them out of the retained ones
        Map<String, ServedConfig> pinned = new LinkedHashMap<>();
        for (TokenRecord t : tokens.live(state)) {
            if (t.poolVersion() != null) {
                content.get(cluster, ConfigKind.POOL, t.poolVersion()).ifPresent(c -> pinned.put("pool/" + c.version(), c));
            }
            if (t.nodeVersion() != null) {
                content.get(cluster, ConfigKind.NODE, t.nodeVersion()).ifPresent(c -> pinned.put("node/" + c.version(), c));
            }
        }
        content.put(cluster, rendered);
        List<List<ServedConfig>> renderings = content.renderings(cluster);
        Set<String> inRenderings = new HashSet<>();
        renderings.forEach(r -> r.forEach(c -> inRenderings.add(c.kind().segment() + "/" + c.version())));
        content.keep(cluster, pinned.entrySet().stream().filter(e -> !inRenderings.contains(e.getKey())).map(Map.Entry::getValue).toList());
        ServedConfigStore.save(state, renderings, content.kept(cluster));
    }

    @Override
    public List<String> unserved(String cluster, java.util.Collection<String> poolVersions) {
        return poolVersions.stream().filter(v -> content.get(cluster, ConfigKind.POOL, v).isEmpty()).sorted().toList();
    }

    @Override
    public String pointer(ClusterState state, String pool, String node, String poolVersion, String nodeVersion) {
        String cluster = state.cluster();
        ServedConfig poolConfig = content.get(cluster, ConfigKind.POOL, poolVersion).orElseThrow(() ->
                new IllegalStateException("pool config " + poolVersion + " of cluster " + cluster + " was not published"));
        ServedConfig nodeConfig = content.get(cluster, ConfigKind.NODE, nodeVersion).orElseThrow(() ->
                new IllegalStateException("node config " + nodeVersion + " of cluster " + cluster + " was not published"));
        NodeToken token = tokens.issueOnly(state, pool, node, poolVersion, nodeVersion);
        return PointerConfigs.pointer(target, poolConfig, nodeConfig, token, PointerConfigs.Options.defaults());
    }

    @Override
    public void revoke(ClusterState state, String node) {
        tokens.revokeNode(state, node);
        tokens.fetches().forget(state, node);
    }

    @Override
    public Set<String> withLiveTokens(ClusterState state) {
        Set<String> nodes = new java.util.TreeSet<>();
        tokens.live(state).forEach(t -> nodes.add(t.node()));
        return nodes;
    }

    @Override
    public void revokeJoined(ClusterState state, String node) {
        tokens.revokeNode(state, node); // the fetch record stays: the node did fetch its config
    }

    @Override
    public void retainOnly(ClusterState state, Set<String> machines) {
        tokens.retainOnly(state, machines);
        tokens.fetches().retainOnly(state, machines);
    }

    @Override
    public Map<String, Collaborators.NodeFetch> fetched(ClusterState state) {
        return tokens.fetches().fetched(state);
    }
}
