package io.nkd.plan;

import io.nkd.config.ClusterSpec;
import io.nkd.config.LoadedCluster;
import io.nkd.config.Snapshot;
import io.nkd.plan.ClusterPlan.Status;
import io.nkd.render.RenderedCluster;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/** Whole-cluster plans: a cluster new in the head (create everything) or gone from it (delete everything). */
final class ClusterChanges {
    private ClusterChanges() {
    }

    static ClusterPlan added(String name, LoadedCluster cluster, RenderedCluster rendered, Snapshot files, List<String> notes) {
        ClusterSpec spec = cluster.spec();
        List<Machine> machines = MachinePlanner.machines(name, spec);
        List<Action> actions = new ArrayList<>();
        actions.add(new Action.CreateCluster(name, spec.infrastructure().provider().wire(), machines.size(),
                cluster.document().file() + " is new: every machine is created and the cluster is bootstrapped with kubeadm "
                        + spec.kubernetes().version() + " on " + (spec.os().image() != null ? spec.os().image() : spec.os().osImageURL())));
        for (var pool : spec.pools()) {
            for (Machine m : MachinePlanner.machines(name, pool)) {
                actions.add(new Action.CreateMachine(name, pool.name(), m, "cluster " + name + " is new"));
            }
        }
        actions.addAll(PoolConfigPlanner.changes(name, null, rendered));
        AddonPlanner.changes(name, null, null, spec, files).ifPresent(actions::add);
        return new ClusterPlan(name, Status.ADDED, new TreeMap<>(), rendered.versions(), notes, actions);
    }

    /**
     * Loud on purpose: deleting a directory is an easy change to make by accident. Add-ons are not listed, they go
     * with the cluster.
     *
     * @param rendered the base rendering, or null when the base was invalid (its machines are then unknown) */
    static ClusterPlan removed(String name, LoadedCluster cluster, RenderedCluster rendered) {
        List<Action> actions = new ArrayList<>();
        String warning = "clusters/" + name + "/ was removed from the repository: nkd destroys every machine of the "
                + "cluster, with its workloads and etcd data. To stop managing the cluster without destroying it, keep "
                + "it and set spec.paused: true instead";
        if (rendered == null) {
            actions.add(new Action.DeleteCluster(name, provider(cluster), 0, warning
                    + " (the base revision of the cluster was invalid, so its machines cannot be listed here)"));
            return new ClusterPlan(name, Status.REMOVED, new TreeMap<>(), new TreeMap<>(), List.of(), actions);
        }
        ClusterSpec spec = cluster.spec();
        actions.add(new Action.DeleteCluster(name, provider(cluster), MachinePlanner.machines(name, spec).size(), warning));
        for (var pool : spec.pools()) {
            for (Machine m : MachinePlanner.machines(name, pool)) {
                actions.add(new Action.DeleteMachine(name, pool.name(), m, "cluster " + name + " was removed"));
            }
        }
        actions.addAll(PoolConfigPlanner.changes(name, rendered, null));
        return new ClusterPlan(name, Status.REMOVED, rendered.versions(), new TreeMap<>(), List.of(), actions);
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
