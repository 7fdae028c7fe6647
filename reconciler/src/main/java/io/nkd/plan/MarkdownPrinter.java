package io.nkd.plan;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The plan as a pull-request comment (GitHub and GitLab Markdown): refusals and clusters nkd stops managing at the top,
 * a summary table, one section per changed cluster, and each diff in a collapsed {@code <details>} block with a
 * {@code diff} fence. A hidden marker lets CI find and update its previous comment. Diffs are cut to keep the
 * comment under the size a forge accepts; the rest of the plan is always complete.
 */
final class MarkdownPrinter {
    /** GitHub rejects comments over 65,536 characters; this leaves room for what CI adds around the plan. */
    static final int GITHUB_COMMENT_BUDGET = 60_000;
    static final String MARKER = "<!-- nkd-plan -->";
    private static final Pattern BACKTICKS = Pattern.compile("`+");

    private final int budget;
    private StringBuilder out;
    private int diffAllowance;
    private Plan plan;

    MarkdownPrinter(int budget) {
        this.budget = budget;
    }

    String print(Plan plan) {
        this.plan = plan;
        String full = render(Integer.MAX_VALUE);
        if (full.length() <= budget) {
            return full;
        }
        List<String> diffs = plan.actions().stream().map(TextPrinter::diff).filter(d -> !d.isEmpty()).toList();
        int diffChars = diffs.stream().mapToInt(String::length).sum();
        // each cut diff gains a note of about 200 characters
        return render(Math.max(0, budget - (full.length() - diffChars) - 200 * diffs.size()));
    }

    private String render(int allowance) {
        out = new StringBuilder();
        diffAllowance = allowance;
        line(MARKER);
        line("### nkd plan: " + (plan.hasErrors() ? "⛔ refused" : plan.hasChanges() ? "📝 changes to review" : "✅ no changes"));
        line("");
        line("Base " + code(PlanFormat.abbreviate(plan.baseRevision())) + " → head " + code(PlanFormat.abbreviate(plan.headRevision()))
                + " · " + esc(PlanFormat.summary(plan)) + " · exit " + plan.exitCode());
        refusals();
        deletions();
        summaryTable();
        plan.clusters().stream().filter(c -> c.status() != ClusterPlan.Status.UNCHANGED && c.status() != ClusterPlan.Status.REFUSED)
                .forEach(this::cluster);
        return out.toString();
    }

    private void refusals() {
        List<Action.Refusal> refusals = plan.actions().stream().filter(Action.Refusal.class::isInstance)
                .map(Action.Refusal.class::cast).toList();
        if (refusals.isEmpty()) {
            return;
        }
        line("");
        line("#### ⛔ Refused");
        line("");
        line("Nothing else is planned for these clusters until this is fixed.");
        line("");
        line("| cluster | where | problem |");
        line("|---|---|---|");
        refusals.forEach(r -> line("| " + code(r.cluster()) + " | " + code(r.location()) + " | " + esc(r.message())
                + " (" + code(r.code()) + ") |"));
    }

    private void deletions() {
        List<Action.UnmanageCluster> unmanaged = plan.clusters().stream()
                .flatMap(c -> c.actions(Action.UnmanageCluster.class).stream()).toList();
        if (unmanaged.isEmpty()) {
            return;
        }
        line("");
        line("#### ⚠️ Clusters nkd stops managing");
        for (Action.UnmanageCluster d : unmanaged) {
            line("");
            line("> [!WARNING]");
            line("> **" + esc(d.summary()) + "**");
            line("> ");
            line("> " + esc(d.reason()));
        }
    }

    private void summaryTable() {
        line("");
        line("| cluster | status | machines + / − / replaced / orphans | pool configs | OS image | Kubernetes | add-ons |");
        line("|---|---|---|---|---|---|---|");
        for (ClusterPlan c : plan.clusters()) {
            Tally t = Tally.of(c.actions());
            String pools = String.join(", ", c.actions(Action.UpdatePoolConfig.class).stream()
                    .map(u -> code(u.pool()) + (u.change() == Action.UpdatePoolConfig.Change.CHANGED ? "" : " (" + u.change() + ")"))
                    .toList());
            String os = String.join(", ", c.actions(Action.UpgradeOs.class).stream()
                    .map(u -> code(u.from().name()) + " → " + code(u.to().name())).toList());
            String kube = String.join(", ", c.actions(Action.UpgradeKubernetes.class).stream()
                    .map(u -> u.from() + " → " + u.to()).toList());
            String addons = String.join(", ", c.actions(Action.ApplyAddons.class).stream().map(a -> esc(a.summary())).toList());
            line("| " + code(c.cluster()) + " | " + (c.status() == ClusterPlan.Status.REMOVED ? "**removed**" : c.status()) + " | "
                    + machines(c, t) + " | "
                    + orDash(pools) + " | " + orDash(os) + " | " + orDash(kube) + " | " + orDash(addons) + " |");
        }
    }

    /** {@code 2 / 1 / 1 (held) / 0}: held replacements and kept orphans are marked, they are not carried out. */
    private static String machines(ClusterPlan c, Tally t) {
        long replacedHeld = c.actions(Action.ReplaceMachine.class).stream().filter(r -> r.effect() == Action.Effect.NOT_APPLIED).count();
        int orphans = t.orphansPruned() + t.orphansKept();
        if (t.machinesCreated() + t.machinesDeleted() + t.machinesReplaced() + orphans == 0) {
            return "—";
        }
        return t.machinesCreated() + " / " + t.machinesDeleted() + " / " + t.machinesReplaced()
                + (replacedHeld == 0 ? "" : " (" + replacedHeld + " held)") + " / " + orphans
                + (t.orphansKept() == 0 ? "" : " (" + t.orphansKept() + " kept)");
    }

    private void cluster(ClusterPlan c) {
        line("");
        line("#### " + code(c.cluster()) + ": " + c.status());
        line("");
        c.notes().forEach(n -> line("> " + esc(n) + "\n"));
        for (Action a : c.actions()) {
            line("- " + icon(a) + " " + (a.effect() == Action.Effect.NOT_APPLIED ? "**not applied:** " : "") + esc(a.summary())
                    + " — _" + esc(a.reason()) + "_");
        }
        for (Rollout r : c.rollouts()) {
            line("");
            line("**Rollout** of " + r.nodeCount() + " existing node(s) " + esc(r.driver()) + ", starting " + esc(r.gate()) + ", in this order:");
            line("");
            r.batches().forEach(b -> line(b.number() + ". " + b.role() + ": "
                    + String.join(", ", b.nodes().stream().map(MarkdownPrinter::code).toList())));
        }
        for (Action a : c.actions()) {
            String diff = TextPrinter.diff(a);
            if (!diff.isEmpty()) {
                details(title(a), diff);
            }
        }
    }

    private void details(String summary, String diff) {
        long added = diff.lines().filter(l -> l.startsWith("+") && !l.startsWith("+++ ")).count();
        long removed = diff.lines().filter(l -> l.startsWith("-") && !l.startsWith("--- ")).count();
        line("");
        line("<details><summary>" + summary + " (+" + added + " −" + removed + ")</summary>");
        line("");
        String shown = diff;
        String note = null;
        if (diff.length() > diffAllowance) {
            int cut = diff.lastIndexOf('\n', Math.max(0, diffAllowance - 1)) + 1;
            shown = diff.substring(0, cut);
            note = (cut == 0 ? "Diff left out" : "Diff cut after " + shown.lines().count() + " of " + diff.lines().count() + " lines")
                    + " to keep this comment under the forge's size limit; run `nkd plan` locally for all of it.";
        }
        diffAllowance -= shown.length();
        if (!shown.isEmpty()) {
            String fence = "`".repeat(Math.max(3, longestBacktickRun(shown) + 1));
            line(fence + "diff");
            out.append(shown);
            line(fence);
        }
        if (note != null) {
            line("");
            line("_" + note + "_");
        }
        line("");
        line("</details>");
    }

    private static String title(Action a) {
        if (a instanceof Action.UpdatePoolConfig u) {
            return "Pool <code>" + esc(u.pool()) + "</code>: " + (u.fromVersion() == null ? "new" : "<code>" + u.fromVersion() + "</code>")
                    + " → <code>" + u.toVersion() + "</code>";
        }
        return "Add-on manifests: " + esc(String.join(", ", ((Action.ApplyAddons) a).apply()));
    }

    private static String icon(Action a) {
        if (a instanceof Action.CreateCluster || a instanceof Action.CreateMachine) {
            return "➕";
        } else if (a instanceof Action.UnmanageCluster) {
            return "⚠️";
        } else if (a instanceof Action.DeleteMachine || a instanceof Action.OrphanMachine) {
            return "➖";
        } else if (a instanceof Action.ReplaceMachine) {
            return "🔁";
        } else if (a instanceof Action.UpdatePoolConfig) {
            return "📝";
        } else if (a instanceof Action.UpgradeOs || a instanceof Action.UpgradeKubernetes) {
            return "⬆️";
        } else if (a instanceof Action.ApplyAddons) {
            return "📦";
        } else if (a instanceof Action.Refusal) {
            return "⛔";
        }
        throw new IllegalArgumentException("unknown action " + a);
    }

    private static int longestBacktickRun(String s) {
        int longest = 0;
        Matcher m = BACKTICKS.matcher(s);
        while (m.find()) {
            longest = Math.max(longest, m.group().length());
        }
        return longest;
    }

    /** Text outside code: no HTML (a {@code <placeholder>} would vanish) and no table breaks. */
    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("|", "\\|");
    }

    private static String code(String s) {
        return "`" + s.replace("|", "\\|") + "`";
    }

    private static String orDash(String s) {
        return s.isEmpty() ? "—" : s;
    }

    private void line(String s) {
        out.append(s).append('\n');
    }
}
