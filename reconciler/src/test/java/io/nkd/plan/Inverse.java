package io.nkd.plan;

import java.util.List;
import java.util.Objects;

/**
 * Keys that identify what an action does, and the key of the action that undoes it, so that a test can check
 * that plan(B, A) undoes plan(A, B) exactly: creates become deletes, from and to swap, added pools are removed.
 */
final class Inverse {
    private Inverse() {
    }

    static List<String> keys(Plan plan) {
        return plan.actions().stream().map(a -> key(a, false)).filter(Objects::nonNull).sorted().toList();
    }

    static List<String> inverseKeys(Plan plan) {
        return plan.actions().stream().map(a -> key(a, true)).filter(Objects::nonNull).sorted().toList();
    }

    /** Add-ons have no key: a whole cluster's add-ons go with it, and "apply" is its own inverse. */
    private static String key(Action a, boolean inverse) {
        if (a instanceof Action.CreateCluster c) {
            return (inverse ? "cluster- " : "cluster+ ") + c.cluster() + " " + c.machines();
        } else if (a instanceof Action.UnmanageCluster d) {
            return (inverse ? "cluster+ " : "cluster- ") + d.cluster() + " " + d.machines();
        } else if (a instanceof Action.CreateMachine c) {
            return (inverse ? "machine- " : "machine+ ") + c.cluster() + "/" + c.pool() + "/" + c.machine();
        } else if (a instanceof Action.DeleteMachine d) {
            return (inverse ? "machine+ " : "machine- ") + d.cluster() + "/" + d.pool() + "/" + d.machine();
        } else if (a instanceof Action.OrphanMachine o) {
            return (inverse ? "machine+ " : "machine- ") + o.cluster() + "/" + o.pool() + "/" + o.machine();
        } else if (a instanceof Action.ReplaceMachine r) {
            return "machine~ " + r.cluster() + " " + swap(r.from(), r.to(), inverse);
        } else if (a instanceof Action.UpdatePoolConfig u) {
            Action.UpdatePoolConfig.Change change = !inverse ? u.change()
                    : u.change() == Action.UpdatePoolConfig.Change.ADDED ? Action.UpdatePoolConfig.Change.REMOVED
                    : u.change() == Action.UpdatePoolConfig.Change.REMOVED ? Action.UpdatePoolConfig.Change.ADDED : u.change();
            return "pool " + u.cluster() + "/" + u.pool() + " " + change + " " + swap(u.fromVersion(), u.toVersion(), inverse);
        } else if (a instanceof Action.UpgradeOs o) {
            return "os " + o.cluster() + " " + swap(o.from(), o.to(), inverse);
        } else if (a instanceof Action.UpgradeKubernetes k) {
            return "kubernetes " + k.cluster() + " " + swap(k.from(), k.to(), inverse);
        } else if (a instanceof Action.Refusal r) {
            return "refusal " + r.cluster() + " " + r.code();
        }
        return null;
    }

    private static String swap(Object from, Object to, boolean inverse) {
        return inverse ? to + " → " + from : from + " → " + to;
    }

    /** The changed lines of a diff: "+…" and "-…" without the file headers. */
    static List<String> changedLines(String diff, char sign) {
        return diff.lines().filter(l -> !l.isEmpty() && l.charAt(0) == sign && !l.startsWith("+++ ") && !l.startsWith("--- "))
                .map(l -> l.substring(1)).toList();
    }
}
