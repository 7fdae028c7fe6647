package io.nkd.plan;

import io.nkd.config.ConfigLoader;
import io.nkd.config.Snapshot;
import io.nkd.report.Entry;
import io.nkd.report.Report;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * Plans the change from one revision of the config repository to another: loads and validates both, and plans
 * every cluster present in either (in name order). Pure: the result is a function of the two snapshots only,
 * so CI needs no credentials, no state directory and no cluster access.
 */
public final class Planner {
    private Planner() {
    }

    public static Plan plan(Snapshot base, Snapshot head) {
        ClusterPlanner.Revision from = new ClusterPlanner.Revision(base, ConfigLoader.load(base));
        ClusterPlanner.Revision to = new ClusterPlanner.Revision(head, ConfigLoader.load(head));
        TreeSet<String> names = new TreeSet<>();
        from.config().clusters().forEach(c -> names.add(c.name()));
        to.config().clusters().forEach(c -> names.add(c.name()));
        List<ClusterPlan> clusters = new ArrayList<>();
        for (String name : names) {
            clusters.add(ClusterPlanner.plan(name, from, to));
        }
        return new Plan(base.revision(), head.revision(), clusters,
                refusals(Action.Refusal.REPOSITORY, Action.Refusal.Kind.INVALID, to.config().report()));
    }

    /** The errors of a report as refusals; a path that is not the root is appended to the message. */
    static List<Action.Refusal> refusals(String cluster, Action.Refusal.Kind kind, Report report) {
        List<Action.Refusal> refusals = new ArrayList<>();
        for (Entry e : report.entries()) {
            if (!e.isError()) {
                continue;
            }
            String message = e.path() != null && !e.path().isRoot() && e.file() != null
                    ? e.message() + " (at " + e.path() + ")" : e.message();
            refusals.add(new Action.Refusal(cluster, kind, e.code(), e.file(),
                    e.location() == null ? 0 : e.location().line(), e.location() == null ? 0 : e.location().column(),
                    Redactor.redact(message)));
        }
        return refusals;
    }

}
