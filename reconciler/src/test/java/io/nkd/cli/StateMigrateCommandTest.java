package io.nkd.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.nkd.reconcile.DesiredRevision;
import io.nkd.git.Snapshots;
import io.nkd.secrets.ClusterSecrets;
import io.nkd.secrets.SecretResolver;
import io.nkd.state.ClusterState;
import io.nkd.state.LocalStateStore;
import io.nkd.state.Sensitivity;
import io.nkd.testkit.KubeApiServerExtension;
import io.nkd.testsupport.RepoPaths;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Base64;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code nkd state migrate}: a state directory of 100 clusters with real content (PKI, keys, kubeconfigs, tokens as
 * nkd generates them, plus binary files) goes to a namespace of the real API server and back, losslessly.
 */
@ExtendWith(KubeApiServerExtension.class)
class StateMigrateCommandTest {
    static final int CLUSTERS = 100;

    KubernetesClient client;
    @TempDir
    Path tmp;
    private String namespace;
    private Path kubeconfig;

    @BeforeEach
    void setUp() throws IOException {
        namespace = "t-kstore-migrate-" + Long.toString(ThreadLocalRandom.current().nextLong(1L << 40), 36);
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(namespace).endMetadata().build())
                .create();
        kubeconfig = tmp.resolve("kubeconfig");
        Files.writeString(kubeconfig, kubeconfig(client.getConfiguration()));
    }

    @AfterEach
    void tearDown() {
        client.namespaces().withName(namespace).withGracePeriod(0).delete();
    }

    @Test
    void aHundredClustersGoToKubernetesAndBackLosslessly() throws Exception {
        Path original = tmp.resolve("original");
        generate(original);

        CliRun there = CliRun.run("", "state", "migrate", "--from", original.toString(), "--to", "kubernetes:" + namespace,
                "--kubeconfig", kubeconfig.toString());
        assertEquals(0, there.exit(), there.err());
        assertTrue(there.out().startsWith("migrated " + CLUSTERS + " cluster(s), "), there.out());
        assertTrue(there.out().contains("to kubernetes:" + namespace), there.out());
        assertTrue(there.out().trim().endsWith("verified byte for byte"), there.out());
        assertTrue(there.err().contains("[100/100] c-099: "), there.err());

        // Secrets are Secrets: as many as the 0600 files of one cluster.
        long secretFiles = files(original.resolve("clusters/c-007")).entrySet().stream()
                .filter(e -> e.getValue().mode().equals("rw-------")).count();
        assertTrue(secretFiles > 10, "the generated state has its keys and kubeconfigs: " + secretFiles);
        assertEquals(secretFiles, client.secrets().inNamespace(namespace).withLabel("nkd.io/cluster", "c-007").list()
                .getItems().size());

        CliRun refused = CliRun.run("", "state", "migrate", "--from", original.toString(), "--to",
                "kubernetes:" + namespace, "--kubeconfig", kubeconfig.toString());
        assertEquals(1, refused.exit());
        assertTrue(refused.err().contains("--to kubernetes:" + namespace + " already holds the state of " + CLUSTERS
                + " cluster(s): c-000, c-001, c-002, c-003, c-004 and 95 more; nkd does not merge two states."),
                refused.err());

        Path back = tmp.resolve("back");
        CliRun home = CliRun.run("", "state", "migrate", "--from", "kubernetes:" + namespace, "--to", "local:" + back,
                "--kubeconfig", kubeconfig.toString());
        assertEquals(0, home.exit(), home.err());
        System.out.println("to Kubernetes: " + there.out().trim() + "\nand back: " + home.out().trim());

        Map<String, FileEntry> want = files(original.resolve("clusters"));
        Map<String, FileEntry> have = files(back.resolve("clusters"));
        assertEquals(want.keySet(), have.keySet());
        for (String path : want.keySet()) {
            assertArrayEquals(want.get(path).content(), have.get(path).content(), path);
            assertEquals(want.get(path).mode(), have.get(path).mode(), path);
        }
        assertTrue(want.size() > CLUSTERS * 20, "files: " + want.size());
    }

    @Test
    void badLocationsAndAMissingSourceAreNamed() {
        CliRun r = CliRun.run("", "state", "migrate", "--from", tmp.resolve("nope").toString(), "--to", "kubernetes:Bad_NS");
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("--to: namespace \"Bad_NS\" is not a Kubernetes namespace name"), r.err());
        r = CliRun.run("", "state", "migrate", "--from", tmp.resolve("nope").toString(), "--to", "kubernetes:" + namespace,
                "--kubeconfig", kubeconfig.toString());
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("--from " + tmp.resolve("nope") + " is not a directory"), r.err());
        r = CliRun.run("", "state", "migrate", "--from", "kubernetes:" + namespace, "--to", tmp.resolve("x").toString(),
                "--kubeconfig", kubeconfig.toString());
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("--from kubernetes:" + namespace + " holds no cluster's state"), r.err());
    }

    /** One cluster's real state (nkd's PKI and kubeconfigs for repo-layout/example), copied to 100 clusters. */
    private static void generate(Path root) throws IOException {
        Path seedRoot = root.resolveSibling("seed");
        LocalStateStore seed = new LocalStateStore(seedRoot);
        var config = DesiredRevision.of(Snapshots.fromDirectory(RepoPaths.repoRoot().resolve("repo-layout/example"))).config();
        new ClusterSecrets(seed, new SecretResolver(seedRoot, Map.of()), new SecureRandom(), Clock.systemUTC())
                .ensure(config.cluster("sandbox-demo").orElseThrow());
        byte[] binary = new byte[4096];
        new SecureRandom().nextBytes(binary);
        try (ClusterState s = seed.open("sandbox-demo")) {
            s.write("ignition/served/blobs/0f3a.ign", binary, Sensitivity.SECRET);
            s.write("ignition/fetches.json", "{\"fetches\": []}\n".getBytes(StandardCharsets.UTF_8), Sensitivity.PUBLIC);
        }
        LocalStateStore target = new LocalStateStore(root);
        Path from = seed.root().resolve("clusters/sandbox-demo");
        for (int i = 0; i < CLUSTERS; i++) {
            String name = String.format("c-%03d", i);
            Path to = target.root().resolve("clusters").resolve(name);
            copyTree(from, to);
            Files.writeString(to.resolve("status.json"), "{\"cluster\": \"" + name + "\"}\n");
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> paths = Files.walk(from)) {
            for (Path p : (Iterable<Path>) paths::iterator) {
                Path dest = to.resolve(from.relativize(p).toString());
                Files.copy(p, dest, StandardCopyOption.COPY_ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
            }
        }
    }

    record FileEntry(byte[] content, String mode) {
    }

    /** Regular files below {@code dir} by relative path, without the store's own dot-files. */
    private static Map<String, FileEntry> files(Path dir) throws IOException {
        Map<String, FileEntry> out = new TreeMap<>();
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) paths::iterator) {
                if (Files.isRegularFile(p) && !p.getFileName().toString().startsWith(".")) {
                    out.put(dir.relativize(p).toString(), new FileEntry(Files.readAllBytes(p),
                            PosixFilePermissions.toString(Files.getPosixFilePermissions(p))));
                }
            }
        }
        return out;
    }

    /** A kubeconfig file for the test server, from the client's configuration (certificates inline). */
    static String kubeconfig(Config c) throws IOException {
        String token = c.getOauthToken() != null ? c.getOauthToken() : c.getAutoOAuthToken();
        return "apiVersion: v1\nkind: Config\ncurrent-context: t\n"
                + "clusters:\n- name: t\n  cluster:\n    server: " + c.getMasterUrl() + "\n"
                + "    certificate-authority-data: " + data(c.getCaCertData(), c.getCaCertFile()) + "\n"
                + "users:\n- name: t\n  user:\n"
                + (token != null ? "    token: " + token + "\n"
                        : "    client-certificate-data: " + data(c.getClientCertData(), c.getClientCertFile()) + "\n"
                        + "    client-key-data: " + data(c.getClientKeyData(), c.getClientKeyFile()) + "\n")
                + "contexts:\n- name: t\n  context:\n    cluster: t\n    user: t\n";
    }

    private static String data(String inline, String file) throws IOException {
        if (inline != null && !inline.isBlank()) {
            return inline;
        }
        return Base64.getEncoder().encodeToString(Files.readAllBytes(Path.of(file)));
    }
}
