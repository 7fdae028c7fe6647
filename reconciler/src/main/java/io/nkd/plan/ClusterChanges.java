package io.nkd.plan;

import io.nkd.config.ClusterSpec;
import io.nkd.config.LoadedCluster;
import io.nkd.config.Snapshot;
import io.nkd.plan.ClusterPlan.Status;
import io.nkd.render.RenderedCluster;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * Whole-cluster plans: a cluster new in the head (nkd starts managing it and creates everything) or gone from it
 * (nkd stops managing it and deletes nothing, as the daemon does).
 */
final class ClusterChanges {
    private ClusterChanges() {
    }

    static ClusterPlan added(String name, LoadedCluster cluster, RenderedCluster rendered, Snapshot files, List<String> notes) {
        ClusterSpec spec = cluster.spec();
        int machines = io.nkd.config.Topology.nodes(name, spec).size();
        List<Action> actions = new ArrayList<>();
        actions.add(new Action.CreateCluster(name, spec.infrastructure().provider().wire(), machines, DaemonEffects.configs(spec),
                DaemonEffects.configsReason(spec, cluster.document().file() + " is new: nkd generates its secrets, publishes its "
                        + "configs and creates every machine; the first control-plane node bootstraps Kubernetes "
                        + spec.kubernetes().version() + " with kubeadm on " + (spec.os().image() != null ? spec.os().image() : spec.os().osImageURL())
                        + ". If nkd managed a cluster of this name before and its directory was removed, its machines were not "
                        + "deleted: nkd adopts the ones it still has by name and creates only the missing ones (a kept machine "
                        + "whose spec differs is replaced as spec.machinePolicy allows, and one of a pool no longer in Git is "
                        + "an orphan)")));
        actions.addAll(MachinePlanner.added(name, spec).actions());
        actions.addAll(PoolConfigPlanner.changes(name, null, rendered, java.util.Map.of(), spec, false));
        AddonPlanner.changes(name, null, null, spec, files).ifPresent(actions::add);
        return new ClusterPlan(name, Status.ADDED, new TreeMap<>(), rendered.versions(), notes, actions);
    }

    /**
     * What the daemon does with a cluster that is gone from Git: nothing destructive. Listed loudly all the same,
     * because removing a directory is an easy change to make by accident and leaves machines running unmanaged.
     *
     * @param rendered the base rendering, or null when the base was invalid (its machines are then unknown) */
    static ClusterPlan removed(String name, LoadedCluster cluster, RenderedCluster rendered) {
        // the daemon never created machines on infrastructure it has no provider for: there are none to leave running
        boolean provisioned = rendered != null && io.nkd.infra.BuiltInProviders.available(cluster.spec().infrastructure().provider());
        int machines = provisioned ? io.nkd.config.Topology.nodes(name, cluster.spec()).size() : 0;
        String machinesNow = rendered == null
                ? "Its machines, if nkd created any, keep running (the base revision of the cluster was invalid, so they "
                + "cannot be counted here) and are no longer scaled or updated"
                : !provisioned ? "It has no machines to leave behind: " + io.nkd.infra.BuiltInProviders.unavailable(
                        cluster.spec().infrastructure().provider()) + ", so the daemon never created any"
                : "Its " + machines + " machine(s) keep running and are no longer scaled or updated";
        String reason = "clusters/" + name + "/ was removed from the repository: nkd stops managing the cluster and deletes "
                + "nothing. " + machinesNow + "; its secrets, node tokens and state stay in nkd's state directory, and status "
                + "shows the cluster as UNMANAGED (ClusterRemoved). Restoring the directory makes nkd manage it again. To stop "
                + "changes for a while, set spec.paused: true instead. To delete everything nkd created for it, once status shows "
                + "it UNMANAGED, run nkd destroy " + name + " --state-dir DIR (a dry run that lists it all), then nkd destroy " + name
                + " --state-dir DIR --confirm " + name + " (DIR: the daemon's state directory)";
        List<Action> actions = List.of(new Action.UnmanageCluster(name, provider(cluster), machines, reason));
        return new ClusterPlan(name, Status.REMOVED, rendered == null ? new TreeMap<>() : rendered.versions(), new TreeMap<>(),
                List.of(), actions);
    }

    private static String provider(LoadedCluster cluster) {
        var doc = cluster == null ? null : cluster.document().value();
        if (doc == null || doc.spec() == null || doc.spec().infrastructure() == null
                || doc.spec().infrastructure().provider() == null) {
            return "an unknown provider";
        }
        return doc.spec().infrastructure().provider().wire();
    }
}
