package io.nkd.plan;

import io.nkd.config.ClusterSpec;
import io.nkd.plan.Action.UpdatePoolConfig.Change;
import io.nkd.render.RenderedCluster;
import io.nkd.render.RenderedConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Rendered-config changes per pool. Both sides are rendered with placeholder secrets, which is also what the
 * version ids are computed from: a pool whose version id is unchanged has nothing to show, and a changed one's
 * diff shows exactly what changed and never a secret.
 */
final class PoolConfigPlanner {
    private PoolConfigPlanner() {
    }

    /**
     * @param base     the base rendering, or null when the cluster is new
     * @param existing per pool, the nodes that exist before and after the change (they keep their config)
     * @param spec     the head's spec (a paused cluster publishes nothing)
     * @param targetChanges the OS image or the Kubernetes version changes too (the Update carries that part)
     */
    static List<Action> changes(String cluster, RenderedCluster base, RenderedCluster head, Map<String, List<String>> existing,
                                ClusterSpec spec, boolean targetChanges) {
        Action.Effect effect = DaemonEffects.configs(spec);
        Map<String, RenderedConfig> before = byName(base);
        Map<String, RenderedConfig> after = byName(head);
        Set<String> pools = new LinkedHashSet<>(after.keySet());
        pools.addAll(before.keySet());
        List<Action> actions = new ArrayList<>();
        for (String pool : pools) {
            RenderedConfig from = before.get(pool);
            RenderedConfig to = after.get(pool);
            String file = cluster + "/pools/" + pool + ".ign";
            if (from == null) {
                actions.add(new Action.UpdatePoolConfig(cluster, pool, Change.ADDED, null, to.version(), effect,
                        UnifiedDiff.of("/dev/null", "b/" + file + "\t" + to.version(), List.of(), IgnitionReview.lines(to.config())),
                        DaemonEffects.configsReason(spec, "pool " + pool + " is new; its machines boot with this config")));
            } else if (to == null) {
                actions.add(new Action.UpdatePoolConfig(cluster, pool, Change.REMOVED, from.version(), null, effect, "",
                        DaemonEffects.configsReason(spec, "pool " + pool + " was removed; its config is no longer published")));
            } else if (!from.version().equals(to.version())) {
                actions.add(new Action.UpdatePoolConfig(cluster, pool, Change.CHANGED, from.version(), to.version(), effect,
                        UnifiedDiff.of("a/" + file + "\t" + from.version(), "b/" + file + "\t" + to.version(),
                                IgnitionReview.lines(from.config()), IgnitionReview.lines(to.config())),
                        DaemonEffects.configsReason(spec, existingNodes(pool, from.version(), existing.getOrDefault(pool, List.of()), spec, targetChanges))));
            }
        }
        return actions;
    }

    /**
     * What a changed pool config means for the nodes that exist. Ignition runs only at first boot: a new OS image or
     * Kubernetes version reaches them through the Housekeeper's Update (the UpgradeOs / UpgradeKubernetes actions say
     * when); anything else in the config (Butane snippets) only through a replacement of the machine.
     */
    private static String existingNodes(String pool, String oldVersion, List<String> nodes, ClusterSpec spec, boolean targetChanges) {
        String published = "the Ignition that machines of pool " + pool + " boot with changes (see the diff); nkd publishes it at "
                + "once and machines created from now on boot it";
        if (nodes.isEmpty()) {
            return published;
        }
        if (targetChanges && spec.housekeeper().enabled()) {
            return published + ". The " + nodes.size() + " existing node(s) of the pool get the new OS image and Kubernetes "
                    + "version through the Housekeeper's Update (see the upgrade action); Ignition runs only at first boot, so "
                    + "the rest of this diff (Butane snippets) reaches only machines created or replaced from now on";
        }
        return published + ". Ignition runs only at first boot and no Update carries this change"
                + (spec.housekeeper().enabled() ? "" : " (spec.housekeeper.enabled is false)") + ": the " + nodes.size()
                + " existing node(s) of the pool are marked as needing a replacement and keep running " + oldVersion
                + "; status shows RolloutPending until they are replaced";
    }

    private static Map<String, RenderedConfig> byName(RenderedCluster rendered) {
        Map<String, RenderedConfig> m = new LinkedHashMap<>();
        if (rendered != null) {
            rendered.pools().forEach(p -> m.put(p.name(), p));
        }
        return m;
    }
}
