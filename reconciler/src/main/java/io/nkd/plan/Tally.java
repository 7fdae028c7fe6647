package io.nkd.plan;

import java.util.ArrayList;
import java.util.List;

/**
 * Counts of a plan's (or one cluster's) actions, for summary lines and tables.
 *
 * @param machinesReplaced every planned replacement, carried out or held (held ones count in notApplied too)
 * @param orphansPruned    orphan machines the daemon deletes (spec.machinePolicy.prune is true)
 * @param orphansKept      orphan machines that keep running
 * @param notApplied       the changes (not refusals) that the daemon does not carry out, see {@link Action.Effect}
 */
public record Tally(int clustersCreated, int clustersUnmanaged, int machinesCreated, int machinesReplaced,
                    int machinesDeleted, int orphansPruned, int orphansKept, int poolConfigs, int osUpgrades,
                    int kubernetesUpgrades, int addonChanges, int refusals, int notApplied) {

    public static Tally of(List<? extends Action> actions) {
        int[] n = new int[12];
        int notApplied = 0;
        for (Action a : actions) {
            n[index(a)]++;
            if (!(a instanceof Action.Refusal) && a.effect() == Action.Effect.NOT_APPLIED) {
                notApplied++;
            }
        }
        return new Tally(n[0], n[1], n[2], n[3], n[4], n[5], n[6], n[7], n[8], n[9], n[10], n[11], notApplied);
    }

    private static int index(Action a) {
        if (a instanceof Action.CreateCluster) {
            return 0;
        } else if (a instanceof Action.UnmanageCluster) {
            return 1;
        } else if (a instanceof Action.CreateMachine) {
            return 2;
        } else if (a instanceof Action.ReplaceMachine) {
            return 3;
        } else if (a instanceof Action.DeleteMachine) {
            return 4;
        } else if (a instanceof Action.OrphanMachine o) {
            return o.pruned() ? 5 : 6;
        } else if (a instanceof Action.UpdatePoolConfig) {
            return 7;
        } else if (a instanceof Action.UpgradeOs) {
            return 8;
        } else if (a instanceof Action.UpgradeKubernetes) {
            return 9;
        } else if (a instanceof Action.ApplyAddons) {
            return 10;
        } else if (a instanceof Action.Refusal) {
            return 11;
        }
        throw new IllegalArgumentException("unknown action " + a);
    }

    /** {@code 2 machine(s) to create, 1 to replace, …}; "no changes" when empty. */
    public String describe() {
        List<String> parts = new ArrayList<>();
        add(parts, refusals, "refusal(s)");
        add(parts, clustersUnmanaged, "cluster(s) to STOP MANAGING (nothing deleted)");
        add(parts, clustersCreated, "cluster(s) to create");
        add(parts, machinesCreated, "machine(s) to create");
        add(parts, machinesReplaced, "machine(s) to replace");
        add(parts, machinesDeleted, "machine(s) to delete");
        add(parts, orphansPruned, "orphan machine(s) to prune");
        add(parts, orphansKept, "orphan machine(s) kept");
        add(parts, poolConfigs, "pool config(s) to change");
        add(parts, osUpgrades, "OS upgrade(s)");
        add(parts, kubernetesUpgrades, "Kubernetes upgrade(s)");
        add(parts, addonChanges, "add-on change(s)");
        if (parts.isEmpty()) {
            return "no changes";
        }
        return String.join(", ", parts) + (notApplied == 0 ? "" : " (" + notApplied + " not applied, see each reason)");
    }

    private static void add(List<String> parts, int n, String what) {
        if (n > 0) {
            parts.add(n + " " + what);
        }
    }
}
