package io.nkd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.nkd.testkit.PackageGraph;
import io.nkd.testsupport.RepoPaths;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * No package of nkd may depend, directly or through others, on a package that depends on it: a cycle makes
 * two capabilities one, so neither can be understood, tested or moved alone (docs/architecture.md, "Packages").
 */
class PackageCyclesTest {
    /**
     * Cycles known when this test was written, in packages other work was changing at the time. Each entry
     * is one strongly connected group. Remove an entry once its cycle is cut: the test fails on an entry that
     * no longer matches, so the list can only shrink. Do not add to it. (Empty since cli.JsonOutput moved to
     * io.nkd.json, which cut the last one, cli ↔ server.)
     */
    private static final List<Set<String>> KNOWN_CYCLES = List.of();

    @Test
    void mainSourcesHaveNoPackageCycleBeyondTheKnownOnes() {
        Path main = RepoPaths.repoRoot().resolve("reconciler/src/main/java");
        PackageGraph graph = PackageGraph.read(main, "io.nkd");
        assertTrue(graph.packages().size() > 10, "expected the nkd packages under " + main + ", found " + graph.packages());

        List<SortedSet<String>> cycles = graph.cycles();
        StringBuilder problems = new StringBuilder();
        for (SortedSet<String> cycle : cycles) {
            if (!KNOWN_CYCLES.contains(cycle)) {
                problems.append("\npackage cycle ").append(cycle).append(" — cut one of these uses:");
                graph.edgesWithin(cycle).forEach(e -> problems.append("\n  ").append(e.from()).append(" -> ").append(e.to())
                        .append("  (").append(e.file()).append(")"));
            }
        }
        for (Set<String> known : KNOWN_CYCLES) {
            if (!cycles.contains(new TreeSet<>(known))) {
                problems.append("\nthe known cycle ").append(new TreeSet<>(known))
                        .append(" is gone or has changed: remove it from KNOWN_CYCLES in ").append(getClass().getSimpleName());
            }
        }
        if (problems.length() > 0) {
            fail(problems.toString());
        }
    }

    /** The one JSON writer sits below everything: any package may print JSON without depending on another's. */
    @Test
    void theJsonWriterUsesNoOtherNkdPackage() {
        PackageGraph graph = PackageGraph.read(RepoPaths.repoRoot().resolve("reconciler/src/main/java"), "io.nkd");
        assertTrue(graph.packages().contains("io.nkd.json"), "expected io.nkd.json among " + graph.packages());
        assertEquals(Set.of(), graph.usedBy("io.nkd.json"));
    }

    /**
     * The add-on manifest reader is pure and sits below config (which validates with it), plan and reconcile: it may use
     * only the located-problem and YAML packages, never a client, the state or config itself.
     */
    @Test
    void theAddonsReaderUsesOnlyReportAndYaml() {
        PackageGraph graph = PackageGraph.read(RepoPaths.repoRoot().resolve("reconciler/src/main/java"), "io.nkd");
        assertEquals(Set.of("io.nkd.report", "io.nkd.yaml"), graph.usedBy("io.nkd.addons"));
    }

    /** The checker itself: it must see a cycle through an import, a wildcard and a qualified name. */
    @Test
    void findsCyclesThroughImportsWildcardsAndQualifiedNames(@TempDir Path src) throws IOException {
        write(src, "io/nkd/a/A.java", "package io.nkd.a;\nimport io.nkd.b.B;\nclass A { B b; }\n");
        write(src, "io/nkd/b/B.java", "package io.nkd.b;\nimport io.nkd.c.*;\nclass B { C c; }\n");
        write(src, "io/nkd/c/C.java", "package io.nkd.c;\nclass C { io.nkd.a.A.Inner a; }\n");
        write(src, "io/nkd/d/D.java", "package io.nkd.d;\nimport static io.nkd.a.A.helper;\nclass D { }\n");

        PackageGraph graph = PackageGraph.read(src, "io.nkd");

        assertEquals(List.of(new TreeSet<>(Set.of("io.nkd.a", "io.nkd.b", "io.nkd.c"))), graph.cycles());
        assertEquals(Set.of("io.nkd.a"), graph.usedBy("io.nkd.d"), "a static import is a use of the package");
        assertEquals(Set.of("io/nkd/c/C.java"), graph.edgesWithin(Set.of("io.nkd.a", "io.nkd.b", "io.nkd.c")).stream()
                .filter(e -> e.from().equals("io.nkd.c")).map(PackageGraph.Edge::file).collect(Collectors.toSet()));
    }

    /** Names in comments and strings are text, not uses: they must not make a cycle. */
    @Test
    void ignoresNamesInCommentsAndStrings(@TempDir Path src) throws IOException {
        write(src, "io/nkd/a/A.java", "package io.nkd.a;\nimport io.nkd.b.B;\nclass A { B b; }\n");
        write(src, "io/nkd/b/B.java", """
                package io.nkd.b;
                /** See {@link io.nkd.a.A}. */
                class B {
                    // io.nkd.a.A is not used here
                    String s = "io.nkd.a.A";
                    char q = '"';
                    String t = \"""
                        io.nkd.a.A
                        \""";
                }
                """);

        PackageGraph graph = PackageGraph.read(src, "io.nkd");

        assertEquals(List.of(), graph.cycles());
        assertEquals(Set.of(), graph.usedBy("io.nkd.b"));
    }

    private static void write(Path root, String file, String text) throws IOException {
        Path p = root.resolve(file);
        Files.createDirectories(p.getParent());
        Files.writeString(p, text);
    }
}
