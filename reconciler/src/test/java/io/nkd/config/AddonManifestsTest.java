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

    @Test
    void aReferenceCannotLeaveTheClustersManifestsDirectory() {
        Snapshot escape = ExampleRepository.with(LAB, text -> text.replace("manifests: [cni/flannel.yaml]",
                "manifests: [cni/flannel.yaml, ../../openstack-prod/cluster.yaml, /etc/passwd, cni/../../cluster.yaml, cni/missing.yaml]"));
        List<String> errors = errors(escape, "libvirt-lab");
        String dir = "clusters/libvirt-lab/manifests/";
        assertEquals(4, errors.size(), errors.toString());
        assertTrue(errors.get(0).matches("clusters/libvirt-lab/cluster\\.yaml:\\d+:\\d+: error: \"\\.\\./\\.\\./openstack-prod/cluster\\.yaml\" leaves "
                + dir + ": a reference is a file or directory below it \\(no absolute path, no '\\.\\.'\\); move the manifests there"
                + " \\(at \\$\\.spec\\.addons\\.0\\.manifests\\.1\\)"), errors.get(0));
        assertTrue(errors.get(1).contains("\"/etc/passwd\" leaves " + dir), errors.get(1));
        assertTrue(errors.get(2).contains("\"cni/../../cluster.yaml\" leaves " + dir), errors.get(2));
        assertTrue(errors.get(3).contains(dir + "cni/missing.yaml does not exist in the repository (nkd reads regular files committed"
                + " to it: symbolic links are not followed)"), errors.get(3));
    }
}
