package io.nkd.render;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The kubeadm documents nkd renders for repo-layout/example, parsed out of the rendered Ignition and checked field by
 * field against the kubeadm configuration references (kubeadm.k8s.io v1beta3 and v1beta4, kubelet.config.k8s.io
 * v1beta1): only fields the reference defines, in the shape of that version, and the values a NestOS node needs.
 */
class KubeadmDocumentsTest {
    private static final YAMLMapper YAML = new YAMLMapper();
    private static final String PLUGIN_DIR = "/opt/libexec/kubernetes/kubelet-plugins/volume/exec";

    // the fields of each type in the references (v1beta4 additions marked by the caller)
    private static final Set<String> INIT = Set.of("apiVersion", "kind", "bootstrapTokens", "nodeRegistration", "localAPIEndpoint",
            "certificateKey", "skipPhases", "patches");
    private static final Set<String> INIT_V1BETA4 = Set.of("dryRun", "timeouts");
    private static final Set<String> CLUSTER = Set.of("apiVersion", "kind", "etcd", "networking", "kubernetesVersion",
            "controlPlaneEndpoint", "apiServer", "controllerManager", "scheduler", "dns", "certificatesDir", "imageRepository",
            "featureGates", "clusterName");
    private static final Set<String> CLUSTER_V1BETA4 = Set.of("proxy", "encryptionAlgorithm", "certificateValidityPeriod",
            "caCertificateValidityPeriod");
    private static final Set<String> JOIN = Set.of("apiVersion", "kind", "nodeRegistration", "caCertPath", "discovery",
            "controlPlane", "skipPhases", "patches");
    private static final Set<String> NODE_REGISTRATION = Set.of("name", "criSocket", "taints", "kubeletExtraArgs",
            "ignorePreflightErrors", "imagePullPolicy");
    private static final Set<String> BOOTSTRAP_TOKEN = Set.of("token", "description", "ttl", "expires", "usages", "groups");
    private static final Set<String> DISCOVERY_TOKEN = Set.of("token", "apiServerEndpoint", "caCertHashes",
            "unsafeSkipCAVerification");
    private static final Set<String> COMPONENT = Set.of("extraArgs", "extraVolumes");
    private static final Set<String> NETWORKING = Set.of("serviceSubnet", "podSubnet", "dnsDomain");

    @Test
    void initDocumentsOfEveryClusterFollowTheReference() throws IOException {
        for (String cluster : List.of("openstack-prod", "libvirt-lab", "sandbox-demo")) {
            JsonNode cp = NodeBootstrapScriptTest.pool(cluster, "control-plane");
            Map<String, JsonNode> docs = documents(cp, "/etc/nkd/kubeadm-init.yaml");
            assertEquals(Set.of("InitConfiguration", "ClusterConfiguration", "KubeletConfiguration"), docs.keySet(), cluster);
            JsonNode init = docs.get("InitConfiguration");
            boolean v1beta4 = init.path("apiVersion").asText().equals("kubeadm.k8s.io/v1beta4");
            assertEquals(cluster.equals("libvirt-lab") ? "kubeadm.k8s.io/v1beta3" : "kubeadm.k8s.io/v1beta4",
                    init.path("apiVersion").asText(), cluster);
            onlyFields(init, INIT, v1beta4 ? INIT_V1BETA4 : Set.of(), cluster + " InitConfiguration");
            assertFalse(init.has("certificateKey"), cluster + ": nkd ships the CAs, so no certificate key and no kubeadm-certs");
            JsonNode token = init.path("bootstrapTokens").get(0);
            onlyFields(token, BOOTSTRAP_TOKEN, Set.of(), cluster + " bootstrapTokens[0]");
            assertTrue(token.path("token").asText().matches("[a-z0-9]{6}\\.[a-z0-9]{16}"), cluster);
            nodeRegistration(init.path("nodeRegistration"), v1beta4, Map.of(), cluster + " InitConfiguration");

            JsonNode cc = docs.get("ClusterConfiguration");
            assertEquals(init.path("apiVersion"), cc.path("apiVersion"));
            onlyFields(cc, CLUSTER, v1beta4 ? CLUSTER_V1BETA4 : Set.of(), cluster + " ClusterConfiguration");
            onlyFields(cc.path("networking"), NETWORKING, Set.of(), cluster + " networking");
            for (String component : List.of("controllerManager", "scheduler")) {
                onlyFields(cc.path(component), COMPONENT, v1beta4 ? Set.of("extraEnvs") : Set.of(), cluster + " " + component);
            }
            onlyFields(cc.path("apiServer"), COMPONENT, v1beta4 ? Set.of("extraEnvs", "certSANs") : Set.of("certSANs",
                    "timeoutForControlPlane"), cluster + " apiServer");
            Map<String, String> cm = args(cc.path("controllerManager").path("extraArgs"), v1beta4, cluster + " controllerManager");
            assertEquals(PLUGIN_DIR, cm.get("flex-volume-plugin-dir"), cluster + ": kube-controller-manager on a read-only /usr");
            args(cc.path("apiServer").path("extraArgs"), v1beta4, cluster + " apiServer");

            JsonNode kubelet = docs.get("KubeletConfiguration");
            assertEquals("kubelet.config.k8s.io/v1beta1", kubelet.path("apiVersion").asText());
            assertEquals("systemd", kubelet.path("cgroupDriver").asText());
            assertEquals(PLUGIN_DIR, kubelet.path("volumePluginDir").asText(), cluster + ": kubelet's FlexVolume directory");
            // every kubelet (joiners read this KubeletConfiguration from the kubelet-config ConfigMap) rotates its own
            // client certificate: only the control-plane leaves need a renewal through the Housekeeper
            assertTrue(kubelet.path("rotateCertificates").isBoolean() && kubelet.path("rotateCertificates").asBoolean(),
                    cluster + ": rotateCertificates: true");

            assertTrue(directories(cp).contains(PLUGIN_DIR), cluster + ": Ignition creates the plugin directory");
        }
    }

    @Test
    void joinDocumentsCarryNoCertificateKeyAndThePoolsKubeletFlags() throws IOException {
        for (String cluster : List.of("openstack-prod", "libvirt-lab", "sandbox-demo")) {
            for (String pool : List.of("control-plane", "workers")) {
                JsonNode config = NodeBootstrapScriptTest.pool(cluster, pool);
                JsonNode join = documents(config, "/etc/nkd/kubeadm-join.yaml").get("JoinConfiguration");
                String where = cluster + "/" + pool + " JoinConfiguration";
                boolean v1beta4 = join.path("apiVersion").asText().equals("kubeadm.k8s.io/v1beta4");
                onlyFields(join, JOIN, v1beta4 ? Set.of("dryRun", "timeouts") : Set.of(), where);
                JsonNode token = join.path("discovery").path("bootstrapToken");
                onlyFields(join.path("discovery"), Set.of("bootstrapToken", "file", "tlsBootstrapToken", "timeout"), Set.of(), where);
                onlyFields(token, DISCOVERY_TOKEN, Set.of(), where + " discovery");
                assertTrue(token.path("caCertHashes").get(0).asText().matches("sha256:[0-9a-f]{64}"), where);
                Map<String, String> expected = cluster.equals("openstack-prod") && pool.equals("workers")
                        ? Map.of("node-labels", "example.com/pool=workers") : Map.of();
                nodeRegistration(join.path("nodeRegistration"), v1beta4, expected, where);
                if (pool.equals("control-plane")) {
                    assertTrue(join.path("controlPlane").isObject(), where);
                    onlyFields(join.path("controlPlane"), Set.of("localAPIEndpoint"), Set.of(), where + " controlPlane");
                } else {
                    assertFalse(join.has("controlPlane"), where);
                }
            }
        }
    }

    @Test
    void kubeletSettingsAreNotInADropInTheImagesKubeadmDropInOverrides() {
        JsonNode workers = NodeBootstrapScriptTest.pool("openstack-prod", "workers");
        for (JsonNode f : workers.path("storage").path("files")) {
            assertFalse(f.path("path").asText().startsWith("/etc/systemd/system/kubelet.service.d/"), f.path("path")::asText);
        }
        for (JsonNode u : workers.path("systemd").path("units")) {
            if (u.path("name").asText().equals("kubelet.service")) {
                assertTrue(u.path("dropins").isMissingNode() || u.path("dropins").isEmpty(), u::toString);
            }
        }
    }

    @Test
    void thePauseImageFollowsTheKubernetesMinor() {
        // libvirt-lab runs 1.30 (kubeadm 1.30 uses pause 3.9), openstack-prod 1.31 (3.10)
        String isulad = text(NodeBootstrapScriptTest.pool("libvirt-lab", "workers"), "/etc/isulad/daemon.json");
        assertTrue(isulad.contains("\"pod-sandbox-image\": \"registry.k8s.io/pause:3.9\""), isulad);
        String containerd = text(NodeBootstrapScriptTest.pool("openstack-prod", "workers"), "/etc/containerd/config.toml");
        assertTrue(containerd.contains("sandbox_image = \"registry.k8s.io/pause:3.10\""), containerd);
    }

    @Test
    void theUnitsScriptsAndOsSettingsAreTheOnesARealNodeNeeds() {
        JsonNode cp = NodeBootstrapScriptTest.pool("openstack-prod", "control-plane");
        String unit = null;
        for (JsonNode u : cp.path("systemd").path("units")) {
            if (u.path("name").asText().equals("nkd-bootstrap.service")) {
                unit = u.path("contents").asText();
            }
        }
        assertTrue(unit != null && unit.contains("TimeoutStartSec=infinity"), String.valueOf(unit));
        assertTrue(text(cp, "/usr/local/bin/nkd-os-rebase").contains("rpm-ostree rebase --bypass-driver "),
                "zincati is NestOS's update driver");
        String selinux = text(cp, "/etc/selinux/config");
        assertTrue(selinux.lines().anyMatch("SELINUX=disabled"::equals), selinux);
        String script = text(cp, "/usr/local/bin/nkd-bootstrap");
        assertFalse(script.contains("--upload-certs"), "no kubeadm-certs Secret");
        String joinWait = script.substring(script.indexOf("cluster_initialised() {"), script.indexOf("\n}\n", script.indexOf("cluster_initialised() {")));
        assertFalse(joinWait.contains("/healthz"), "joins wait for kubeadm init to finish, not for /healthz: " + joinWait);
        assertTrue(joinWait.contains("jws-kubeconfig-"), joinWait);
        // /healthz only where kubeadm's own wait-control-plane phase would look: the init node, after kubelet-start
        String initWait = script.substring(script.indexOf("wait_control_plane() {"), script.indexOf("\n}\n", script.indexOf("wait_control_plane() {")));
        script.lines().filter(l -> !l.strip().startsWith("#") && l.contains("/healthz"))
                .forEach(l -> assertTrue(initWait.contains(l), "/healthz outside the init node's wait: " + l));
        assertTrue(initWait.contains("/healthz"), initWait);
    }

    // --- helpers

    private static Map<String, JsonNode> documents(JsonNode config, String path) throws IOException {
        String text = text(config, path);
        Map<String, JsonNode> byKind = new LinkedHashMap<>();
        try (var it = YAML.readValues(YAML.getFactory().createParser(text), JsonNode.class)) {
            while (it.hasNext()) {
                JsonNode doc = it.next();
                byKind.put(doc.path("kind").asText(), doc);
            }
        }
        return byKind;
    }

    private static String text(JsonNode config, String path) {
        return new String(NodeBootstrapScriptTest.bytes(config, path), StandardCharsets.UTF_8);
    }

    private static Set<String> directories(JsonNode config) {
        Set<String> dirs = new TreeSet<>();
        config.path("storage").path("directories").forEach(d -> dirs.add(d.path("path").asText()));
        return dirs;
    }

    private static void onlyFields(JsonNode node, Set<String> allowed, Set<String> alsoAllowed, String where) {
        if (node.isMissingNode()) {
            return;
        }
        assertTrue(node.isObject(), where + " is not a mapping: " + node);
        List<String> unknown = new ArrayList<>();
        node.fieldNames().forEachRemaining(f -> {
            if (!allowed.contains(f) && !alsoAllowed.contains(f)) {
                unknown.add(f);
            }
        });
        assertEquals(List.of(), unknown, where + ": fields the reference does not define");
    }

    private static void nodeRegistration(JsonNode nr, boolean v1beta4, Map<String, String> kubeletArgs, String where) {
        onlyFields(nr, NODE_REGISTRATION, v1beta4 ? Set.of("imagePullSerial") : Set.of(), where + " nodeRegistration");
        assertTrue(nr.path("criSocket").asText().startsWith("unix:///"), where);
        assertEquals(kubeletArgs, args(nr.path("kubeletExtraArgs"), v1beta4, where + " kubeletExtraArgs"));
    }

    /** Extra arguments: v1beta4 has a list of {name, value}, v1beta3 a map of strings. */
    private static Map<String, String> args(JsonNode node, boolean v1beta4, String where) {
        Map<String, String> out = new LinkedHashMap<>();
        if (node.isMissingNode()) {
            return out;
        }
        if (v1beta4) {
            assertTrue(node.isArray(), where + ": v1beta4 extra arguments are a list of {name, value}");
            for (JsonNode a : node) {
                onlyFields(a, Set.of("name", "value"), Set.of(), where);
                assertTrue(a.path("value").isTextual(), where);
                out.put(a.path("name").asText(), a.path("value").asText());
            }
        } else {
            assertTrue(node.isObject(), where + ": v1beta3 extra arguments are a map of strings");
            ((ObjectNode) node).fields().forEachRemaining(e -> {
                assertTrue(e.getValue().isTextual(), where);
                out.put(e.getKey(), e.getValue().asText());
            });
        }
        return out;
    }
}
