package io.nkd.render;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.nkd.config.ConfigLoader;
import io.nkd.config.RepositoryConfig;
import io.nkd.git.Snapshots;
import io.nkd.testkit.Ci;
import io.nkd.testsupport.JsonCompare;
import io.nkd.testsupport.RepoPaths;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Runs the rendered {@code nkd-bootstrap} of repo-layout/example against a kubeadm double
 * ({@code src/test/resources/bootstrap/kubeadm}: reset empties the cert directory, init creates a CA only when its
 * files are missing, init phases can fail or be cut off, the kubeadm-certs Secret is gone as after two hours), with
 * doubles for curl (the API at the endpoint), sleep and hostname. The node's files are those the rendered Ignition
 * config writes, under a temporary root.
 */
class NodeBootstrapScriptTest {
    private static final String TOKEN = "abc123.0123456789abcdef";
    private static final String TOKEN_SECRET = "0123456789abcdef";
    private static final String CERTIFICATE_KEY = "5e".repeat(32);
    private static final List<String> DOUBLES = List.of("kubeadm", "curl", "sleep", "hostname");

    @TempDir
    Path tmp;
    Path api;

    @BeforeEach
    void tools() throws IOException {
        for (String tool : List.of("bash", "setsid", "sed", "cp", "base64", "find", "sha256sum")) {
            Ci.require(onPath(tool), tool + " is not on PATH: apt-get install bash util-linux sed coreutils");
        }
        api = Files.createDirectories(tmp.resolve("api"));
    }

    /** The phases nkd-bootstrap runs for kubeadm init, in order (wait-control-plane is the script's own wait). */
    private static final List<String> INIT_PHASES = List.of("preflight", "certs", "kubeconfig", "etcd", "control-plane",
            "kubelet-start", "upload-config", "mark-control-plane", "bootstrap-token", "kubelet-finalize", "addon");

    @Test
    void anInterruptedInitAndARebootInTheMiddleKeepTheCAsNkdWrote() throws IOException {
        JsonNode config = pool("openstack-prod", "control-plane");
        Node cp1 = new Node("openstack-prod-control-plane-1", config);
        Map<String, String> servesApi = Map.of("KUBEADM_DOUBLE_SERVES_API", "1");

        Run cut = cp1.run(with(servesApi, "KUBEADM_KILL_AT", "kubeconfig"));
        assertNotEquals(0, cut.exit(), "the power cut stops the first run");
        assertFalse(cp1.done());
        Run failed = cp1.run(with(servesApi, "KUBEADM_FAIL_AT", "upload-config"));
        assertNotEquals(0, failed.exit(), failed::output);
        Run ok = cp1.run(servesApi);
        assertEquals(0, ok.exit(), ok::output);
        assertTrue(cp1.done());

        assertCAsAsNkdWrote(cp1, config);
        List<String> calls = cp1.calls();
        assertTrue(calls.stream().noneMatch(c -> c.startsWith("kubeadm reset")), "a retry of init never resets: " + calls);
        assertEquals(1, count(calls, "kubeadm init phase certs all"), "certs ran once; the retries resumed after it: " + calls);
        assertEquals(2, count(calls, "kubeadm init phase kubeconfig all"), calls::toString);
        assertEquals(2, count(calls, "kubeadm init phase upload-config all"), calls::toString);
        assertTrue(calls.stream().noneMatch(c -> c.contains("--upload-certs") || c.contains("upload-certs")), calls::toString);
        assertTrue(failed.output().contains("resuming kubeadm init after its phase certs"), failed::output);
        assertTrue(ok.output().contains("resuming kubeadm init after its phase wait-control-plane"), ok::output);
        for (Run r : List.of(cut, failed, ok)) {
            assertFalse(r.output().contains(TOKEN_SECRET), () -> "the bootstrap token reached the journal:\n" + r.output());
            assertFalse(r.output().contains(CERTIFICATE_KEY), "the certificate key reached the journal");
        }
        assertTrue(ok.output().contains("Using token: <redacted: bootstrap token>"), ok::output);
        assertFalse(Files.exists(cp1.root.resolve("var/lib/nkd/init-phases")), "nothing left to resume");
        // a later start of the unit does nothing
        Run again = cp1.run(servesApi);
        assertEquals(0, again.exit());
        assertEquals(calls.size(), cp1.calls().size());
    }

    /**
     * kubeadm init cut off at every phase boundary (a power cut as the phase starts, and once it has written what it
     * writes), then the unit's retry: it resumes with kubeadm init phase from the first phase not done, never resets,
     * and keeps the CAs nkd wrote, the bootstrap token, and every node that joined in between (once bootstrap-token
     * signed cluster-info, workers join at once).
     */
    @ParameterizedTest(name = "{0} at {1}")
    @CsvSource({
            "KUBEADM_KILL_AT,preflight", "KUBEADM_KILL_AT,certs", "KUBEADM_KILL_AT,kubeconfig", "KUBEADM_KILL_AT,etcd",
            "KUBEADM_KILL_AT,control-plane", "KUBEADM_KILL_AT,kubelet-start", "KUBEADM_KILL_AT,upload-config",
            "KUBEADM_KILL_AT,mark-control-plane", "KUBEADM_KILL_AT,bootstrap-token", "KUBEADM_KILL_AT,kubelet-finalize",
            "KUBEADM_KILL_AT,addon",
            "KUBEADM_KILL_AFTER,certs", "KUBEADM_KILL_AFTER,etcd", "KUBEADM_KILL_AFTER,kubelet-start",
            "KUBEADM_KILL_AFTER,bootstrap-token", "KUBEADM_KILL_AFTER,kubelet-finalize", "KUBEADM_KILL_AFTER,addon",
            "KUBEADM_FAIL_AT,bootstrap-token", "KUBEADM_FAIL_AT,kubelet-finalize", "KUBEADM_FAIL_AT,addon"})
    void anInitCutOffAtAPhaseBoundaryResumesThereAndKeepsWhoJoined(String how, String at) throws IOException {
        JsonNode config = pool("openstack-prod", "control-plane");
        Node cp1 = new Node("openstack-prod-control-plane-1", config);
        Map<String, String> servesApi = Map.of("KUBEADM_DOUBLE_SERVES_API", "1");
        Run cut = cp1.run(with(servesApi, how, at));
        assertNotEquals(0, cut.exit(), cut::output);
        assertFalse(cp1.done());

        // a worker that sees cluster-info signed joins meanwhile; otherwise it keeps waiting (stopped here)
        Node worker = new Node("openstack-prod-workers-1", pool("openstack-prod", "workers"));
        boolean signed = Files.exists(api.resolve("cluster-info"));
        assertEquals(INIT_PHASES.indexOf(at) > INIT_PHASES.indexOf("bootstrap-token")
                || INIT_PHASES.indexOf(at) == INIT_PHASES.indexOf("bootstrap-token") && how.equals("KUBEADM_KILL_AFTER"), signed,
                "cluster-info is signed exactly once the bootstrap-token phase has run");
        Run joined = worker.run(Map.of("SLEEP_KILL_AT", "2"));
        assertEquals(signed, worker.done(), joined::output);

        Run retry = cp1.run(servesApi);
        assertEquals(0, retry.exit(), retry::output);
        assertTrue(cp1.done());
        List<String> calls = cp1.calls();
        assertTrue(calls.stream().noneMatch(c -> c.startsWith("kubeadm reset")), "a retry of init never resets: " + calls);
        for (String phase : INIT_PHASES) {
            // the phase that was cut off runs again; every other one exactly once (the retry resumed after them)
            assertEquals(phase.equals(at) ? 2 : 1, calls.stream().filter(c -> c.startsWith("kubeadm init phase " + phase + " ")).count(),
                    () -> phase + ": " + calls);
        }
        assertCAsAsNkdWrote(cp1, config);
        assertEquals(TOKEN + "\n", Files.readString(api.resolve("bootstrap-token-abc123")), "the same bootstrap token");
        assertTrue(Files.readString(api.resolve("cluster-info")).contains("jws-kubeconfig-abc123"));
        assertTrue(Files.exists(api.resolve("nodes/openstack-prod-control-plane-1")));
        if (signed) {
            assertTrue(Files.exists(api.resolve("nodes/openstack-prod-workers-1")),
                    "the worker that joined between the cut and the retry is still a member");
        } else {
            Run late = worker.run(Map.of());
            assertEquals(0, late.exit(), late::output);
            assertTrue(Files.exists(api.resolve("nodes/openstack-prod-workers-1")));
        }
        for (Run r : List.of(cut, retry)) {
            assertFalse(r.output().contains(TOKEN_SECRET), () -> "the bootstrap token reached the journal:\n" + r.output());
        }
    }

    @Test
    void aResumedInitRefusesACAThatIsNotTheOneNkdWrote() throws IOException {
        JsonNode config = pool("openstack-prod", "control-plane");
        Node cp1 = new Node("openstack-prod-control-plane-1", config);
        Map<String, String> servesApi = Map.of("KUBEADM_DOUBLE_SERVES_API", "1");
        assertNotEquals(0, cp1.run(with(servesApi, "KUBEADM_KILL_AT", "etcd")).exit());
        Files.writeString(cp1.root.resolve("etc/kubernetes/pki/ca.crt"), "another CA\n");
        Files.delete(cp1.root.resolve("etc/kubernetes/pki/sa.pub"));
        Run refused = cp1.run(servesApi);
        assertNotEquals(0, refused.exit(), refused::output);
        assertTrue(refused.output().contains("pki/ca.crt is not the file nkd wrote: refusing to resume kubeadm init with another CA"),
                refused::output);
        assertEquals(1, count(cp1.calls(), "kubeadm init phase etcd local"), "only the run the power cut stopped: nothing goes on with another CA");

        // the CA as nkd wrote it again: the retry puts back the missing key and resumes
        Files.write(cp1.root.resolve("etc/kubernetes/pki/ca.crt"), bytes(config, "/etc/kubernetes/pki/ca.crt"));
        Run resumed = cp1.run(servesApi);
        assertEquals(0, resumed.exit(), resumed::output);
        assertTrue(resumed.output().contains("put back " + cp1.root + "/etc/kubernetes/pki/sa.pub as nkd wrote it"), resumed::output);
        assertCAsAsNkdWrote(cp1, config);
    }

    private static void assertCAsAsNkdWrote(Node node, JsonNode config) throws IOException {
        for (String path : BootstrapSecrets.SHARED_CONTROL_PLANE_FILES.keySet()) {
            Path onNode = node.root.resolve("etc/kubernetes").resolve(path);
            assertArrayEquals(bytes(config, "/etc/kubernetes/" + path), Files.readAllBytes(onNode),
                    path + " must be the file nkd wrote, byte for byte, after the retries");
            assertEquals(mode(config, "/etc/kubernetes/" + path), Files.getPosixFilePermissions(onNode), path);
        }
    }

    private static long count(List<String> calls, String prefix) {
        return calls.stream().filter(c -> c.startsWith(prefix + " ") || c.equals(prefix)).count();
    }

    @Test
    void aJoinerStoppedWhileWaitingForInitWaitsAgainWithoutAReset() throws IOException {
        Node worker = new Node("openstack-prod-workers-1", pool("openstack-prod", "workers"));
        // the API server answers /healthz, but kubeadm init has not reached its bootstrap-token phase
        Files.writeString(api.resolve("healthz"), "ok\n");

        Run stopped = worker.run(Map.of("SLEEP_KILL_AT", "3"));
        assertNotEquals(0, stopped.exit(), stopped::output);
        assertEquals(List.of(), worker.calls(), "no kubeadm before kubeadm init has finished");
        assertFalse(Files.exists(worker.root.resolve("var/lib/nkd/bootstrap.attempted")),
                "the attempt marker is not set while waiting");

        Files.writeString(api.resolve("cluster-info.pending"), "jws-kubeconfig-abc123: signature\n");
        Run joined = worker.run(Map.of("SLEEP_PUBLISH_AT", "2"));
        assertEquals(0, joined.exit(), joined::output);
        assertEquals(List.of("kubeadm join --config " + worker.root + "/etc/nkd/kubeadm-join.yaml"), worker.calls());
        assertTrue(worker.done());
        assertFalse(joined.output().contains(TOKEN_SECRET), joined::output);
    }

    @Test
    void aControlPlaneNodeJoinsLongAfterInitWithoutTheKubeadmCertsSecret() throws IOException {
        JsonNode config = pool("openstack-prod", "control-plane");
        Node cp2 = new Node("openstack-prod-control-plane-2", config);
        // init finished hours ago: cluster-info is signed, the kubeadm-certs Secret is long gone
        Files.writeString(api.resolve("healthz"), "ok\n");
        Files.writeString(api.resolve("cluster-info"), "jws-kubeconfig-abc123: signature\n");

        Run joined = cp2.run(Map.of());
        assertEquals(0, joined.exit(), joined::output);
        assertTrue(cp2.done());
        for (String path : BootstrapSecrets.SHARED_CONTROL_PLANE_FILES.keySet()) {
            assertArrayEquals(bytes(config, "/etc/kubernetes/" + path),
                    Files.readAllBytes(cp2.root.resolve("etc/kubernetes").resolve(path)), path);
        }
    }

    @Test
    void aFailedJoinIsResetAndRetriedKeepingTheCAs() throws IOException {
        JsonNode config = pool("openstack-prod", "control-plane");
        Node cp3 = new Node("openstack-prod-control-plane-3", config);
        Files.writeString(api.resolve("cluster-info"), "jws-kubeconfig-abc123: signature\n");

        Run failed = cp3.run(Map.of("KUBEADM_FAIL_AT", "kubelet-start"));
        assertNotEquals(0, failed.exit());
        Run joined = cp3.run(Map.of());
        assertEquals(0, joined.exit(), joined::output);
        assertEquals(List.of("join", "reset", "join"), cp3.calls().stream().map(c -> c.split(" ")[1]).toList());
        for (String path : BootstrapSecrets.SHARED_CONTROL_PLANE_FILES.keySet()) {
            assertArrayEquals(bytes(config, "/etc/kubernetes/" + path),
                    Files.readAllBytes(cp3.root.resolve("etc/kubernetes").resolve(path)), path);
        }
    }

    @Test
    void aWorkerCreatedMonthsAfterInitJoinsWithTheFreshTokenOfItsNodeConfig() throws IOException {
        String fresh = "fre5h1.abcdefghij012345";
        Node worker = new Node("openstack-prod-workers-2", pool("openstack-prod", "workers"));
        worker.write(overlay("openstack-prod", "openstack-prod-workers-2", fresh));
        // the cluster's first token expired long ago and its signature left cluster-info; nkd's fresh one signs it
        Files.writeString(api.resolve("cluster-info"), "jws-kubeconfig-fre5h1: signature\n");

        Run joined = worker.run(Map.of());
        assertEquals(0, joined.exit(), joined::output);
        assertTrue(worker.done());
        Path used = worker.root.resolve("var/lib/nkd/kubeadm-join.yaml");
        assertEquals(List.of("kubeadm join --config " + used), worker.calls());
        String config = Files.readString(used);
        assertTrue(config.contains("token: \"" + fresh + "\""), config);
        assertFalse(config.contains(TOKEN), "the pool's token is replaced");
        assertEquals(permissions(0600), Files.getPosixFilePermissions(used));
        assertFalse(joined.output().contains("abcdefghij012345"), () -> "the fresh token reached the journal:\n" + joined.output());
        assertTrue(joined.output().contains("fresh bootstrap token fre5h1"), joined::output);
    }

    @Test
    void theFirstControlPlaneNodeCreatedAgainOnARunningClusterJoinsItNeverInitsAnother() throws IOException {
        String fresh = "fre5h2.abcdefghij012345";
        JsonNode config = pool("openstack-prod", "control-plane");
        Node cp1 = new Node("openstack-prod-control-plane-1", config);
        cp1.write(overlay("openstack-prod", "openstack-prod-control-plane-1", fresh));
        Files.writeString(api.resolve("healthz"), "ok\n");
        Files.writeString(api.resolve("cluster-info"), "jws-kubeconfig-fre5h2: signature\n");

        Run joined = cp1.run(Map.of());
        assertEquals(0, joined.exit(), joined::output);
        assertEquals(List.of("kubeadm join --config " + cp1.root.resolve("var/lib/nkd/kubeadm-join.yaml")), cp1.calls(),
                "the cluster is initialised (cluster-info is signed for the node's fresh token): join, not init");
    }

    @Test
    void aFreshTokenChangesTheNodeOverlaysButNotThePoolVersions() {
        RepositoryConfig config = ConfigLoader.load(Snapshots.fromDirectory(RepoPaths.repoRoot().resolve("repo-layout/example")));
        var cluster = config.cluster("openstack-prod").orElseThrow();
        RenderedCluster plain = ClusterRenderer.render(cluster, config.images(), secrets());
        RenderedCluster withToken = ClusterRenderer.render(cluster, config.images(), secrets(), "fre5h1.abcdefghij012345");
        assertTrue(withToken.ok(), withToken.report()::toString);
        assertEquals(plain.versions(), withToken.versions(), "a token refresh is not a new version of a pool");
        assertEquals(plain.pools(), withToken.pools());
        for (RenderedConfig n : withToken.nodes()) {
            RenderedConfig before = plain.nodes().stream().filter(p -> p.name().equals(n.name())).findFirst().orElseThrow();
            assertNotEquals(before.version(), n.version(), n.name());
            assertEquals("fre5h1.abcdefghij012345\n", new String(bytes(n.config(), "/etc/nkd/join-token"), StandardCharsets.UTF_8));
            assertEquals(permissions(0600), mode(n.config(), "/etc/nkd/join-token"));
            assertThrowsAssertion(() -> bytes(before.config(), "/etc/nkd/join-token"));
        }
    }

    private static void assertThrowsAssertion(Runnable r) {
        try {
            r.run();
        } catch (AssertionError expected) {
            return;
        }
        throw new AssertionError("a node overlay rendered without a join token writes /etc/nkd/join-token");
    }

    static JsonNode overlay(String cluster, String node, String joinToken) {
        RepositoryConfig config = ConfigLoader.load(Snapshots.fromDirectory(RepoPaths.repoRoot().resolve("repo-layout/example")));
        RenderedCluster r = ClusterRenderer.render(config.cluster(cluster).orElseThrow(), config.images(), secrets(), joinToken);
        assertTrue(r.ok(), r.report()::toString);
        return r.nodes().stream().filter(p -> p.name().equals(node)).findFirst().orElseThrow().config();
    }

    // --- a node: the files its rendered config writes, under a temporary root, and the doubles on PATH

    private final class Node {
        final Path root;
        final Path bin;
        final Path script;
        final String hostname;

        Node(String hostname, JsonNode config) throws IOException {
            this.hostname = hostname;
            this.root = Files.createDirectories(tmp.resolve(hostname));
            this.bin = Files.createDirectories(tmp.resolve(hostname + "-bin"));
            for (JsonNode f : config.path("storage").path("files")) {
                String path = f.path("path").asText();
                if (path.startsWith("/etc/nkd/") || path.startsWith("/etc/kubernetes/")) {
                    Path target = root.resolve(path.substring(1));
                    Files.createDirectories(target.getParent());
                    Files.write(target, decode(f));
                    Files.setPosixFilePermissions(target, permissions(f.path("mode").asInt()));
                }
            }
            // the script as rendered, with its absolute paths moved under the node's root
            String text = new String(bytes(config, "/usr/local/bin/nkd-bootstrap"), StandardCharsets.UTF_8);
            for (String dir : List.of("/etc/nkd", "/etc/kubernetes", "/var/lib/nkd")) {
                assertTrue(text.contains(dir), dir);
                text = text.replace(dir, root + dir);
            }
            script = Files.writeString(bin.resolve("nkd-bootstrap"), text);
            for (String tool : DOUBLES) {
                try (InputStream in = NodeBootstrapScriptTest.class.getResourceAsStream("/bootstrap/" + tool)) {
                    Path p = Files.write(bin.resolve(tool), in.readAllBytes());
                    Files.setPosixFilePermissions(p, permissions(0755));
                }
            }
        }

        /** Writes the /etc/nkd files of another config of the node (its overlay), as Ignition merges it. */
        void write(JsonNode config) throws IOException {
            for (JsonNode f : config.path("storage").path("files")) {
                String path = f.path("path").asText();
                if (path.startsWith("/etc/nkd/")) {
                    Path target = root.resolve(path.substring(1));
                    Files.createDirectories(target.getParent());
                    Files.write(target, decode(f));
                    Files.setPosixFilePermissions(target, permissions(f.path("mode").asInt()));
                }
            }
        }

        Run run(Map<String, String> env) throws IOException {
            Files.deleteIfExists(root.resolve("sleeps"));
            Path output = tmp.resolve(hostname + "-output");
            ProcessBuilder pb = new ProcessBuilder("setsid", "bash", script.toString()).redirectErrorStream(true)
                    .redirectOutput(output.toFile());
            Map<String, String> e = pb.environment();
            e.put("PATH", bin + ":/usr/bin:/bin");
            e.put("KUBEADM_DOUBLE_ROOT", root.toString());
            e.put("KUBEADM_DOUBLE_API", api.toString());
            e.put("KUBEADM_DOUBLE_LOG", root.resolve("kubeadm-calls").toString());
            e.put("NODE_HOSTNAME", hostname);
            e.putAll(env);
            Process p = pb.start();
            try {
                if (!p.waitFor(60, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    throw new AssertionError("nkd-bootstrap did not finish in 60 s:\n" + Files.readString(output));
                }
                return new Run(p.exitValue(), Files.readString(output));
            } catch (InterruptedException ex) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
                throw new IllegalStateException(ex);
            }
        }

        boolean done() {
            return Files.exists(root.resolve("etc/nkd/bootstrap.done"));
        }

        List<String> calls() throws IOException {
            Path log = root.resolve("kubeadm-calls");
            if (!Files.exists(log)) {
                return List.of();
            }
            return Files.readAllLines(log).stream().filter(l -> l.startsWith("kubeadm ")).toList();
        }
    }

    private record Run(int exit, String output) {
    }

    private static Map<String, String> with(Map<String, String> base, String key, String value) {
        Map<String, String> m = new HashMap<>(base);
        m.put(key, value);
        return m;
    }

    // --- rendering

    static BootstrapSecrets secrets() {
        TreeMap<String, BootstrapSecrets.PkiFile> files = new TreeMap<>();
        BootstrapSecrets.SHARED_CONTROL_PLANE_FILES.forEach((p, m) -> files.put(p,
                new BootstrapSecrets.PkiFile("-----BEGIN NKD TEST " + p + "-----\n" + Integer.toHexString(p.hashCode()) + "\n", m)));
        return new BootstrapSecrets(TOKEN, CERTIFICATE_KEY, "sha256:" + "ab".repeat(32), files);
    }

    static JsonNode pool(String cluster, String pool) {
        RepositoryConfig config = ConfigLoader.load(Snapshots.fromDirectory(RepoPaths.repoRoot().resolve("repo-layout/example")));
        RenderedCluster r = ClusterRenderer.render(config.cluster(cluster).orElseThrow(), config.images(), secrets());
        assertTrue(r.ok(), r.report()::toString);
        return r.pools().stream().filter(p -> p.name().equals(pool)).findFirst().orElseThrow().config();
    }

    static byte[] bytes(JsonNode config, String path) {
        for (JsonNode f : config.path("storage").path("files")) {
            if (f.path("path").asText().equals(path)) {
                return decode(f);
            }
        }
        throw new AssertionError("the rendered config writes no " + path);
    }

    private static Set<PosixFilePermission> mode(JsonNode config, String path) {
        for (JsonNode f : config.path("storage").path("files")) {
            if (f.path("path").asText().equals(path)) {
                return permissions(f.path("mode").asInt());
            }
        }
        throw new AssertionError(path);
    }

    private static byte[] decode(JsonNode file) {
        byte[] bytes = JsonCompare.decodeDataUrl(file.path("contents").path("source").asText());
        if ("gzip".equals(file.path("contents").path("compression").asText())) {
            try (var in = new GZIPInputStream(new ByteArrayInputStream(bytes))) {
                return in.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return bytes;
    }

    private static Set<PosixFilePermission> permissions(int mode) {
        Map<Integer, PosixFilePermission> bits = new LinkedHashMap<>();
        PosixFilePermission[] all = PosixFilePermission.values(); // OWNER_READ … OTHERS_EXECUTE, high bit first
        for (int i = 0; i < all.length; i++) {
            bits.put(1 << (8 - i), all[i]);
        }
        List<PosixFilePermission> set = new ArrayList<>();
        bits.forEach((bit, perm) -> {
            if ((mode & bit) != 0) {
                set.add(perm);
            }
        });
        return Set.copyOf(set);
    }

    private static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }
}
