package io.nkd.plan;

import io.nkd.plan.LineDiff.Edit;
import io.nkd.plan.LineDiff.Op;
import java.util.ArrayList;
import java.util.List;

/**
 * Unified diffs as {@code diff -u} and Git print them: {@code ---}/{@code +++} headers, then hunks of changes with
 * {@value #CONTEXT} lines of context, each headed {@code @@ -a,b +c,d @@} (1-based start and line count of each
 * side; a side with no lines starts at the line before the hunk, so an added file is {@code -0,0}).
 */
final class UnifiedDiff {
    static final int CONTEXT = 3;

    private UnifiedDiff() {
    }

    /** The diff from {@code a} to {@code b}, or "" when they are equal. */
    static String of(String fromLabel, String toLabel, List<String> a, List<String> b) {
        List<Edit> edits = LineDiff.edits(a, b);
        List<int[]> hunks = hunks(edits);
        if (hunks.isEmpty()) {
            return "";
        }
        StringBuilder sb = new StringBuilder();
        sb.append("--- ").append(fromLabel).append('\n');
        sb.append("+++ ").append(toLabel).append('\n');
        for (int[] h : hunks) {
            appendHunk(sb, edits.subList(h[0], h[1]), edits, h[0]);
        }
        return sb.toString();
    }

    /** Lines of a text, without their terminators; an empty text has none. */
    static List<String> lines(String text) {
        return text.isEmpty() ? List.of() : text.lines().toList();
    }

    /** [start, end) ranges of the edit script to print: each change with its context, overlapping ones joined. */
    private static List<int[]> hunks(List<Edit> edits) {
        List<int[]> hunks = new ArrayList<>();
        for (int i = 0; i < edits.size(); i++) {
            if (edits.get(i).op() == Op.EQUAL) {
                continue;
            }
            int start = Math.max(0, i - CONTEXT);
            int end = Math.min(edits.size(), i + 1 + CONTEXT);
            int[] last = hunks.isEmpty() ? null : hunks.get(hunks.size() - 1);
            if (last != null && start <= last[1]) {
                last[1] = end;
            } else {
                hunks.add(new int[] {start, end});
            }
        }
        return hunks;
    }

    private static void appendHunk(StringBuilder sb, List<Edit> hunk, List<Edit> all, int startIndex) {
        int aCount = 0;
        int bCount = 0;
        for (Edit e : hunk) {
            aCount += e.op() == Op.INSERT ? 0 : 1;
            bCount += e.op() == Op.DELETE ? 0 : 1;
        }
        sb.append("@@ -").append(start(all, startIndex, true, aCount)).append(',').append(aCount)
                .append(" +").append(start(all, startIndex, false, bCount)).append(',').append(bCount).append(" @@\n");
        for (Edit e : hunk) {
            sb.append(switch (e.op()) {
                case EQUAL -> ' ';
                case DELETE -> '-';
                case INSERT -> '+';
            }).append(e.text()).append('\n');
        }
    }

    /** 1-based number of the hunk's first line on one side; with no lines there, the number of the line before. */
    private static int start(List<Edit> all, int startIndex, boolean sideA, int count) {
        int before = 0;
        for (int i = 0; i < startIndex; i++) {
            Op op = all.get(i).op();
            if (op == Op.EQUAL || op == (sideA ? Op.DELETE : Op.INSERT)) {
                before++;
            }
        }
        return count == 0 ? before : before + 1;
    }
}
