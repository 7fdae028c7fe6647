package io.nkd.butane;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nkd.testsupport.ConformanceTrees;
import io.nkd.testsupport.SharedData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * The conformance cases whose input is a directory tree ({@code storage.trees}) pass whether the data is a checkout
 * that kept its symbolic links and execute bits or a copy that lost them: both shapes are built here from whatever
 * the shared copy on this machine is, and every tree case runs on each.
 */
class ConformanceTreeShapesTest {
    /** Links the tree cases hold in a git checkout of the data: 1 + 3 + 1 + 1 in the PASS cases, 8 in case 208. */
    private static final int LINKS = 14;

    @TempDir
    static Path temp;

    @TestFactory
    Stream<DynamicTest> treeCasesPassOnIntactAndLossyCopies() throws IOException {
        return SharedData.dynamicTests(SharedData.BUTANE_CONFORMANCE, 16, root -> {
            Path source = temp.resolve("source");
            List<String> names = new ArrayList<>();
            for (Path dir : SharedData.caseDirs(root, "cases")) {
                if (Files.readString(dir.resolve("input.bu")).contains("trees:")) {
                    ConformanceTrees.copy(dir, source.resolve("cases").resolve(dir.getFileName().toString()));
                    names.add(dir.getFileName().toString());
                }
            }
            assertEquals(8, names.size(), "tree cases in " + root + ": " + names);
            Path intact = temp.resolve("intact");
            Path lossy = temp.resolve("lossy");
            ConformanceTrees.buildIntact(source, intact);
            ConformanceTrees.buildLossy(intact, lossy);

            // the two copies really differ in what matters
            ConformanceTrees.Counts intactCounts = ConformanceTrees.count(intact);
            assertEquals(LINKS, intactCounts.links(), "symlinks in the intact copy");
            assertTrue(intactCounts.executables() >= 1, "an executable in the intact copy: " + intactCounts);
            assertEquals(new ConformanceTrees.Counts(0, 0), ConformanceTrees.count(lossy), "the lossy copy");

            List<DynamicTest> tests = new ArrayList<>();
            for (String name : names) {
                Path intactCase = intact.resolve("cases").resolve(name);
                Path lossyCase = lossy.resolve("cases").resolve(name);
                tests.add(DynamicTest.dynamicTest("intact " + name, () -> {
                    Path copy = temp.resolve("restore-intact").resolve(name);
                    ConformanceTrees.copy(intactCase, copy);
                    assertEquals(List.of(), ConformanceTrees.restore(copy, ConformanceTrees.expected(intactCase)),
                            "an intact tree needs nothing restored");
                    ButaneConformanceTest.check(intactCase, temp.resolve("run-intact").resolve(name));
                }));
                tests.add(DynamicTest.dynamicTest("lossy " + name, () -> {
                    ConformanceTrees.Shape shape = ConformanceTrees.expected(lossyCase);
                    if (!shape.links().isEmpty()) {
                        Path copy = temp.resolve("restore-lossy").resolve(name);
                        ConformanceTrees.copy(lossyCase, copy);
                        assertFalse(ConformanceTrees.restore(copy, shape).isEmpty(), "links restored in " + name);
                    }
                    ButaneConformanceTest.check(lossyCase, temp.resolve("run-lossy").resolve(name));
                }));
            }
            return tests;
        });
    }
}
