package io.nkd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nkd.testsupport.RepoPaths;
import io.nkd.testsupport.TestFiles;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.revwalk.RevCommit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * nkd serve as a real process, probed as an operator would: a second daemon on the same state directory is
 * refused naming the first; after kill -9 and a restart with an invalid head, the pointer configs machines hold
 * are still served; a corrupt node-tokens.json makes the cluster's status say so instead of READY.
 */
class ServeRecoveryTest {
    @TempDir
    Path tmp;

    private final List<Process> processes = new ArrayList<>();
    private int apiPort;
    private int ignitionPort;

    @AfterEach
    void stop() {
        processes.forEach(Process::destroyForcibly);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private Process serve(Path repo, Path state, int api, int ignition, Path log) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), "io.nkd.cli.Main", "serve",
                "--repo", repo.toString(), "--state-dir", state.toString(), "--interval", "10m",
                "--listen", "127.0.0.1:" + api, "--ignition-listen", "127.0.0.1:" + ignition);
        pb.redirectErrorStream(true);
        pb.redirectOutput(log.toFile());
        Process p = pb.start();
        processes.add(p);
        return p;
    }

    private JsonNode cluster(String name) {
        return DaemonStatus.cluster(apiPort, name);
    }

    private JsonNode await(String name, Predicate<JsonNode> condition, Duration timeout) throws InterruptedException {
        return DaemonStatus.await(apiPort, name, condition, timeout);
    }

    /** POST …/reconcile with the API token the daemon generated in its state directory. */
    private int reconcileNow(Path state, String name) throws Exception {
        String token = io.nkd.server.ApiToken.readForStateDir(state).orElseThrow();
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + apiPort + "/api/v1/clusters/" + name + "/reconcile"))
                .header("Authorization", "Bearer " + token)
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private static RevCommit commit(Git git, String message) throws Exception {
        return TestFiles.commitAll(git, message);
    }

    private static void edit(Path file, String from, String to) throws IOException {
        TestFiles.edit(file, from, to);
    }

    /** What Ignition does with a pointer config: the HTTP status of each merged config, fetched with its CA and token. */
    private static List<Integer> fetch(String pointerJson) throws Exception {
        JsonNode pointer = new ObjectMapper().readTree(pointerJson);
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        String caUrl = pointer.path("ignition").path("security").path("tls").path("certificateAuthorities").get(0).path("source").asText();
        byte[] pem = caUrl.contains(";base64,") ? Base64.getDecoder().decode(caUrl.substring(caUrl.indexOf(',') + 1))
                : java.net.URLDecoder.decode(caUrl.substring(caUrl.indexOf(',') + 1), StandardCharsets.UTF_8).getBytes(StandardCharsets.UTF_8);
        trust.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(pem)));
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(null, tmf.getTrustManagers(), null);
        HttpClient client = HttpClient.newBuilder().sslContext(tls).build();
        List<Integer> statuses = new ArrayList<>();
        for (JsonNode merge : pointer.path("ignition").path("config").path("merge")) {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(merge.path("source").asText())).timeout(Duration.ofSeconds(10));
            merge.path("httpHeaders").forEach(h -> request.header(h.path("name").asText(), h.path("value").asText()));
            statuses.add(client.send(request.build(), HttpResponse.BodyHandlers.discarding()).statusCode());
        }
        return statuses;
    }

    @Test
    void aSecondDaemonIsRefusedAndARestartKeepsServingTheLastGoodState() throws Exception {
        Path repo = tmp.resolve("repo");
        TestFiles.copyTree(RepoPaths.repoRoot().resolve("repo-layout/example"), repo);
        Path yaml = repo.resolve("clusters/sandbox-demo/cluster.yaml");
        Git git = Git.init().setDirectory(repo.toFile()).setInitialBranch("main").call();
        RevCommit good = commit(git, "initial");
        Path state = Files.createDirectories(tmp.resolve("state"));
        Files.setPosixFilePermissions(state, PosixFilePermissions.fromString("rwx------"));
        apiPort = freePort();
        ignitionPort = freePort();

        Process first = serve(repo, state, apiPort, ignitionPort, tmp.resolve("first.log"));
        await("sandbox-demo", s -> good.name().equals(s.path("appliedRevision").asText()) && "READY".equals(s.path("phase").asText()),
                Duration.ofSeconds(90));

        // a second daemon on the same state directory: refused at once, naming the first
        Path secondLog = tmp.resolve("second.log");
        Process second = serve(repo, state, freePort(), freePort(), secondLog);
        assertTrue(second.waitFor(60, TimeUnit.SECONDS), "the second nkd serve exits instead of running");
        assertNotEquals(0, second.exitValue());
        String refused = Files.readString(secondLog);
        assertTrue(refused.contains("state directory " + state.toRealPath() + " is in use by nkd pid " + first.pid() + " on host "),
                refused);
        assertTrue(refused.contains("(nkd serve --repo " + repo), refused);
        assertTrue(first.isAlive());

        // the pointer a machine booted with stops working once its node joined (its token is revoked); then the head
        // goes bad and nkd is killed and restarted
        JsonNode machines = new ObjectMapper().readTree(state.resolve("sandbox/sandbox-demo.json").toFile());
        String pointer = machines.get(0).path("userData").asText();
        assertEquals(List.of(403, 403), fetch(pointer), "a joined node's token is revoked");
        edit(yaml, "replicas: 2", "replicas: [2]");
        RevCommit bad = commit(git, "an invalid head");
        assertEquals(202, reconcileNow(state, "sandbox-demo"));
        await("sandbox-demo", s -> bad.name().equals(s.path("lastError").path("revision").asText()), Duration.ofSeconds(30));
        first.destroyForcibly().waitFor();

        serve(repo, state, apiPort, ignitionPort, tmp.resolve("restarted.log"));
        JsonNode held = await("sandbox-demo", s -> bad.name().equals(s.path("attemptedRevision").asText()), Duration.ofSeconds(90));
        assertEquals(good.name(), held.path("appliedRevision").asText(), "held at the last good commit");
        // what was served is restored at start (NodeBootstrapTest), and what was revoked stays revoked
        assertEquals(List.of(403, 403), fetch(pointer), "a revocation survives a restart");

        // a corrupt token registry: the cluster says so (file named), instead of READY while every fetch fails
        Path tokens = state.resolve("clusters/sandbox-demo/ignition/node-tokens.json");
        Files.writeString(tokens, "{\"tokens\": [");
        edit(yaml, "replicas: [2]", "replicas: 2");
        commit(git, "fixed");
        assertEquals(202, reconcileNow(state, "sandbox-demo"));
        JsonNode corrupt = await("sandbox-demo", s -> "StateCorrupt".equals(s.path("lastError").path("reason").asText()),
                Duration.ofSeconds(30));
        JsonNode ready = null;
        for (JsonNode c : corrupt.path("conditions")) {
            if (c.path("type").asText().equals("Ready")) {
                ready = c;
            }
        }
        assertEquals("FALSE", ready.path("status").asText(), corrupt.toString());
        assertTrue(ready.path("message").asText().contains(tokens.toRealPath() + " is corrupt"), ready.toString());
        git.close();
    }
}
