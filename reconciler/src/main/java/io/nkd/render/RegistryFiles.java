package io.nkd.render;

import io.nkd.config.KubernetesSpec;
import io.nkd.config.KubernetesSpec.Registry;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What the container runtime of every node is told about {@code spec.kubernetes.registries}, in its own format.
 * Pure. Inputs are validated first (ClusterChecks): prefixes are host[:port], mirrors http(s) URLs without quotes,
 * so they go into TOML and JSON strings as they are.
 */
final class RegistryFiles {
    /** containerd reads per-registry hosts.toml files from here once its CRI config names the directory. */
    static final String CONTAINERD_CERTS_D = "/etc/containerd/certs.d";
    static final String CRIO_REGISTRIES_CONF = "/etc/containers/registries.conf.d/10-nkd-registries.conf";

    private RegistryFiles() {
    }

    /** The template values: {@code any}, {@code containerdHosts} (path, contents), {@code crioConf}, and daemon.json arrays. */
    static Map<String, Object> model(KubernetesSpec k) {
        List<Registry> registries = k.registries();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("any", !registries.isEmpty());
        m.put("certsDir", CONTAINERD_CERTS_D);
        m.put("containerdHosts", registries.stream().map(r -> Map.<String, Object>of(
                "path", CONTAINERD_CERTS_D + "/" + r.prefix() + "/hosts.toml", "contents", containerdHosts(r))).toList());
        m.put("crioPath", CRIO_REGISTRIES_CONF);
        m.put("crioConf", crio(registries));
        m.put("mirrorsJson", jsonArray(dockerHubMirrors(registries)));
        m.put("insecureJson", jsonArray(insecureHosts(registries)));
        return m;
    }

    /** containerd's hosts.toml for one registry: its mirrors first (pull and resolve only), then the registry. */
    static String containerdHosts(Registry r) {
        StringBuilder out = new StringBuilder();
        out.append("# Written by nkd: pulls from ").append(r.prefix()).append(" try its mirrors first, in order, then the registry.\n");
        String server = r.prefix().equals("docker.io") ? "https://registry-1.docker.io" : "https://" + r.prefix();
        out.append("server = \"").append(server).append("\"\n");
        if (r.insecure()) {
            out.append("skip_verify = true\n");
        }
        for (String mirror : r.mirrors()) {
            out.append("\n[host.\"").append(stripSlash(mirror)).append("\"]\n");
            out.append("  capabilities = [\"pull\", \"resolve\"]\n");
            if (r.insecure()) {
                out.append("  skip_verify = true\n");
            }
        }
        return out.toString();
    }

    /** CRI-O (containers-registries.conf v2): one [[registry]] per prefix with its mirrors; insecure allows HTTP and unverified TLS. */
    static String crio(List<Registry> registries) {
        StringBuilder out = new StringBuilder("# Written by nkd from spec.kubernetes.registries.\n");
        for (Registry r : registries) {
            out.append("\n[[registry]]\n");
            out.append("prefix = \"").append(r.prefix()).append("\"\n");
            out.append("location = \"").append(r.prefix()).append("\"\n");
            out.append("insecure = ").append(r.insecure()).append('\n');
            for (String mirror : r.mirrors()) {
                out.append("\n[[registry.mirror]]\n");
                out.append("location = \"").append(withoutScheme(mirror)).append("\"\n");
                out.append("insecure = ").append(r.insecure()).append('\n');
            }
        }
        return out.toString();
    }

    /** Docker and iSulad: mirrors exist for Docker Hub only (checked), as URLs. */
    private static List<String> dockerHubMirrors(List<Registry> registries) {
        return registries.stream().filter(r -> r.prefix().equals("docker.io")).flatMap(r -> r.mirrors().stream())
                .map(RegistryFiles::stripSlash).toList();
    }

    /** Docker and iSulad: every insecure registry and the hosts of its mirrors. */
    private static List<String> insecureHosts(List<Registry> registries) {
        Set<String> hosts = new LinkedHashSet<>();
        for (Registry r : registries) {
            if (r.insecure()) {
                hosts.add(r.prefix());
                r.mirrors().forEach(m -> hosts.add(URI.create(m).getRawAuthority()));
            }
        }
        return new ArrayList<>(hosts);
    }

    private static String jsonArray(List<String> values) {
        return values.stream().map(v -> "\"" + v + "\"").collect(Collectors.joining(", ", "[", "]"));
    }

    private static String stripSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    private static String withoutScheme(String url) {
        return stripSlash(url.replaceFirst("^https?://", ""));
    }
}
