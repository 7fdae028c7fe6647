package io.nkd.plan;

import java.util.ArrayList;
import java.util.List;

/** Counts of a plan's (or one cluster's) actions, for summary lines and tables. */
public record Tally(int clustersCreated, int clustersDeleted, int machinesCreated, int machinesReplaced,
                    int machinesDeleted, int poolConfigs, int osUpgrades, int kubernetesUpgrades, int addonChanges,
                    int refusals) {

    public static Tally of(List<? extends Action> actions) {
        int[] n = new int[10];
        for (Action a : actions) {
            n[index(a)]++;
        }
        return new Tally(n[0], n[1], n[2], n[3], n[4], n[5], n[6], n[7], n[8], n[9]);
    }

    private static int index(Action a) {
        if (a instanceof Action.CreateCluster) {
            return 0;
        } else if (a instanceof Action.DeleteCluster) {
            return 1;
        } else if (a instanceof Action.CreateMachine) {
            return 2;
        } else if (a instanceof Action.ReplaceMachine) {
            return 3;
        } else if (a instanceof Action.DeleteMachine) {
            return 4;
        } else if (a instanceof Action.UpdatePoolConfig) {
            return 5;
        } else if (a instanceof Action.UpgradeOs) {
            return 6;
        } else if (a instanceof Action.UpgradeKubernetes) {
            return 7;
        } else if (a instanceof Action.ApplyAddons) {
            return 8;
        } else if (a instanceof Action.Refusal) {
            return 9;
        }
        throw new IllegalArgumentException("unknown action " + a);
    }

    /** {@code 2 machine(s) to create, 1 to replace, …}; "no changes" when empty. */
    public String describe() {
        List<String> parts = new ArrayList<>();
        add(parts, refusals, "refusal(s)");
        add(parts, clustersDeleted, "cluster(s) to DELETE");
        add(parts, clustersCreated, "cluster(s) to create");
        add(parts, machinesCreated, "machine(s) to create");
        add(parts, machinesReplaced, "machine(s) to replace");
        add(parts, machinesDeleted, "machine(s) to delete");
        add(parts, poolConfigs, "pool config(s) to change");
        add(parts, osUpgrades, "OS upgrade(s)");
        add(parts, kubernetesUpgrades, "Kubernetes upgrade(s)");
        add(parts, addonChanges, "add-on change(s)");
        return parts.isEmpty() ? "no changes" : String.join(", ", parts);
    }

    private static void add(List<String> parts, int n, String what) {
        if (n > 0) {
            parts.add(n + " " + what);
        }
    }
}
