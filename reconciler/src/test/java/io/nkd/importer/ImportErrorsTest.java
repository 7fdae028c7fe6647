package io.nkd.importer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nkd.report.Entry;
import org.junit.jupiter.api.Test;

/** A file that cannot be imported gives every problem, located, naming the key and what to do. */
class ImportErrorsTest {
    private static ImportException fails(String text) {
        return assertThrows(ImportException.class, () -> NkdConfigImporter.convert(text, "cluster_config.yaml"));
    }

    private static void assertMessage(ImportException e, String expected) {
        assertTrue(e.getMessage().contains(expected), () -> "expected \"" + expected + "\" in:\n" + e.getMessage());
    }

    @Test
    void malformedYamlIsLocated() {
        ImportException e = fails("clusterID: lab\nmaster:\n  - hostname: [lab-master01\n    ip: 10.1.0.11\n");
        assertEquals(1, e.problems().size());
        Entry p = e.problems().get(0);
        assertEquals("cluster_config.yaml", p.file());
        assertTrue(p.location() != null && p.location().line() >= 3, p.toString());
        assertMessage(e, "cluster_config.yaml:" + p.location().line() + ":" + p.location().column() + ": error: invalid YAML");
    }

    @Test
    void emptyFilesAndListsAreNotConfigs() {
        assertMessage(fails(""), "the file is empty");
        assertMessage(fails("- clusterID: lab\n"), "cluster_config.yaml:1:1: error: an NKD cluster config is a mapping");
    }

    @Test
    void missingClusterIdPlatformAndMastersAreNamedAllAtOnce() {
        ImportException e = fails("worker:\n  - hostname: w1\n");
        assertMessage(e, "clusterID is missing");
        assertMessage(e, "platform is missing");
        assertMessage(e, "master is missing or empty");
    }

    @Test
    void aNodeWithoutHostnameIsLocated() {
        String text = Nkd.minimal().replace("    ip: 10.1.0.21\n", "    ip: 10.1.0.21\n  - ip: 10.1.0.22\n");
        ImportException e = fails(text);
        assertMessage(e, "cluster_config.yaml:15:5: error: worker[1].hostname is missing");
    }

    @Test
    void wrongTypesAreLocatedAndNamed() {
        String text = Nkd.minimal().replace("    ip: 10.1.0.11\n", "    ip: 10.1.0.11\n    hardwareInfo:\n      cpu: four\n");
        assertMessage(fails(text), "cluster_config.yaml:13:12: error: master[0].hardwareInfo.cpu must be a whole number, not \"four\"");
        assertMessage(fails(Nkd.minimal().replace("master:\n  - hostname: lab-master01\n    ip: 10.1.0.11\n", "master: lab-master01\n")),
                "master must be a list");
        assertMessage(fails(Nkd.minimal() + "housekeeper:\n  deployHousekeeper: maybe\n"), "housekeeper.deployHousekeeper must be true or false");
    }

    @Test
    void unsupportedValuesAreNamed() {
        assertMessage(fails(Nkd.minimal().replace("platform: libvirt", "platform: vsphere")),
                "platform \"vsphere\" is not an NKD platform nkd can take over");
        assertMessage(fails(Nkd.minimal().replace("runtime: containerd", "runtime: podman")),
                "runtime \"podman\" is not a runtime nkd supports");
        assertMessage(fails(Nkd.minimal().replace("kubernetesVersion: v1.31.4", "kubernetesVersion: v1.31")),
                "kubernetes.kubernetesVersion \"v1.31\" is not a Kubernetes version");
        assertMessage(fails(Nkd.minimal().replace("architecture: amd64", "architecture: riscv64")),
                "architecture \"riscv64\" is not amd64 (x86_64) or arm64 (aarch64)");
        assertMessage(fails(Nkd.minimal().replace("cidr: 10.1.0.0/24", "cidr: 10.1.0.0/33")),
                "infraPlatform.cidr \"10.1.0.0/33\" is not an IPv4 CIDR");
    }

    @Test
    void anEndpointIsNeeded() {
        String text = Nkd.minimal().replace("  apiserverEndpoint: 10.1.0.11:6443\n", "").replace("    ip: 10.1.0.11\n", "");
        assertMessage(fails(text), "kubernetes.apiserverEndpoint is not set and the first master has no ip");
    }

    @Test
    void openstackNeedsItsNetwork() {
        String text = Nkd.minimal().replace("platform: libvirt", "platform: OpenStack")
                .replace("  uri: qemu:///system\n  osPath: /var/lib/nkd/nestos.qcow2\n  cidr: 10.1.0.0/24\n  gateway: 10.1.0.1\n",
                        "  authURL: http://keystone:5000/v3\n");
        assertMessage(fails(text), "infraPlatform.internalNetwork is missing");
    }

    @Test
    void twoSpellingsOfOneKeyAreAmbiguous() {
        assertMessage(fails("cluster_id: a\n" + Nkd.minimal()), "\"clusterID\" and \"cluster_id\" in the top level are two "
                + "spellings of the same NKD key; keep one");
    }
}
