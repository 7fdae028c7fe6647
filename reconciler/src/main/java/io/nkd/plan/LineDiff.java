package io.nkd.plan;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A shortest edit script between two lists of lines (Myers, "An O(ND) Difference Algorithm", 1986). Common
 * prefix and suffix are matched first, which is most of a rendered config. The search keeps a copy of the
 * frontier per edit step (O(D²) memory), so past {@link #MAX_EDITS} edits it gives up on minimality and
 * replaces the differing middle as a block: still a correct diff, just not the shortest.
 */
final class LineDiff {
    static final int MAX_EDITS = 2000;

    enum Op { EQUAL, DELETE, INSERT }

    /** One line of the script; {@code a}/{@code b} are 0-based indexes into each side (-1 where absent). */
    record Edit(Op op, int a, int b, String text) {
    }

    private LineDiff() {
    }

    static List<Edit> edits(List<String> a, List<String> b) {
        int prefix = 0;
        while (prefix < a.size() && prefix < b.size() && a.get(prefix).equals(b.get(prefix))) {
            prefix++;
        }
        int suffix = 0;
        while (suffix < a.size() - prefix && suffix < b.size() - prefix
                && a.get(a.size() - 1 - suffix).equals(b.get(b.size() - 1 - suffix))) {
            suffix++;
        }
        List<Edit> out = new ArrayList<>();
        for (int i = 0; i < prefix; i++) {
            out.add(new Edit(Op.EQUAL, i, i, a.get(i)));
        }
        List<String> midA = a.subList(prefix, a.size() - suffix);
        List<String> midB = b.subList(prefix, b.size() - suffix);
        List<Edit> middle = myers(midA, midB);
        if (middle == null) {
            middle = new ArrayList<>();
            for (int i = 0; i < midA.size(); i++) {
                middle.add(new Edit(Op.DELETE, i, -1, midA.get(i)));
            }
            for (int j = 0; j < midB.size(); j++) {
                middle.add(new Edit(Op.INSERT, -1, j, midB.get(j)));
            }
        }
        for (Edit e : middle) {
            out.add(new Edit(e.op(), e.a() < 0 ? -1 : e.a() + prefix, e.b() < 0 ? -1 : e.b() + prefix, e.text()));
        }
        for (int i = suffix; i > 0; i--) {
            out.add(new Edit(Op.EQUAL, a.size() - i, b.size() - i, a.get(a.size() - i)));
        }
        return out;
    }

    /** The edit script, or null when it needs more than {@link #MAX_EDITS} edits. */
    private static List<Edit> myers(List<String> a, List<String> b) {
        int n = a.size();
        int m = b.size();
        int max = Math.min(n + m, MAX_EDITS);
        // v[k + max] = furthest x reached on diagonal k; trace.get(d) is v (for diagonals -d..d) before step d
        int[] v = new int[2 * max + 3];
        List<int[]> trace = new ArrayList<>();
        int offset = max + 1;
        for (int d = 0; d <= max; d++) {
            trace.add(java.util.Arrays.copyOfRange(v, offset - d - 1, offset + d + 2));
            for (int k = -d; k <= d; k += 2) {
                int x = (k == -d || (k != d && v[offset + k - 1] < v[offset + k + 1])) ? v[offset + k + 1] : v[offset + k - 1] + 1;
                int y = x - k;
                while (x < n && y < m && a.get(x).equals(b.get(y))) {
                    x++;
                    y++;
                }
                v[offset + k] = x;
                if (x >= n && y >= m) {
                    return backtrack(a, b, trace, d);
                }
            }
        }
        return null;
    }

    private static List<Edit> backtrack(List<String> a, List<String> b, List<int[]> trace, int last) {
        List<Edit> reversed = new ArrayList<>();
        int x = a.size();
        int y = b.size();
        for (int d = last; d >= 0; d--) {
            int[] v = trace.get(d);
            // trace.get(d) holds diagonals -d-1 .. d+1 starting at index 0
            int k = x - y;
            boolean down = k == -d || (k != d && at(v, d, k - 1) < at(v, d, k + 1));
            int prevK = down ? k + 1 : k - 1;
            int prevX = d == 0 ? 0 : at(v, d, prevK);
            int prevY = d == 0 ? 0 : prevX - prevK;
            while (x > prevX && y > prevY) {
                x--;
                y--;
                reversed.add(new Edit(Op.EQUAL, x, y, a.get(x)));
            }
            if (d > 0) {
                if (down) {
                    y--;
                    reversed.add(new Edit(Op.INSERT, -1, y, b.get(y)));
                } else {
                    x--;
                    reversed.add(new Edit(Op.DELETE, x, -1, a.get(x)));
                }
            }
        }
        Collections.reverse(reversed);
        return reversed;
    }

    private static int at(int[] snapshot, int d, int k) {
        return snapshot[k + d + 1];
    }
}
