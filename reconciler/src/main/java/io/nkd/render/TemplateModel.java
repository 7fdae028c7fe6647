package io.nkd.render;

import io.nkd.config.ClusterSpec;
import io.nkd.config.Endpoint;
import io.nkd.config.ImageCatalog;
import io.nkd.config.KubernetesSpec;
import io.nkd.config.KubernetesVersion;
import io.nkd.config.NodePool;
import io.nkd.ignition.spec.IgnitionVersion;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Builds the values templates see (documented in templates/README.md). Pure. */
final class TemplateModel {
    /**
     * Where kubelet and kube-controller-manager look for FlexVolume plugins. Their default,
     * /usr/libexec/kubernetes/kubelet-plugins/volume/exec, is on NestOS's read-only /usr, where kubeadm's hostPath
     * mount for the controller manager cannot be created; NestOS's guide moves it under /opt/libexec.
     */
    static final String VOLUME_PLUGIN_DIR = "/opt/libexec/kubernetes/kubelet-plugins/volume/exec";

    private TemplateModel() {
    }

    /** The model for one pool (node fields are added per node by {@link #forNode}). */
    static Map<String, Object> forPool(String cluster, ClusterSpec spec, NodePool pool, String osImageURL, String osVersion,
                                       String initNode, BootstrapSecrets secrets) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("butaneVersion", butaneVersionFor(IgnitionVersion.parse(spec.ignition().version()).orElseThrow()));
        m.put("cluster", Map.of("name", cluster));
        Map<String, Object> k8s = kubernetes(spec.kubernetes());
        k8s.putAll(endpointHostsEntry(cluster, spec));
        m.put("kubernetes", k8s);
        m.put("runtime", runtime(spec.kubernetes().runtime()));
        m.put("registries", RegistryFiles.model(spec.kubernetes()));
        m.put("os", Map.of("osImageURL", osImageURL, "osVersion", osVersion));
        boolean controlPlane = pool.role() == NodePool.Role.CONTROL_PLANE;
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("name", pool.name());
        p.put("role", pool.role().wire());
        p.put("controlPlane", controlPlane);
        String nodeLabels = String.join(",", new TreeMap<>(pool.labels()).entrySet().stream()
                .map(e -> e.getKey() + "=" + e.getValue()).toList());
        p.put("nodeLabels", nodeLabels);
        // kubelet flags go through kubeadm (nodeRegistration.kubeletExtraArgs, written to kubeadm-flags.env), never
        // through a drop-in of nkd's that the image's kubeadm drop-in could override
        Map<String, String> kubeletArgs = new TreeMap<>(spec.kubernetes().kubeletExtraArgs());
        if (!nodeLabels.isEmpty()) {
            kubeletArgs.merge("node-labels", nodeLabels, (user, labels) -> user + "," + labels);
        }
        p.put("kubeletArgs", args(kubeletArgs));
        p.put("hasKubeletArgs", !kubeletArgs.isEmpty());
        m.put("pool", p);
        m.put("initNode", initNode);
        m.put("users", users(spec, secrets));
        // no certificate key: nkd ships the shared CAs in Ignition, so nothing goes through the kubeadm-certs Secret
        m.put("secrets", Map.of("bootstrapToken", secrets.bootstrapToken(), "discoveryHash", secrets.discoveryHash()));
        List<Map<String, Object>> pki = new ArrayList<>();
        if (controlPlane) {
            secrets.controlPlaneFiles().forEach((path, f) ->
                    pki.add(Map.of("path", path, "contents", f.contents(), "mode", "0" + Integer.toOctalString(f.mode()))));
        }
        m.put("pki", pki);
        return m;
    }

    /** A copy of the pool model with one node's fields. */
    static Map<String, Object> forNode(Map<String, Object> poolModel, String hostname, String ip, String mac,
                                       NodePool.StaticNetwork net) {
        Map<String, Object> m = new LinkedHashMap<>(poolModel);
        Map<String, Object> node = new LinkedHashMap<>();
        node.put("hostname", hostname);
        node.put("hostnameLine", hostname + "\n");
        boolean isStatic = ip != null && net != null;
        node.put("static", isStatic);
        node.put("ip", ip == null ? "" : ip);
        node.put("prefixLength", net == null ? "" : String.valueOf(net.prefixLength()));
        node.put("gateway", net == null ? "" : net.gateway());
        // the keyfile binds to the machine's MAC when it is known, else to a named interface when the pool names one,
        // else to no interface (any ethernet device: right for the usual one-NIC machine, whatever the NIC is called)
        String interfaceName = net == null || net.interfaceName() == null ? "" : net.interfaceName();
        String macAddress = mac == null ? "" : mac.toLowerCase(java.util.Locale.ROOT);
        node.put("macAddress", macAddress);
        node.put("hasMac", !macAddress.isEmpty());
        node.put("interfaceName", interfaceName);
        node.put("hasInterfaceName", macAddress.isEmpty() && !interfaceName.isEmpty());
        node.put("hasDns", net != null && !net.dns().isEmpty());
        node.put("dnsList", net == null ? "" : String.join(";", net.dns()));
        m.put("node", node);
        return m;
    }

    /** The Butane version whose output is the cluster's Ignition spec version. */
    static String butaneVersionFor(IgnitionVersion v) {
        return switch (v) {
            case V3_0_0 -> "1.0.0";
            case V3_1_0 -> "1.1.0";
            case V3_2_0 -> "1.3.0";
            case V3_3_0 -> "1.4.0";
            case V3_4_0 -> "1.5.0";
            case V3_5_0 -> "1.6.0";
            case V3_6_0 -> "1.7.0";
        };
    }

    private static Map<String, Object> kubernetes(KubernetesSpec k) {
        KubernetesVersion v = KubernetesVersion.parse(k.version());
        Endpoint endpoint = Endpoint.parse(k.controlPlaneEndpoint());
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("version", v.toString());
        m.put("versionNumber", v.toString().substring(1));
        m.put("kubeadmApiVersion", v.kubeadmApiVersion());
        m.put("v1beta4", v.kubeadmApiVersion().endsWith("v1beta4"));
        m.put("endpoint", endpoint.toString());
        m.put("endpointHost", endpoint.host());
        m.put("endpointPort", String.valueOf(endpoint.port()));
        m.put("imageRepository", k.imageRepository());
        m.put("pauseImage", k.pauseImage());
        m.put("podSubnet", k.podSubnet());
        m.put("serviceSubnet", k.serviceSubnet());
        m.put("dnsDomain", k.dnsDomain());
        List<Map<String, Object>> sans = k.apiServerCertSANs().stream().map(s -> Map.<String, Object>of("value", s)).toList();
        m.put("certSANs", sans);
        m.put("volumePluginDir", VOLUME_PLUGIN_DIR);
        Map<String, String> controllerManager = new TreeMap<>(k.controllerManagerExtraArgs());
        controllerManager.putIfAbsent("flex-volume-plugin-dir", VOLUME_PLUGIN_DIR);
        m.put("components", List.of(
                component("apiServer", k.apiServerExtraArgs(), sans),
                component("controllerManager", controllerManager, List.of()),
                component("scheduler", k.schedulerExtraArgs(), List.of())));
        return m;
    }

    /**
     * An /etc/hosts line for the control-plane endpoint when it is a host name nkd knows the address of (a listed
     * machine with a static address), so every node resolves it before any DNS knows it. Other names (a load
     * balancer's) must resolve through DNS; an IP endpoint needs nothing.
     */
    private static Map<String, Object> endpointHostsEntry(String cluster, ClusterSpec spec) {
        Endpoint endpoint = Endpoint.parse(spec.kubernetes().controlPlaneEndpoint());
        String line = "";
        if (!endpoint.isIp()) {
            line = io.nkd.config.Topology.nodes(cluster, spec).stream()
                    .filter(n -> n.name().equals(endpoint.host()) && n.ip() != null)
                    .map(n -> n.ip() + " " + endpoint.host() + "\n").findFirst().orElse("");
        }
        return Map.of("hostsEntry", line, "hasHostsEntry", !line.isEmpty());
    }

    private static Map<String, Object> component(String name, Map<String, String> args, List<Map<String, Object>> sans) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("name", name);
        c.put("args", args(args));
        c.put("hasArgs", !args.isEmpty());
        c.put("certSANs", sans);
        c.put("hasCertSANs", !sans.isEmpty());
        c.put("hasSettings", !args.isEmpty() || !sans.isEmpty());
        return c;
    }

    private static List<Map<String, Object>> args(Map<String, String> args) {
        return new TreeMap<>(args).entrySet().stream()
                .map(e -> Map.<String, Object>of("name", e.getKey(), "value", e.getValue())).toList();
    }

    private static Map<String, Object> runtime(KubernetesSpec.Runtime r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", r.wire());
        m.put("criSocket", r.criSocket());
        for (KubernetesSpec.Runtime each : KubernetesSpec.Runtime.values()) {
            m.put(each.wire(), each == r);
        }
        return m;
    }

    private static List<Map<String, Object>> users(ClusterSpec spec, BootstrapSecrets secrets) {
        List<Map<String, Object>> users = new ArrayList<>();
        for (var u : spec.access().users()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", u.name());
            m.put("sshKeys", u.sshAuthorizedKeys().stream().map(k -> Map.<String, Object>of("key", k)).toList());
            m.put("groups", u.groups().stream().map(g -> Map.<String, Object>of("group", g)).toList());
            // a password hash is a secret: it comes from the state directory, never from Git
            m.put("hasPasswordHash", u.passwordHash() != null);
            m.put("passwordHash", u.passwordHash() == null ? "" : secrets.passwordHash(u.name()));
            users.add(m);
        }
        return users;
    }

    static ImageCatalog.Release resolveImage(ClusterSpec spec, Map<String, ImageCatalog.Release> images) {
        if (spec.os().image() != null) {
            return images.get(spec.os().image());
        }
        return new ImageCatalog.Release("pinned", spec.os().osImageURL(), "pinned", spec.kubernetes().version(), null);
    }
}
