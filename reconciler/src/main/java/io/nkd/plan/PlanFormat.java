package io.nkd.plan;

import java.util.Locale;

/** How a plan is printed: for a terminal, for a pull-request comment, or for tools. */
public enum PlanFormat {
    TEXT, MARKDOWN, JSON;

    /** The plan in this format. Output passes through the redactor once more, whatever produced it. */
    public String print(Plan plan) {
        String out = switch (this) {
            case TEXT -> TextPrinter.print(plan);
            case MARKDOWN -> new MarkdownPrinter(MarkdownPrinter.GITHUB_COMMENT_BUDGET).print(plan);
            case JSON -> JsonPrinter.print(plan);
        };
        return Redactor.redact(out);
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** A commit id shortened to 12 hex digits, as reviewers read them; anything else as it is. */
    static String abbreviate(String revision) {
        return io.nkd.config.Snapshot.shortId(revision);
    }

    /** The plan's counts, or, for a change that lists no action (a machine policy turning on), what it is. */
    static String summary(Plan plan) {
        return summary(plan.tally(), plan.hasChanges());
    }

    static String summary(Tally tally, boolean changed) {
        String counts = tally.describe();
        return changed && counts.equals("no changes")
                ? "spec.machinePolicy turns on: no action listed, but the daemon may replace or prune machines of earlier commits (see the notes)"
                : counts;
    }

    /** What the exit code means, in words. */
    static String verdict(Plan plan) {
        return switch (plan.exitCode()) {
            case Plan.EXIT_ERRORS -> "refused: fix the errors before merging (exit 1)";
            case Plan.EXIT_CHANGES -> "changes to review (exit 2)";
            default -> "nothing to apply (exit 0)";
        };
    }
}
