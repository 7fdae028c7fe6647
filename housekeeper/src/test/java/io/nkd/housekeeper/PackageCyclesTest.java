package io.nkd.housekeeper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nkd.testkit.PackageGraph;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The Housekeeper's packages form layers: {@code api} (the contract) uses no other package of the module, the
 * rollout planner is pure (it decides, it never calls the API server), and no two packages depend on each other.
 */
class PackageCyclesTest {
    private static final Path MAIN = Path.of(System.getProperty("nkd.repoRoot", ".."), "housekeeper/src/main/java");

    @Test
    void noPackageCycles() {
        PackageGraph graph = PackageGraph.read(MAIN, "io.nkd.housekeeper");
        assertTrue(graph.packages().contains("io.nkd.housekeeper.api"), "expected the api package under " + MAIN);
        assertEquals(List.of(), graph.cycles(), "package cycles in the Housekeeper");
    }

    @Test
    void theContractUsesNoOtherPackageOfTheModule() {
        PackageGraph graph = PackageGraph.read(MAIN, "io.nkd.housekeeper");
        assertEquals(Set.of(), graph.usedBy("io.nkd.housekeeper.api"));
    }

    @Test
    void theRolloutPlannerDoesNoInputOrOutput() throws IOException {
        Path rollout = MAIN.resolve("io/nkd/housekeeper/rollout");
        assertTrue(Files.isDirectory(rollout), "expected the planner under " + rollout);
        try (Stream<Path> files = Files.walk(rollout)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                String text = Files.readString(f);
                for (String forbidden : List.of("io.fabric8.kubernetes.client", "java.net.", "java.nio.file",
                        "io.nkd.housekeeper.operator", "io.nkd.housekeeper.agent")) {
                    assertTrue(!text.contains(forbidden), f + " uses " + forbidden + ": the planner must stay pure");
                }
            }
        }
    }
}
