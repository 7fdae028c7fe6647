package io.nkd.importer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nkd.config.ClusterSpec;
import io.nkd.config.Infrastructure;
import io.nkd.config.KubernetesSpec;
import io.nkd.config.LoadedCluster;
import io.nkd.config.NodePool;
import io.nkd.config.RepositoryConfig;
import io.nkd.report.Entry;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Realistic NKD configs, converted, written next to the example image catalog and validated by nkd's loader. */
class NkdConfigImporterTest {
    @TempDir
    Path dir;

    private RepositoryConfig imported(String fixture) throws Exception {
        return Fixtures.load(Fixtures.writeRepo(dir, Fixtures.convert(fixture)));
    }

    private static void assertNoProblems(RepositoryConfig config) {
        List<Entry> problems = config.allProblems().entries();
        assertTrue(problems.isEmpty(), () -> "expected a valid repository, got:\n" + problems);
    }

    @Test
    void libvirtWithThreeMastersAndTwoWorkersIsValid() throws Exception {
        RepositoryConfig config = imported(Fixtures.LIBVIRT);
        assertNoProblems(config);
        ClusterSpec spec = config.cluster("lab").orElseThrow().spec();
        KubernetesSpec k = spec.kubernetes();
        assertEquals("v1.30.8", k.version());
        assertEquals("192.168.132.11:6443", k.controlPlaneEndpoint());
        assertEquals(KubernetesSpec.Runtime.ISULAD, k.runtime());
        assertEquals("registry.k8s.io/pause:3.9", k.pauseImage(), "NKD's pause image is relative to imageRegistry");
        assertEquals("10.96.0.0/16", k.serviceSubnet());
        assertEquals("10.244.0.0/16", k.podSubnet());
        assertEquals("nestos-24.03-k8s-1.30", spec.os().image(), "the catalog release shipping v1.30.8");

        Infrastructure.Libvirt lv = spec.infrastructure().libvirt();
        assertEquals(Infrastructure.ProviderType.LIBVIRT, spec.infrastructure().provider());
        assertEquals("qemu:///system", lv.uri());
        assertEquals("lab-net", lv.network());
        assertEquals("lab-pool", lv.storagePool());
        assertEquals("/var/lib/nkd/NestOS-For-Container-24.03-LTS.20241015.0-qemu.x86_64.qcow2", lv.baseImage());

        NodePool cp = spec.pools().get(0);
        assertEquals(NodePool.Role.CONTROL_PLANE, cp.role());
        assertEquals(List.of(new NodePool.ExplicitMachine("k8s-master01", "192.168.132.11", null),
                new NodePool.ExplicitMachine("k8s-master02", "192.168.132.12", null),
                new NodePool.ExplicitMachine("k8s-master03", "192.168.132.13", null)), cp.machines());
        assertEquals(new NodePool.MachineSize(4, 8192, 50, null), cp.machine());
        assertEquals(new NodePool.StaticNetwork(null, 24, "192.168.132.1", List.of("192.168.132.1")), cp.network());

        NodePool workers = spec.pools().get(1);
        assertEquals(NodePool.Role.WORKER, workers.role());
        assertEquals(2, workers.replicas());
        assertNull(workers.machines().get(1).ip(), "an empty NKD ip means DHCP");
        assertEquals(new NodePool.MachineSize(8, 16384, 100, null), workers.machine(), "the largest of the role");

        var user = spec.access().users().get(0);
        assertEquals("root", user.name());
        assertEquals(List.of(Fixtures.LAB_KEY), user.sshAuthorizedKeys(), "read through the options' key reader");
        assertEquals("lab-root-password", user.passwordHash().name());
        assertTrue(spec.housekeeper().enabled());
        assertEquals("hub.oepkgs.net/nestos/housekeeper/amd64/housekeeper-operator-manager:0.1.0", spec.housekeeper().operatorImage());
        assertEquals("hub.oepkgs.net/nestos/housekeeper/amd64/housekeeper-controller-manager:0.1.0", spec.housekeeper().agentImage());
    }

    @Test
    void openstackWithPinnedReleaseImageGetsACatalogEntry() throws Exception {
        ImportResult result = Fixtures.convert(Fixtures.OPENSTACK);
        assertEquals(List.of("clusters/prod-os/cluster.yaml", "images/prod-os-imported.yaml"), List.copyOf(result.files().keySet()));
        RepositoryConfig config = Fixtures.load(Fixtures.writeRepo(dir, result));
        assertNoProblems(config);
        var release = config.images().get("prod-os-imported");
        assertEquals("24.09.20241120.0", release.osVersion(), "the NestOS version from the image tag");
        assertEquals("v1.31.4", release.kubernetesVersion());
        assertEquals("x86_64", release.arch());
        assertTrue(release.osImageURL().contains(":24.09.20241120.0-x86_64-k8s-v1.31.4@sha256:"), "{arch} substituted");

        ClusterSpec spec = config.cluster("prod-os").orElseThrow().spec();
        assertEquals("v1.31.4", spec.kubernetes().version(), "1.31.4 is normalised");
        assertEquals(KubernetesSpec.Runtime.CONTAINERD, spec.kubernetes().runtime());
        assertEquals("prod-os-imported", spec.os().image());
        Infrastructure.OpenStack os = spec.infrastructure().openstack();
        assertEquals("https://keystone.example.com:5000/v3", os.authURL());
        assertEquals("prod-os-openstack-credentials", os.credentials().name());
        assertEquals("RegionTwo", os.region());
        assertEquals("k8s-internal", os.network());
        assertEquals("NestOS-For-Container-24.09", os.bootImage());
        assertEquals("az1", os.availabilityZone());
        assertEquals(3, spec.pools().get(0).replicas());
        assertEquals("core", spec.access().users().get(0).name());
        assertNull(spec.access().users().get(0).passwordHash(), "no NKD password, no reference");
    }

    @Test
    void oldSnakeCaseSpellingIsReadAndTheTagOnlyImageIsTheOnlyProblem() throws Exception {
        RepositoryConfig config = imported(Fixtures.SNAKE);
        LoadedCluster cluster = config.cluster("legacy").orElseThrow();
        List<String> codes = config.allProblems().entries().stream().map(Entry::code).toList();
        assertEquals(List.of("ImageNotPinned"), codes, () -> config.allProblems().entries().toString());
        ClusterSpec spec = cluster.spec();
        assertEquals("v1.23.10", spec.kubernetes().version());
        assertEquals("192.168.133.11:6443", spec.kubernetes().controlPlaneEndpoint());
        assertEquals("k8s.gcr.io", spec.kubernetes().imageRepository());
        assertEquals("k8s.gcr.io/pause:3.6", spec.kubernetes().pauseImage());
        assertEquals("10.100.0.0/16", spec.kubernetes().podSubnet());
        assertEquals(KubernetesSpec.Runtime.ISULAD, spec.kubernetes().runtime(), "NKD's default runtime");
        assertEquals("hub.oepkgs.net/nestos/nestos:22.03-LTS-SP2.20230928.0-x86_64-k8s-v1.23.10", spec.os().osImageURL());
        assertEquals("/etc/nkd/NestOS-For-Container-22.03-LTS-SP2.20230928.0-qemu.x86_64.qcow2",
                spec.infrastructure().libvirt().baseImage());
        assertEquals(new NodePool.MachineSize(4, 8096, 80, null), spec.pools().get(1).machine());
        var user = spec.access().users().get(0);
        assertEquals(List.of("ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7legacykeymaterial root@nkd"), user.sshAuthorizedKeys(),
                "per-node keys of the oldest format, once");
        assertEquals("legacy-root-password", user.passwordHash().name());
        assertEquals(2, spec.upgrade().maxUnavailable());
        assertTrue(spec.upgrade().evictPodForce());
        assertFalse(spec.housekeeper().enabled(), "deployhousekeeper: false is kept");
        assertNull(spec.housekeeper().operatorImage(), "a {tag} placeholder is not an image");
    }

    @Test
    void pxeWithCertAssetListsTheCaFilesInKubeadmLayout() throws Exception {
        ImportResult result = Fixtures.convert(Fixtures.PXE);
        assertEquals(Map.of(
                "pki/ca.crt", "/etc/nkd/metal/pki/ca.crt", "pki/ca.key", "/etc/nkd/metal/pki/ca.key",
                "pki/etcd/ca.crt", "/etc/nkd/metal/pki/etcd/ca.crt", "pki/etcd/ca.key", "/etc/nkd/metal/pki/etcd/ca.key",
                "pki/front-proxy-ca.crt", "/etc/nkd/metal/pki/front-proxy-ca.crt",
                "pki/front-proxy-ca.key", "/etc/nkd/metal/pki/front-proxy-ca.key",
                "pki/sa.pub", "/etc/nkd/metal/pki/sa.pub", "pki/sa.key", "/etc/nkd/metal/pki/sa.key"), result.caFiles());
        assertEquals("certAsset.rootCAKeyPath", result.caKeys().get("pki/ca.key"));
        RepositoryConfig config = Fixtures.load(Fixtures.writeRepo(dir, result));
        // NKD's file has neither MACs nor PXE image URLs: the only problems are the ones the import lists as to-dos
        assertEquals(List.of("MissingBareMetal", "MissingMac", "MissingMac", "MissingMac"),
                config.allProblems().entries().stream().map(Entry::code).toList(), config.allProblems()::toString);
        assertTrue(result.notCarriedOver().stream().anyMatch(n -> n.action().contains("add mac to every machine")),
                "the import tells the user to add the MACs");
        assertTrue(result.notCarriedOver().stream().anyMatch(n -> n.action().contains("baremetal.pxe")),
                "and the PXE images");
        ClusterSpec spec = config.cluster("metal").orElseThrow().spec();
        assertEquals(Infrastructure.ProviderType.BAREMETAL, spec.infrastructure().provider());
        assertEquals("10.20.0.11:6443", spec.kubernetes().controlPlaneEndpoint(), "first master's ip, as NKD did");
        assertEquals(KubernetesSpec.Runtime.CRIO, spec.kubernetes().runtime());
        assertTrue(spec.os().osImageURL().startsWith("hub.oepkgs.net/nestos/nestos@sha256:3f5a"), "pinned without a tag");
        assertEquals(1, spec.upgrade().maxUnavailable());
        assertFalse(spec.upgrade().evictPodForce());
        assertNull(spec.pools().get(0).machine(), "bare-metal machines have no size to set");
    }

    @Test
    void generatedClusterFileSaysWhereItCameFromAndKeepsTheExampleKeyOrder() {
        String yaml = Fixtures.convert(Fixtures.LIBVIRT).files().get("clusters/lab/cluster.yaml");
        assertTrue(yaml.startsWith("# Imported from libvirt-3m2w.yaml (a NestOS-Kubernetes-Deployer cluster config)"), yaml);
        List<String> top = yaml.lines().filter(l -> !l.startsWith(" ") && !l.startsWith("#")).toList();
        assertEquals(List.of("apiVersion: nkd.io/v1alpha1", "kind: Cluster", "metadata:", "spec:"), top);
        List<String> specKeys = yaml.lines().filter(l -> l.matches("  [a-z]\\w*:.*")).map(l -> l.strip().split(":")[0]).toList();
        assertEquals(List.of("name", "kubernetes", "os", "infrastructure", "pools", "access", "housekeeper"), specKeys);
        assertTrue(yaml.contains("      machine: {cpus: 4, memoryMiB: 8192, diskGiB: 50}\n"), yaml);
    }

    @Test
    void conversionIsDeterministic() {
        assertEquals(Fixtures.convert(Fixtures.OPENSTACK).files(), Fixtures.convert(Fixtures.OPENSTACK).files());
    }

    @Test
    void withoutACatalogTheMissingReleaseIsAToDoAndValidationSaysSo() throws Exception {
        ImportResult result = NkdConfigImporter.convert(Fixtures.text(Fixtures.LIBVIRT), "cluster_config.yaml");
        assertTrue(result.files().get(result.clusterFile()).contains("    image: lab-nestos\n"));
        assertTrue(result.notCarriedOver().stream().anyMatch(i -> i.key().equals("kubernetes.releaseImageURL")
                && i.action().contains("add a release named lab-nestos")));
        RepositoryConfig config = Fixtures.load(Fixtures.writeRepo(dir, result));
        assertEquals(List.of("UnknownImage"), config.allProblems().entries().stream().filter(Entry::isError).map(Entry::code).toList());
    }

    @Test
    void aReleaseImageAlreadyInTheCatalogIsReused() {
        String text = Nkd.minimal().replace("kubernetesVersion: v1.31.4", "kubernetesVersion: v1.31.4\n  releaseImageURL: "
                + "hub.oepkgs.net/nestos/nestos@sha256:9c1e7a5b3d2f0e8c6a4b2d0f9e7c5a3b1d9f8e6c4a2b0d8f6e4c2a0b9d7f5e3c");
        ImportResult result = NkdConfigImporter.convert(text, "c.yaml", Fixtures.options());
        assertEquals(1, result.files().size(), "no new catalog");
        assertTrue(result.files().get(result.clusterFile()).contains("    image: nestos-24.09-k8s-1.31\n"));
    }

    @Test
    void armClustersGetArmImages() {
        String text = Nkd.minimal().replace("architecture: amd64", "architecture: arm64")
                + "housekeeper:\n  deployHousekeeper: true\n  operatorImageURL: hub.oepkgs.net/nestos/housekeeper/{arch}/op:0.1.0\n";
        String yaml = Nkd.cluster(NkdConfigImporter.convert(text, "c.yaml"));
        assertTrue(yaml.contains("operatorImage: hub.oepkgs.net/nestos/housekeeper/arm64/op:0.1.0"), yaml);
    }

    @Test
    void nkdDefaultsAreWrittenOutWhereNkdsDiffer() {
        String text = Nkd.minimal().replace("runtime: containerd\n", "").replace("  kubernetesVersion: v1.31.4\n", "")
                .replace("  apiserverEndpoint: 10.1.0.11:6443\n", "");
        ImportResult result = NkdConfigImporter.convert(text, "c.yaml");
        String yaml = Nkd.cluster(result);
        assertTrue(yaml.contains("    version: v1.23.10\n"), "NKD's default version");
        assertTrue(yaml.contains("    runtime: isulad\n"), "NKD's default runtime");
        assertTrue(yaml.contains("    serviceSubnet: 10.96.0.0/16\n"), "NKD's default service subnet, not nkd's /12");
        assertTrue(yaml.contains("    controlPlaneEndpoint: 10.1.0.11:6443\n"), "the first master's ip");
        assertTrue(yaml.contains("    enabled: false\n"), "NKD did not deploy the Housekeeper by default");
        assertTrue(Nkd.keys(result).contains("kubernetes.kubernetesVersion"));
    }

    @Test
    void theHousekeeperUpgradeTargetIsTheDesiredVersion() {
        String text = Nkd.minimal() + "housekeeper:\n  deployHousekeeper: true\n  kubeVersion: v1.31.5\n";
        ImportResult result = NkdConfigImporter.convert(text, "c.yaml");
        assertTrue(Nkd.cluster(result).contains("    version: v1.31.5\n"));
        assertTrue(Nkd.keys(result).contains("housekeeper.kubeVersion"));
    }

    @Test
    void endpointsLoseTheirSchemeAndRuntimesTheirAliases() {
        String text = Nkd.minimal().replace("apiserverEndpoint: 10.1.0.11:6443", "apiserverEndpoint: https://api.lab.example:6443/")
                .replace("runtime: containerd", "runtime: CRI-O");
        String yaml = Nkd.cluster(NkdConfigImporter.convert(text, "c.yaml"));
        assertTrue(yaml.contains("    controlPlaneEndpoint: api.lab.example:6443\n"), yaml);
        assertTrue(yaml.contains("    runtime: crio\n"), yaml);
    }

    @Test
    void aClusterIdThatIsNoDnsLabelIsRenamedAndSaysSo() {
        ImportResult result = NkdConfigImporter.convert(Nkd.minimal().replace("clusterID: lab", "clusterID: My_Lab.1"), "c.yaml");
        assertEquals("my-lab-1", result.cluster());
        assertTrue(result.files().containsKey("clusters/my-lab-1/cluster.yaml"));
        assertTrue(Nkd.keys(result).contains("clusterID"));
    }

    @Test
    void caFilesMayBeSpelledWithFileAndHalfAPairIsNotImported() {
        String text = Nkd.minimal() + "certAsset:\n  rootCACertFile: /pki/ca.crt\n  rootCAKeyFile: /pki/ca.key\n"
                + "  etcdCACertPath: /pki/etcd/ca.crt\n";
        ImportResult result = NkdConfigImporter.convert(text, "c.yaml");
        assertEquals(Map.of("pki/ca.crt", "/pki/ca.crt", "pki/ca.key", "/pki/ca.key"), result.caFiles());
        assertTrue(result.notCarriedOver().stream().anyMatch(i -> i.key().equals("certAsset.etcdCACertPath")
                && i.reason().contains("certAsset.etcdCAKeyPath")));
    }

    @Test
    void aPublicKeyInSshKeyIsUsedAsItIs() {
        String key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGtGZ8bJk2VZ3bDPa2z9U9wK1mBn0Tq6o2V5YH2bq0xR me@example";
        String yaml = Nkd.cluster(NkdConfigImporter.convert(Nkd.minimal() + "sshKey: \"" + key + "\"\n", "c.yaml"));
        assertTrue(yaml.contains("          - " + key + "\n"), yaml);
    }
}
