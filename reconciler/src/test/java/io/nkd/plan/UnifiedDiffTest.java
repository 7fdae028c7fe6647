package io.nkd.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nkd.plan.LineDiff.Edit;
import io.nkd.plan.LineDiff.Op;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class UnifiedDiffTest {
    private static List<String> lines(String s) {
        return UnifiedDiff.lines(s);
    }

    @Test
    void equalInputsHaveNoDiff() {
        assertEquals("", UnifiedDiff.of("a", "b", lines("x\ny\n"), lines("x\ny\n")));
        assertEquals("", UnifiedDiff.of("a", "b", List.of(), List.of()));
    }

    @Test
    void oneChangedLineWithThreeLinesOfContextEachSide() {
        String a = "1\n2\n3\n4\n5\n6\n7\n8\n9\n";
        String b = "1\n2\n3\n4\nfive\n6\n7\n8\n9\n";
        assertEquals("--- a/f\n+++ b/f\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n",
                UnifiedDiff.of("a/f", "b/f", lines(a), lines(b)));
    }

    @Test
    void anAddedFileStartsAtLineZeroOnTheEmptySide() {
        assertEquals("--- /dev/null\n+++ b/f\n@@ -0,0 +1,2 @@\n+x\n+y\n", UnifiedDiff.of("/dev/null", "b/f", List.of(), lines("x\ny\n")));
        assertEquals("--- a/f\n+++ /dev/null\n@@ -1,2 +0,0 @@\n-x\n-y\n", UnifiedDiff.of("a/f", "/dev/null", lines("x\ny\n"), List.of()));
    }

    @Test
    void insertionAtTheEndCountsTheLineBefore() {
        assertEquals("--- a\n+++ b\n@@ -1,2 +1,3 @@\n x\n y\n+z\n", UnifiedDiff.of("a", "b", lines("x\ny\n"), lines("x\ny\nz\n")));
    }

    @Test
    void changesSixLinesApartShareAHunkAndSevenApartDoNot() {
        List<String> base = new ArrayList<>();
        for (int i = 1; i <= 20; i++) {
            base.add("line " + i);
        }
        List<String> six = new ArrayList<>(base);
        six.set(2, "changed 3");
        six.set(9, "changed 10");
        String joined = UnifiedDiff.of("a", "b", base, six);
        assertEquals(1, joined.lines().filter(l -> l.startsWith("@@")).count(), joined);
        assertTrue(joined.contains("@@ -1,13 +1,13 @@"), joined);
        List<String> seven = new ArrayList<>(base);
        seven.set(2, "changed 3");
        seven.set(10, "changed 11");
        String split = UnifiedDiff.of("a", "b", base, seven);
        assertEquals(List.of("@@ -1,6 +1,6 @@", "@@ -8,7 +8,7 @@"),
                split.lines().filter(l -> l.startsWith("@@")).toList(), split);
    }

    @Test
    void myersFindsAShortestEditScript() {
        // the paper's example: ABCABBA → CBABAC needs 5 edits
        List<Edit> edits = LineDiff.edits(List.of("A", "B", "C", "A", "B", "B", "A"), List.of("C", "B", "A", "B", "A", "C"));
        assertEquals(5, edits.stream().filter(e -> e.op() != Op.EQUAL).count());
    }

    @Test
    void randomInputsGiveMinimalScriptsThatRebuildBothSides() {
        Random random = new Random(42);
        for (int round = 0; round < 300; round++) {
            List<String> a = randomLines(random);
            List<String> b = randomLines(random);
            List<Edit> edits = LineDiff.edits(a, b);
            List<String> rebuiltA = new ArrayList<>();
            List<String> rebuiltB = new ArrayList<>();
            for (Edit e : edits) {
                if (e.op() != Op.INSERT) {
                    rebuiltA.add(e.text());
                }
                if (e.op() != Op.DELETE) {
                    rebuiltB.add(e.text());
                }
            }
            assertEquals(a, rebuiltA);
            assertEquals(b, rebuiltB);
            long changes = edits.stream().filter(e -> e.op() != Op.EQUAL).count();
            assertEquals(a.size() + b.size() - 2L * lcs(a, b), changes, () -> a + " → " + b);
        }
    }

    @Test
    void pastTheEditLimitTheMiddleIsReplacedAsABlock() {
        List<String> a = new ArrayList<>();
        List<String> b = new ArrayList<>();
        for (int i = 0; i < LineDiff.MAX_EDITS; i++) {
            a.add("a" + i);
            b.add("b" + i);
        }
        a.add("same");
        b.add("same");
        List<Edit> edits = LineDiff.edits(a, b);
        assertEquals(2L * LineDiff.MAX_EDITS, edits.stream().filter(e -> e.op() != Op.EQUAL).count());
        assertEquals(new Edit(Op.EQUAL, LineDiff.MAX_EDITS, LineDiff.MAX_EDITS, "same"), edits.get(edits.size() - 1));
    }

    private static List<String> randomLines(Random random) {
        List<String> lines = new ArrayList<>();
        int n = random.nextInt(12);
        for (int i = 0; i < n; i++) {
            lines.add(String.valueOf((char) ('a' + random.nextInt(4))));
        }
        return lines;
    }

    private static int lcs(List<String> a, List<String> b) {
        int[][] t = new int[a.size() + 1][b.size() + 1];
        for (int i = a.size() - 1; i >= 0; i--) {
            for (int j = b.size() - 1; j >= 0; j--) {
                t[i][j] = a.get(i).equals(b.get(j)) ? t[i + 1][j + 1] + 1 : Math.max(t[i + 1][j], t[i][j + 1]);
            }
        }
        return t[0][0];
    }
}
