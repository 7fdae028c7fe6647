package io.nkd.plan;

import java.util.List;

/**
 * The plan for a terminal: refusals and clusters nkd stops managing first, then per cluster one line per action with its
 * reason below, the rollout, and the unified diffs unindented (so they can be copied into patch tools).
 */
final class TextPrinter {
    private final StringBuilder out = new StringBuilder();

    private TextPrinter() {
    }

    static String print(Plan plan) {
        TextPrinter p = new TextPrinter();
        p.plan(plan);
        return p.out.toString();
    }

    private void plan(Plan plan) {
        line("nkd plan: base " + PlanFormat.abbreviate(plan.baseRevision()) + " → head " + PlanFormat.abbreviate(plan.headRevision()));
        line("Plan: " + PlanFormat.summary(plan) + "; " + PlanFormat.verdict(plan));
        List<Action.Refusal> refusals = plan.actions().stream().filter(Action.Refusal.class::isInstance)
                .map(Action.Refusal.class::cast).toList();
        if (!refusals.isEmpty()) {
            line("");
            line("REFUSED (nothing else is planned for these clusters until this is fixed):");
            refusals.forEach(r -> line("  ! " + r.summary()));
        }
        List<Action.UnmanageCluster> unmanaged = plan.clusters().stream()
                .flatMap(c -> c.actions(Action.UnmanageCluster.class).stream()).toList();
        if (!unmanaged.isEmpty()) {
            line("");
            unmanaged.forEach(d -> line("!!! " + d.summary()));
        }
        for (ClusterPlan c : plan.clusters()) {
            line("");
            cluster(c);
        }
    }

    private void cluster(ClusterPlan c) {
        if (c.status() == ClusterPlan.Status.UNCHANGED) {
            line("Cluster " + c.cluster() + ": unchanged (" + String.join(", ", c.headVersions().values()) + ")");
            c.notes().forEach(n -> line("  note: " + n));
            return;
        }
        if (c.status() == ClusterPlan.Status.REFUSED) {
            line("Cluster " + c.cluster() + ": refused, see REFUSED above");
            return;
        }
        line("Cluster " + c.cluster() + ": " + c.status() + " (" + PlanFormat.summary(Tally.of(c.actions()), true) + ")");
        c.notes().forEach(n -> line("  note: " + n));
        for (Action a : c.actions()) {
            line("  " + marker(a) + " " + (a.effect() == Action.Effect.NOT_APPLIED ? "(not applied) " : "") + a.summary());
            line("      " + a.reason());
        }
        for (Rollout r : c.rollouts()) {
            line("  rollout of " + r.nodeCount() + " existing node(s) " + r.driver() + ", starting " + r.gate() + ", in this order:");
            r.batches().forEach(b -> line("      " + b.number() + ". " + b.role() + ": " + String.join(", ", b.nodes())));
            if (r.batches().isEmpty()) {
                line("      (no existing nodes to upgrade)");
            }
        }
        for (Action a : c.actions()) {
            String diff = diff(a);
            if (!diff.isEmpty()) {
                line("");
                out.append(diff);
            }
        }
    }

    static String marker(Action a) {
        if (a instanceof Action.CreateCluster || a instanceof Action.CreateMachine) {
            return "+";
        } else if (a instanceof Action.UnmanageCluster) {
            return "!!!";
        } else if (a instanceof Action.DeleteMachine || a instanceof Action.OrphanMachine) {
            return "-";
        } else if (a instanceof Action.UpdatePoolConfig) {
            return "~";
        } else if (a instanceof Action.ReplaceMachine) {
            return "-/+";
        } else if (a instanceof Action.UpgradeOs || a instanceof Action.UpgradeKubernetes) {
            return "^";
        } else if (a instanceof Action.ApplyAddons) {
            return ">";
        } else if (a instanceof Action.Refusal) {
            return "!";
        }
        throw new IllegalArgumentException("unknown action " + a);
    }

    /** The unified diff an action carries, or "". */
    static String diff(Action a) {
        if (a instanceof Action.UpdatePoolConfig u) {
            return u.diff();
        } else if (a instanceof Action.ApplyAddons x) {
            return x.diff();
        }
        return "";
    }

    private void line(String s) {
        out.append(s).append('\n');
    }
}
