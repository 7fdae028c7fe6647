package io.nkd.plan;

import static io.nkd.plan.PlanAssertions.assertContains;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MarkdownPrinterTest {
    private static Plan planWithDiff(String diff, String reason) {
        Action.UpdatePoolConfig u = new Action.UpdatePoolConfig("c", "p", Action.UpdatePoolConfig.Change.CHANGED,
                "rendered-p-1", "rendered-p-2", Action.Effect.APPLIED, diff, reason);
        return new Plan("0123456789abcdef0123456789abcdef01234567", "head", List.of(new ClusterPlan("c", ClusterPlan.Status.CHANGED,
                Map.of("p", "rendered-p-1"), Map.of("p", "rendered-p-2"), List.of(), List.of(u))), List.of());
    }

    @Test
    void diffsAreCollapsedFencedAndCounted() {
        String out = new MarkdownPrinter(60_000).print(planWithDiff("--- a\n+++ b\n@@ -1,2 +1,2 @@\n x\n-y\n+z\n", "why"));
        assertContains(out, "<details><summary>Pool <code>p</code>: <code>rendered-p-1</code> → <code>rendered-p-2</code> (+1 −1)"
                + "</summary>\n\n```diff\n--- a\n+++ b\n@@ -1,2 +1,2 @@\n x\n-y\n+z\n```\n\n</details>\n");
        assertContains(out, "Base `0123456789ab` → head `head`");
        assertContains(out, "| `c` | changed | — | `p` | — | — | — |");
    }

    @Test
    void aFenceIsLongerThanAnyBacktickRunInTheDiff() {
        String out = new MarkdownPrinter(60_000).print(planWithDiff("--- a\n+++ b\n@@ -0,0 +1,1 @@\n+````shell\n", "why"));
        assertContains(out, "`````diff\n");
        assertContains(out, "+````shell\n`````\n");
    }

    @Test
    void placeholdersAndPipesInProseAreEscaped() {
        String out = new MarkdownPrinter(60_000).print(planWithDiff("", "uses <nkd-secret:bootstrap-token> | a pipe"));
        assertContains(out, "_uses &lt;nkd-secret:bootstrap-token&gt; \\| a pipe_");
    }

    @Test
    void longDiffsAreCutToFitTheCommentButTheRestOfThePlanStays() {
        StringBuilder diff = new StringBuilder("--- a\n+++ b\n@@ -0,0 +1,5000 @@\n");
        for (int i = 0; i < 5000; i++) {
            diff.append("+line ").append(i).append(" of a long file\n");
        }
        String out = new MarkdownPrinter(20_000).print(planWithDiff(diff.toString(), "why"));
        assertTrue(out.length() <= 20_000, () -> "length " + out.length());
        assertContains(out, "_Diff cut after ");
        assertContains(out, "run `nkd plan` locally for all of it._");
        assertContains(out, "(+5000 −0)</summary>");
        assertTrue(out.endsWith("</details>\n"));
        assertFalse(out.contains("line 4999 of"), "the cut part is left out");
        assertEquals(out, new MarkdownPrinter(20_000).print(planWithDiff(diff.toString(), "why")), "deterministic");
    }
}
