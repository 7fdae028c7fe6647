package io.nkd.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nkd.report.Report;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

class RevisionRulesTest {
    private static final String PROD = "clusters/openstack-prod/cluster.yaml";

    private static Report step(UnaryOperator<String> edit) {
        ClusterSpec base = ConfigLoader.load(ExampleRepository.snapshot()).cluster("openstack-prod").orElseThrow().spec();
        LoadedCluster head = ConfigLoader.load(ExampleRepository.with(PROD, edit)).cluster("openstack-prod").orElseThrow();
        assertTrue(head.valid(), head.report()::toString);
        return RevisionRules.check(base, head);
    }

    private static String onlyCode(Report r) {
        assertEquals(1, r.entries().size(), r::toString);
        return r.entries().get(0).code();
    }

    @Test
    void patchAndNextMinorUpgradesAreAllowed() {
        assertTrue(step(s -> s.replace("version: v1.31.4", "version: v1.31.9")).isEmpty());
        assertTrue(step(s -> s.replace("version: v1.31.4", "version: v1.32.0")).isEmpty());
    }

    @Test
    void downgradeIsRefused() {
        Report r = step(s -> s.replace("version: v1.31.4", "version: v1.30.8"));
        assertEquals("KubernetesDowngrade", onlyCode(r));
        assertEquals(11, r.entries().get(0).location().line());
    }

    @Test
    void skippingAMinorIsRefusedWithThePathToTake() {
        Report r = step(s -> s.replace("version: v1.31.4", "version: v1.33.1"));
        assertEquals("KubernetesMinorSkip", onlyCode(r));
        assertTrue(r.entries().get(0).message().contains("go to v1.32.x first"), r::toString);
    }

    @Test
    void losingQuorumIsRefusedButGrowingAndSafeShrinkingAreNot() {
        Report r = step(s -> s.replace("replicas: 3\n      machine: {flavor: m1.large}", "replicas: 1\n      machine: {flavor: m1.large}"));
        assertEquals("QuorumLoss", onlyCode(r));
        assertTrue(step(s -> s.replace("replicas: 3\n      machine: {flavor: m1.large}", "replicas: 5\n      machine: {flavor: m1.large}")).isEmpty());
    }

    @Test
    void movingAClusterToAnotherProviderIsRefusedAtTheProviderLine() {
        // the daemon would find no machine on the new provider, create every node there and leave the old ones running
        Report r = step(s -> s.replace("    provider: openstack\n", "    provider: sandbox\n    sandbox: {bootTime: 1s}\n"));
        assertEquals("ProviderChange", onlyCode(r));
        assertEquals(26, r.entries().get(0).location().line());
        assertTrue(r.entries().get(0).message().contains("openstack → sandbox"), r::toString);
    }
}
