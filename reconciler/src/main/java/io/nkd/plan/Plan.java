package io.nkd.plan;

import java.util.ArrayList;
import java.util.List;

/**
 * Everything merging head into base would do, per cluster, plus problems of the repository as a whole.
 *
 * @param repositoryErrors problems of the head revision that belong to no cluster (image catalogs)
 */
public record Plan(String baseRevision, String headRevision, List<ClusterPlan> clusters,
                   List<Action.Refusal> repositoryErrors) {

    /** Nothing to do. */
    public static final int EXIT_NO_CHANGES = 0;
    /** The head is invalid or a step is refused: the change must not be merged as it is. */
    public static final int EXIT_ERRORS = 1;
    /** There is something to apply; review it. */
    public static final int EXIT_CHANGES = 2;

    public Plan {
        clusters = List.copyOf(clusters);
        repositoryErrors = List.copyOf(repositoryErrors);
    }

    /** Every action of every cluster (repository errors first), in plan order. */
    public List<Action> actions() {
        List<Action> all = new ArrayList<>(repositoryErrors);
        clusters.forEach(c -> all.addAll(c.actions()));
        return all;
    }

    public boolean hasErrors() {
        return actions().stream().anyMatch(Action.Refusal.class::isInstance);
    }

    /**
     * Any action to apply, or a cluster changed without one: spec.machinePolicy turning on lets the daemon replace or
     * prune machines of earlier commits, which a plan against the base revision cannot list but a reviewer must see.
     */
    public boolean hasChanges() {
        return actions().stream().anyMatch(a -> !(a instanceof Action.Refusal))
                || clusters.stream().anyMatch(c -> c.status() == ClusterPlan.Status.CHANGED);
    }

    /** 1 when anything is refused (even if other clusters have changes), else 2 with changes, else 0. */
    public int exitCode() {
        return hasErrors() ? EXIT_ERRORS : hasChanges() ? EXIT_CHANGES : EXIT_NO_CHANGES;
    }

    public Tally tally() {
        return Tally.of(actions());
    }
}
