package io.nkd.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nkd.report.Entry;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Add-on manifests are part of the commit: their problems are config errors, where every other config error is. */
class AddonManifestsTest {
    private static final String FLANNEL = "clusters/libvirt-lab/manifests/cni/flannel.yaml";
    private static final String LAB = "clusters/libvirt-lab/cluster.yaml";

    private static List<String> errors(Snapshot snapshot, String cluster) {
        LoadedCluster c = ConfigLoader.load(snapshot).cluster(cluster).orElseThrow();
        return c.report().entries().stream().filter(Entry::isError).map(Entry::toString).toList();
    }

    @Test
    void theExamplesAddonsAreValid() {
        assertEquals(List.of(), errors(ExampleRepository.snapshot(), "libvirt-lab"));
        assertEquals(List.of(), errors(ExampleRepository.snapshot(), "openstack-prod"));
    }

    @Test
    void aManifestThatIsNotAnObjectMakesTheClusterInvalidAtItsLine() {
        Snapshot bad = ExampleRepository.with(FLANNEL, text -> text + "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {}\n");
        List<String> errors = errors(bad, "libvirt-lab");
        assertEquals(1, errors.size(), errors.toString());
        assertTrue(errors.get(0).matches("clusters/libvirt-lab/manifests/cni/flannel\\.yaml:\\d+:\\d+: error: metadata\\.name is required.*"),
                errors.get(0));
        assertFalse(ConfigLoader.load(bad).cluster("libvirt-lab").orElseThrow().valid());
        assertEquals(List.of(), errors(bad, "openstack-prod"), "one cluster's manifests never block another");
    }

    @Test
    void addonNamesAreUniqueAndTheHousekeepersIsReserved() {
        Snapshot twice = ExampleRepository.with(LAB, text -> text.replace("  addons:\n", "  addons:\n    - name: flannel\n      manifests: [cni/]\n"));
        assertTrue(errors(twice, "libvirt-lab").stream().anyMatch(e -> e.contains("add-on \"flannel\" is listed twice")), errors(twice, "libvirt-lab").toString());
        Snapshot reserved = ExampleRepository.with(LAB, text -> text.replace("  addons:\n", "  addons:\n    - name: housekeeper\n      manifests: [cni/]\n"));
        assertTrue(errors(reserved, "libvirt-lab").stream().anyMatch(e -> e.contains("\"housekeeper\" is the add-on nkd installs")),
                errors(reserved, "libvirt-lab").toString());
        Snapshot image = ExampleRepository.with(LAB, text -> text.replace("  addons:\n", "  housekeeper:\n    agentImage: \"a b\"\n  addons:\n"));
        assertTrue(errors(image, "libvirt-lab").stream().anyMatch(e -> e.contains("\"a b\" is not a container image reference")
                && e.contains("$.spec.housekeeper.agentImage")), errors(image, "libvirt-lab").toString());
    }
}
