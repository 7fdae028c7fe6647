package io.nkd.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nkd.report.Entry;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The example repository is valid; each broken variant fails with the right code, file and line. */
class ConfigValidationTest {
    private static final String PROD = "clusters/openstack-prod/cluster.yaml";
    private static final String LAB = "clusters/libvirt-lab/cluster.yaml";
    private static final String DEMO = "clusters/sandbox-demo/cluster.yaml";
    private static final String CATALOG = "images/nestos.yaml";

    @Test
    void exampleRepositoryIsValid() {
        RepositoryConfig config = ConfigLoader.load(ExampleRepository.snapshot());
        assertTrue(config.valid(), config.allProblems()::toString);
        assertEquals(List.of("libvirt-lab", "openstack-prod", "sandbox-demo"),
                config.clusters().stream().map(LoadedCluster::name).toList());
        // the demo's tour upgrades sandbox-demo from 24.09 to 24.09.2 and reverts it
        assertEquals(java.util.Set.of("nestos-24.03-k8s-1.30", "nestos-24.09-k8s-1.31", "nestos-24.09.2-k8s-1.31"),
                config.images().keySet());
        LoadedCluster prod = config.cluster("openstack-prod").orElseThrow();
        assertEquals(3, prod.spec().pools().get(0).replicas());
        assertEquals(List.of("clusters/openstack-prod/butane/all/10-chrony.bu", "clusters/openstack-prod/butane/workers/20-logs-disk.bu"),
                prod.snippetsFor("workers").stream().map(Snippet::file).toList());
    }

    static Stream<Arguments> brokenVariants() {
        return Stream.of(
                broken("unknown key with suggestion", PROD, s -> s.replace("replicas: 3\n      machine: {flavor: m1.large}",
                        "replica: 3\n      machine: {flavor: m1.large}"), "UnknownKey", PROD, 38, "did you mean \"replicas\""),
                broken("YAML syntax error", LAB, s -> s.replace("  os:\n", "  os: [\n"), "YamlSyntax", LAB, -1, "invalid YAML"),
                broken("wrong type", DEMO, s -> s.replace("replicas: 2", "replicas: two"), "InvalidValue", DEMO, 23, "expected an integer"),
                broken("bad enum", LAB, s -> s.replace("runtime: isulad", "runtime: isulda"), "InvalidValue", LAB, 10, "did you mean \"isulad\""),
                broken("even control plane", PROD, s -> s.replace("replicas: 3\n      machine: {flavor: m1.large}",
                        "replicas: 2\n      machine: {flavor: m1.large}"), "EvenControlPlane", PROD, 38, "odd number"),
                broken("two control planes", DEMO, s -> s.replace("role: worker", "role: control-plane"), "ControlPlaneCount", DEMO, 18, "exactly one"),
                broken("duplicate pool", DEMO, s -> s.replace("name: workers", "name: control-plane"), "DuplicatePool", DEMO, 21, "already used"),
                broken("duplicate node", LAB, s -> s.replace("hostname: lab-worker-2", "hostname: lab-worker-1"), "DuplicateNode", LAB, 40, "already used"),
                broken("overlapping CIDRs", LAB, s -> s.replace("serviceSubnet: 10.96.0.0/12", "serviceSubnet: 10.244.0.0/20"),
                        "OverlappingSubnets", LAB, 12, "overlaps"),
                broken("host bits in CIDR", LAB, s -> s.replace("podSubnet: 10.244.0.0/16", "podSubnet: 10.244.1.0/16"), "BadCidr", LAB, 11, "host bits"),
                broken("bad endpoint", PROD, s -> s.replace("k8s-prod.example.com:6443", "k8s prod:99999"), "BadEndpoint", PROD, 12, "invalid port"),
                broken("unsupported Kubernetes", DEMO, s -> s.replace("version: v1.31.4", "version: v1.19.0"), "UnsupportedKubernetes", DEMO, 8, "not supported"),
                broken("image not in catalog", DEMO, s -> s.replace("image: nestos-24.09-k8s-1.31", "image: nestos-24.09-k8s-131"),
                        "UnknownImage", DEMO, 12, "did you mean \"nestos-24.09-k8s-1.31\""),
                broken("image not pinned", CATALOG, s -> s.replaceFirst("nestos@sha256:[0-9a-f]+", "nestos:24.03"), "ImageNotPinned", CATALOG, 7, "pinned by digest"),
                broken("bad cron", PROD, s -> s.replace("\"0 0 1 ? * SAT\"", "\"every saturday\""), "BadSchedule", PROD, 56, "Quartz cron"),
                broken("bad time zone", PROD, s -> s.replace("Europe/Berlin", "Europe/Atlantis"), "BadTimeZone", PROD, 58, "IANA"),
                broken("name mismatch", DEMO, s -> s.replace("name: sandbox-demo", "name: demo"), "NameMismatch", DEMO, 5, "directory name"),
                broken("missing manifest", LAB, s -> s.replace("cni/flannel.yaml", "cni/calico.yaml"), "MissingManifest", LAB, 57, "does not exist"),
                broken("snippet writes an nkd path", "clusters/sandbox-demo/butane/all/10-motd.bu",
                        s -> s.replace("/etc/motd.d/10-nkd-demo", "/etc/kubernetes/kubelet.conf"), "OwnedPath",
                        "clusters/sandbox-demo/butane/all/10-motd.bu", 5, "templates/butane/kubeadm.bu"),
                broken("invalid snippet", "clusters/openstack-prod/butane/all/10-chrony.bu", s -> s.replace("path: /etc/chrony.d", "path: etc/chrony.d"),
                        "ErrPathRelative", "clusters/openstack-prod/butane/all/10-chrony.bu", 6, "path not absolute"),
                broken("missing secret reference", PROD, s -> s.replace("credentials: {name: openstack-prod-credentials}", "credentials: {}"),
                        "InvalidValue", PROD, 29, "exactly one of name or env"));
    }

    private static Arguments broken(String name, String file, UnaryOperator<String> edit, String code, String reportedFile,
                                    int line, String messagePart) {
        return Arguments.of(name, file, edit, code, reportedFile, line, messagePart);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("brokenVariants")
    void brokenVariantIsReportedWhereItIs(String name, String file, UnaryOperator<String> edit, String code, String reportedFile,
                                          int line, String messagePart) {
        RepositoryConfig config = ConfigLoader.load(ExampleRepository.with(file, edit));
        assertFalse(config.valid(), "expected the variant to be invalid");
        List<Entry> matching = config.allProblems().entries().stream().filter(e -> e.code().equals(code)).toList();
        assertEquals(1, matching.size(), () -> "expected one " + code + " in:\n" + config.allProblems());
        Entry e = matching.get(0);
        assertEquals(reportedFile, e.file());
        if (line > 0) {
            assertEquals(line, e.location().line(), e::toString);
        } else {
            assertTrue(e.location() != null, e::toString);
        }
        assertTrue(e.message().contains(messagePart), e::toString);
    }

    @Test
    void oneBrokenClusterDoesNotHideTheOthers() {
        RepositoryConfig config = ConfigLoader.load(ExampleRepository.with(DEMO, s -> s.replace("kind: Cluster", "kind: Clustr")));
        assertFalse(config.cluster("sandbox-demo").orElseThrow().valid());
        assertTrue(config.cluster("openstack-prod").orElseThrow().valid());
        assertTrue(config.cluster("libvirt-lab").orElseThrow().valid());
    }
}
