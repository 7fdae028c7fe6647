package io.nkd.render;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.nkd.config.ConfigLoader;
import io.nkd.config.LoadedCluster;
import io.nkd.config.RepositoryConfig;
import io.nkd.config.Snapshot;
import io.nkd.git.Snapshots;
import io.nkd.json.JsonOutput;
import io.nkd.testsupport.IgnitionTools;
import io.nkd.testsupport.JsonCompare;
import io.nkd.testsupport.RepoPaths;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClusterRendererTest {
    @TempDir
    Path tmp;

    private static Snapshot example() {
        return Snapshots.fromDirectory(RepoPaths.repoRoot().resolve("repo-layout/example"));
    }

    private static Snapshot edited(String file, UnaryOperator<String> edit) {
        Snapshot base = example();
        TreeMap<String, byte[]> files = new TreeMap<>(base.files());
        files.put(file, edit.apply(base.text(file).orElseThrow()).getBytes(StandardCharsets.UTF_8));
        return new Snapshot("edited", files);
    }

    private static RenderedCluster render(Snapshot snapshot, String cluster, BootstrapSecrets secrets) {
        RepositoryConfig config = ConfigLoader.load(snapshot);
        LoadedCluster c = config.cluster(cluster).orElseThrow();
        RenderedCluster r = ClusterRenderer.render(c, config.images(), secrets);
        assertTrue(r.ok(), r.report()::toString);
        return r;
    }

    private static BootstrapSecrets fakeSecrets(String token) {
        TreeMap<String, BootstrapSecrets.PkiFile> files = new TreeMap<>();
        BootstrapSecrets.SHARED_CONTROL_PLANE_FILES.forEach((p, m) -> files.put(p, new BootstrapSecrets.PkiFile("PEM of " + p + token, m)));
        return new BootstrapSecrets(token, "c0ffee" + token, "sha256:" + "ab".repeat(32), files);
    }

    private static JsonNode file(JsonNode config, String path) {
        for (JsonNode f : config.path("storage").path("files")) {
            if (f.path("path").asText().equals(path)) {
                return f;
            }
        }
        return null;
    }

    private static String text(JsonNode config, String path) {
        JsonNode f = file(config, path);
        assertTrue(f != null, "no file " + path);
        String src = f.path("contents").path("source").asText();
        byte[] bytes = JsonCompare.decodeDataUrl(src);
        if ("gzip".equals(f.path("contents").path("compression").asText())) {
            try (var in = new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(bytes))) {
                bytes = in.readAllBytes();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private static List<String> unitNames(JsonNode config) {
        List<String> names = new ArrayList<>();
        config.path("systemd").path("units").forEach(u -> names.add(u.path("name").asText()));
        return names;
    }

    @Test
    void renderingIsByteIdentical() {
        for (String cluster : List.of("openstack-prod", "libvirt-lab", "sandbox-demo")) {
            RenderedCluster a = render(example(), cluster, fakeSecrets("t1"));
            RenderedCluster b = render(example(), cluster, fakeSecrets("t1"));
            assertEquals(a.versions(), b.versions());
            for (int i = 0; i < a.pools().size(); i++) {
                assertEquals(JsonOutput.write(a.pools().get(i).config(), true), JsonOutput.write(b.pools().get(i).config(), true));
            }
        }
    }

    @Test
    void rotatingSecretsKeepsTheVersionButARealChangeMakesANewOne() {
        RenderedCluster base = render(example(), "openstack-prod", fakeSecrets("t1"));
        RenderedCluster rotated = render(example(), "openstack-prod", fakeSecrets("t2"));
        assertEquals(base.versions(), rotated.versions());
        assertNotEquals(JsonOutput.write(base.pools().get(0).config(), false), JsonOutput.write(rotated.pools().get(0).config(), false));
        RenderedCluster changed = render(edited("clusters/openstack-prod/cluster.yaml",
                s -> s.replace("imageRepository: registry.k8s.io", "imageRepository: registry.example.com/k8s")), "openstack-prod",
                fakeSecrets("t1"));
        assertNotEquals(base.versions().get("workers"), changed.versions().get("workers"));
        assertTrue(base.versions().get("workers").matches("rendered-workers-[0-9a-f]{16}"));
    }

    @Test
    void poolsGetTheirRoleAndTheirSnippets() {
        RenderedCluster prod = render(example(), "openstack-prod", BootstrapSecrets.placeholders());
        JsonNode cp = prod.pools().get(0).config();
        JsonNode workers = prod.pools().get(1).config();
        assertTrue(file(cp, "/etc/nkd/kubeadm-init.yaml") != null);
        assertTrue(file(workers, "/etc/nkd/kubeadm-init.yaml") == null, "workers never run kubeadm init");
        assertEquals(0600, file(cp, "/etc/kubernetes/pki/ca.key").path("mode").asInt());
        assertTrue(file(workers, "/etc/kubernetes/pki/ca.key") == null, "CA keys stay on control-plane nodes");
        // nkd ships the shared CAs, so no certificate key: joins never need the kubeadm-certs Secret
        assertTrue(text(cp, "/etc/nkd/kubeadm-join.yaml").contains("\ncontrolPlane: {}\n"));
        assertFalse(text(cp, "/etc/nkd/kubeadm-join.yaml").contains("certificateKey"));
        assertFalse(text(cp, "/etc/nkd/kubeadm-init.yaml").contains("certificateKey:"));
        assertFalse(text(workers, "/etc/nkd/kubeadm-join.yaml").contains("controlPlane"));
        // all-pool snippet on both, the workers' snippet only on workers
        assertTrue(file(cp, "/etc/chrony.d/10-company.conf") != null);
        assertTrue(file(workers, "/etc/chrony.d/10-company.conf") != null);
        assertTrue(unitNames(workers).contains("var-log-pods.mount"), unitNames(workers)::toString);
        assertFalse(unitNames(cp).contains("var-log-pods.mount"));
        assertTrue(unitNames(cp).containsAll(List.of("containerd.service", "kubelet.service", "nkd-bootstrap.service",
                "nkd-os-rebase.service")));
        String init = text(cp, "/etc/nkd/kubeadm-init.yaml");
        assertTrue(init.contains("apiVersion: kubeadm.k8s.io/v1beta4"), init);
        assertTrue(init.contains("    - name: \"audit-log-maxage\"\n      value: \"30\""), init);
        assertTrue(text(cp, "/etc/nkd/cluster").contains("INIT_NODE=openstack-prod-control-plane-1"));
        assertTrue(text(workers, "/etc/nkd/kubeadm-join.yaml").contains(
                "  kubeletExtraArgs:\n    - name: \"node-labels\"\n      value: \"example.com/pool=workers\"\n"),
                () -> text(workers, "/etc/nkd/kubeadm-join.yaml"));
        assertTrue(file(workers, "/etc/systemd/system/kubelet.service.d/10-nkd.conf") == null,
                "kubelet settings go through kubeadm, not a drop-in the image's kubeadm drop-in overrides");
    }

    @Test
    void olderKubernetesUsesV1beta3AndTheRuntimesSocket() {
        RenderedCluster lab = render(example(), "libvirt-lab", BootstrapSecrets.placeholders());
        JsonNode cp = lab.pools().get(0).config();
        String init = text(cp, "/etc/nkd/kubeadm-init.yaml");
        assertTrue(init.contains("apiVersion: kubeadm.k8s.io/v1beta3"), init);
        assertTrue(init.contains("criSocket: \"unix:///var/run/isulad.sock\""), init);
        assertTrue(file(cp, "/etc/isulad/daemon.json") != null);
        assertTrue(unitNames(cp).contains("isulad.service"));
        RenderedConfig overlay = lab.nodes().stream().filter(n -> n.name().equals("lab-worker-2")).findFirst().orElseThrow();
        assertEquals("lab-worker-2\n", text(overlay.config(), "/etc/hostname"));
        String keyfile = text(overlay.config(), "/etc/NetworkManager/system-connections/nkd-static.nmconnection");
        assertTrue(keyfile.contains("address1=192.168.122.22/24,192.168.122.1"), keyfile);
        // no MAC listed and no interface named: the address goes to the machine's ethernet NIC, whatever its name
        assertFalse(keyfile.contains("interface-name="), keyfile);
        assertFalse(keyfile.contains("mac-address="), keyfile);
        assertEquals(0600, file(overlay.config(), "/etc/NetworkManager/system-connections/nkd-static.nmconnection").path("mode").asInt());
    }

    @Test
    void anEndpointNamedAfterAStaticMachineResolvesOnEveryNode() {
        RenderedCluster lab = render(edited("clusters/libvirt-lab/cluster.yaml", s -> s.replace(
                "controlPlaneEndpoint: 192.168.122.10:6443", "controlPlaneEndpoint: lab-cp-1:6443")), "libvirt-lab",
                BootstrapSecrets.placeholders());
        for (RenderedConfig pool : lab.pools()) {
            JsonNode hosts = file(pool.config(), "/etc/hosts");
            assertTrue(hosts != null, pool.name());
            assertEquals("192.168.122.10 lab-cp-1\n", new String(JsonCompare.decodeDataUrl(
                    hosts.path("append").get(0).path("source").asText()), StandardCharsets.UTF_8));
            assertFalse(hosts.path("overwrite").asBoolean(false), "appended to the image's /etc/hosts, never replacing it");
        }
        // an IP endpoint needs no entry
        assertTrue(file(render(example(), "libvirt-lab", BootstrapSecrets.placeholders()).pools().get(0).config(), "/etc/hosts") == null);
    }

    @Test
    void aStaticAddressIsBoundToTheMachinesMacNotToANicName() {
        RenderedCluster lab = render(edited("clusters/libvirt-lab/cluster.yaml", s -> s.replace(
                "        - hostname: lab-worker-2\n          ip: 192.168.122.22\n",
                "        - hostname: lab-worker-2\n          ip: 192.168.122.22\n          mac: 52:54:00:AB:CD:22\n")),
                "libvirt-lab", BootstrapSecrets.placeholders());
        RenderedConfig overlay = lab.nodes().stream().filter(n -> n.name().equals("lab-worker-2")).findFirst().orElseThrow();
        String keyfile = text(overlay.config(), "/etc/NetworkManager/system-connections/nkd-static.nmconnection");
        assertTrue(keyfile.contains("\n[ethernet]\nmac-address=52:54:00:ab:cd:22\n"), keyfile);
        assertFalse(keyfile.contains("interface-name="), keyfile);
        RenderedCluster named = render(edited("clusters/libvirt-lab/cluster.yaml", s -> s.replace(
                "        prefixLength: 24\n", "        prefixLength: 24\n        interfaceName: eth1\n")),
                "libvirt-lab", BootstrapSecrets.placeholders());
        String eth1 = text(named.nodes().get(0).config(), "/etc/NetworkManager/system-connections/nkd-static.nmconnection");
        assertTrue(eth1.contains("\ninterface-name=eth1\n"), eth1);
    }

    @Test
    void everyRenderedConfigPassesTheRealIgnitionValidate() throws IOException {
        IgnitionTools.assumeIgnitionValidate();
        int validated = 0;
        for (String cluster : List.of("openstack-prod", "libvirt-lab", "sandbox-demo")) {
            RenderedCluster r = render(example(), cluster, fakeSecrets("t"));
            List<RenderedConfig> all = new ArrayList<>(r.pools());
            all.addAll(r.nodes());
            for (RenderedConfig c : all) {
                String version = c.config().path("ignition").path("version").asText();
                if (!IgnitionTools.validateKnows(version)) {
                    continue;
                }
                Path f = Files.writeString(tmp.resolve(cluster + "-" + c.name() + ".ign"), JsonOutput.write(c.config(), true));
                IgnitionTools.Run run = IgnitionTools.validate(f);
                assertEquals(0, run.exit(), () -> cluster + "/" + c.name() + ":\n" + run.output());
                assertEquals("", run.output().strip(), cluster + "/" + c.name());
                validated++;
            }
        }
        assertTrue(validated > 0, "ignition-validate reads none of the rendered configs' spec versions: nothing was checked");
    }

    @Test
    void theRealIgnitionWritesTheControlPlaneBootstrap() throws IOException {
        IgnitionTools.assumeIgnition();
        IgnitionTools.assumeRootAndUseradd(tmp);
        // real secrets, generated into a state store as `nkd render --state-dir` does
        var store = new io.nkd.state.LocalStateStore(tmp.resolve("state"));
        BootstrapSecrets real = new io.nkd.secrets.ClusterSecrets(store, new io.nkd.secrets.SecretResolver(tmp, java.util.Map.of()),
                new java.security.SecureRandom(), java.time.Clock.systemUTC())
                .ensure(ConfigLoader.load(example()).cluster("openstack-prod").orElseThrow());
        RenderedCluster prod = render(example(), "openstack-prod", real);
        Path config = Files.writeString(tmp.resolve("cp.ign"), JsonOutput.write(prod.pools().get(0).config(), true));
        Path root = IgnitionTools.applyFilesStage(config, tmp);
        assertTrue(Files.readString(root.resolve("etc/nkd/kubeadm-init.yaml")).contains("kind: ClusterConfiguration"));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(root.resolve("etc/nkd/kubeadm-init.yaml"))));
        for (var e : BootstrapSecrets.SHARED_CONTROL_PLANE_FILES.entrySet()) {
            Path p = root.resolve("etc/kubernetes").resolve(e.getKey());
            assertTrue(Files.exists(p), p::toString);
            String expected = e.getValue() == 0600 ? "rw-------" : "rw-r--r--";
            assertEquals(expected, PosixFilePermissions.toString(Files.getPosixFilePermissions(p)), p::toString);
        }
        assertEquals(Files.readString(tmp.resolve("state/clusters/openstack-prod/kubernetes/pki/ca.key")),
                Files.readString(root.resolve("etc/kubernetes/pki/ca.key")), "the node gets the stored CA, byte for byte");
        String join = Files.readString(root.resolve("etc/nkd/kubeadm-join.yaml"));
        assertTrue(join.contains(real.discoveryHash()) && join.contains(real.bootstrapToken()), join);
        assertEquals("rwxr-xr-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(root.resolve("usr/local/bin/nkd-bootstrap"))));
        assertTrue(Files.readString(root.resolve("etc/systemd/system/nkd-bootstrap.service")).contains("Restart=on-failure"));
        String presets = Files.readString(root.resolve("etc/systemd/system-preset/20-ignition.preset"));
        for (String unit : List.of("kubelet.service", "containerd.service", "nkd-bootstrap.service", "nkd-os-rebase.service")) {
            assertTrue(presets.contains("enable " + unit), presets);
        }
        assertTrue(Files.readString(root.resolve("etc/chrony.d/10-company.conf")).contains("ntp1.example.com"));
        assertTrue(Files.exists(root.resolve("home/core/.ssh/authorized_keys.d/ignition")));
    }
}
