package io.nkd.render;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nkd.config.ConfigLoader;
import io.nkd.config.RepositoryConfig;
import io.nkd.config.Snapshot;
import io.nkd.git.Snapshots;
import io.nkd.report.Entry;
import io.nkd.testsupport.JsonCompare;
import io.nkd.testsupport.RepoPaths;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * spec.kubernetes.registries reaches each container runtime in its own format, with nothing added when unset, and
 * bad entries are refused where they are written.
 */
class RegistriesTest {
    private static final String CLUSTER = "clusters/openstack-prod/cluster.yaml";
    private static final String REGISTRIES = """
                registries:
                  - prefix: docker.io
                    mirrors: [https://mirror.example.com/, http://10.0.0.5:5000]
                    insecure: true
                  - prefix: quay.io
                    mirrors: [https://quay-mirror.example.com/v2-cache]
            """;

    private static Snapshot cluster(String runtime, String registries) {
        Snapshot base = Snapshots.fromDirectory(RepoPaths.repoRoot().resolve("repo-layout/example"));
        TreeMap<String, byte[]> files = new TreeMap<>(base.files());
        String yaml = base.text(CLUSTER).orElseThrow().replace("    runtime: containerd\n", "    runtime: " + runtime + "\n" + registries);
        files.put(CLUSTER, yaml.getBytes(StandardCharsets.UTF_8));
        return new Snapshot("edited", files);
    }

    private static JsonNode workers(Snapshot s) {
        RepositoryConfig config = ConfigLoader.load(s);
        assertTrue(config.valid(), config.allProblems()::toString);
        RenderedCluster r = ClusterRenderer.render(config.cluster("openstack-prod").orElseThrow(), config.images(),
                BootstrapSecrets.placeholders());
        assertTrue(r.ok(), r.report()::toString);
        return r.pools().get(1).config();
    }

    private static String text(JsonNode config, String path) {
        for (JsonNode f : config.path("storage").path("files")) {
            if (f.path("path").asText().equals(path)) {
                byte[] bytes = JsonCompare.decodeDataUrl(f.path("contents").path("source").asText());
                if ("gzip".equals(f.path("contents").path("compression").asText())) {
                    try (var in = new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(bytes))) {
                        bytes = in.readAllBytes();
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }
                return new String(bytes, StandardCharsets.UTF_8);
            }
        }
        return null;
    }

    @Test
    void containerdGetsOneHostsTomlPerRegistryAndItsConfigPath() {
        JsonNode w = workers(cluster("containerd", REGISTRIES));
        assertTrue(text(w, "/etc/containerd/config.toml").contains(
                "[plugins.\"io.containerd.grpc.v1.cri\".registry]\n  config_path = \"/etc/containerd/certs.d\""));
        assertEquals("""
                # Written by nkd: pulls from docker.io try its mirrors first, in order, then the registry.
                server = "https://registry-1.docker.io"
                skip_verify = true

                [host."https://mirror.example.com"]
                  capabilities = ["pull", "resolve"]
                  skip_verify = true

                [host."http://10.0.0.5:5000"]
                  capabilities = ["pull", "resolve"]
                  skip_verify = true
                """, text(w, "/etc/containerd/certs.d/docker.io/hosts.toml"));
        String quay = text(w, "/etc/containerd/certs.d/quay.io/hosts.toml");
        assertTrue(quay.contains("server = \"https://quay.io\"\n"), quay);
        assertTrue(quay.contains("[host.\"https://quay-mirror.example.com/v2-cache\"]"), quay);
        assertFalse(quay.contains("skip_verify"), "quay.io is not insecure: " + quay);
    }

    @Test
    void crioGetsARegistriesConfDropIn() {
        JsonNode w = workers(cluster("crio", REGISTRIES));
        String conf = text(w, "/etc/containers/registries.conf.d/10-nkd-registries.conf");
        assertTrue(conf.contains("[[registry]]\nprefix = \"docker.io\"\nlocation = \"docker.io\"\ninsecure = true\n"), conf);
        assertTrue(conf.contains("[[registry.mirror]]\nlocation = \"mirror.example.com\"\ninsecure = true\n"), conf);
        assertTrue(conf.contains("[[registry.mirror]]\nlocation = \"10.0.0.5:5000\"\ninsecure = true\n"), conf);
        assertTrue(conf.contains("[[registry.mirror]]\nlocation = \"quay-mirror.example.com/v2-cache\"\ninsecure = false\n"), conf);
    }

    @Test
    void dockerAndIsuladGetDaemonJsonArrays() throws Exception {
        String hubOnly = """
                    registries:
                      - prefix: docker.io
                        mirrors: [https://mirror.example.com]
                      - prefix: harbor.example.com:5000
                        insecure: true
                """;
        ObjectMapper json = new ObjectMapper();
        JsonNode docker = json.readTree(text(workers(cluster("docker", hubOnly)), "/etc/docker/daemon.json"));
        assertEquals("[\"https://mirror.example.com\"]", docker.path("registry-mirrors").toString());
        assertEquals("[\"harbor.example.com:5000\"]", docker.path("insecure-registries").toString());
        JsonNode isulad = json.readTree(text(workers(cluster("isulad", hubOnly)), "/etc/isulad/daemon.json"));
        assertEquals("[\"https://mirror.example.com\"]", isulad.path("registry-mirrors").toString());
        assertEquals("[\"harbor.example.com:5000\"]", isulad.path("insecure-registries").toString());
    }

    @Test
    void withoutRegistriesTheRuntimeConfigsAreUnchanged() throws Exception {
        JsonNode containerd = workers(cluster("containerd", ""));
        assertFalse(text(containerd, "/etc/containerd/config.toml").contains("config_path"));
        assertTrue(List.of("docker.io", "quay.io").stream().allMatch(p -> text(containerd, "/etc/containerd/certs.d/" + p + "/hosts.toml") == null));
        assertNull(text(workers(cluster("crio", "")), "/etc/containers/registries.conf.d/10-nkd-registries.conf"));
        JsonNode docker = new ObjectMapper().readTree(text(workers(cluster("docker", "")), "/etc/docker/daemon.json"));
        assertFalse(docker.has("registry-mirrors"), docker::toString);
        assertEquals("[]", new ObjectMapper().readTree(text(workers(cluster("isulad", "")), "/etc/isulad/daemon.json"))
                .path("registry-mirrors").toString());
    }

    private static Entry onlyError(String runtime, String registries, String code) {
        RepositoryConfig config = ConfigLoader.load(cluster(runtime, registries));
        List<Entry> errors = config.allProblems().entries().stream().filter(Entry::isError).toList();
        assertEquals(1, errors.size(), errors::toString);
        Entry e = errors.get(0);
        assertEquals(code, e.code(), e::toString);
        assertEquals(CLUSTER, e.file());
        return e;
    }

    @Test
    void badEntriesAreReportedWithTheirPlaceAndWhatToDo() {
        Entry scheme = onlyError("containerd", """
                    registries:
                      - prefix: https://docker.io
                """, "BadRegistry");
        assertEquals(16, scheme.location().line(), scheme::toString);
        assertTrue(scheme.message().contains("without a scheme"), scheme::toString);
        Entry http = onlyError("containerd", """
                    registries:
                      - prefix: docker.io
                        mirrors: [http://10.0.0.5:5000]
                """, "InsecureMirror");
        assertTrue(http.message().contains("set insecure: true"), http::toString);
        assertEquals(17, http.location().line(), http::toString);
        Entry dockerQuay = onlyError("docker", """
                    registries:
                      - prefix: quay.io
                        mirrors: [https://quay-mirror.example.com]
                """, "MirrorNotSupported");
        assertTrue(dockerQuay.message().contains("use containerd or crio"), dockerQuay::toString);
        Entry twice = onlyError("containerd", """
                    registries:
                      - prefix: docker.io
                      - prefix: Docker.io
                """, "DuplicateRegistry");
        assertTrue(twice.message().contains("registries[0]"), twice::toString);
        Entry credentials = onlyError("crio", """
                    registries:
                      - prefix: docker.io
                        mirrors: ["https://user:pw@mirror.example.com"]
                """, "BadMirror");
        assertTrue(credentials.message().contains("credentials do not belong in Git"), credentials::toString);
        assertFalse(credentials.message().contains("user:pw"), "a credential typed into Git is not repeated in the error");
    }
}
