package io.nkd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.nkd.testsupport.RepoPaths;
import io.nkd.testsupport.TestFiles;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.PersonIdent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** nkd status, history and reconcile against a running daemon (--server), as an operator on another host uses them. */
class RemoteCommandsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    private Process nkd;
    private HttpServer stub;

    @AfterEach
    void stop() {
        if (nkd != null) {
            nkd.destroyForcibly();
        }
        if (stub != null) {
            stub.stop(0);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Test
    void statusHistoryAndReconcileThroughTheApiOfARealDaemon() throws Exception {
        Path repo = tmp.resolve("repo");
        TestFiles.copyTree(RepoPaths.repoRoot().resolve("repo-layout/example/images"), repo.resolve("images"));
        TestFiles.copyTree(RepoPaths.repoRoot().resolve("repo-layout/example/clusters/sandbox-demo"),
                repo.resolve("clusters/sandbox-demo"));
        try (Git git = Git.init().setDirectory(repo.toFile()).setInitialBranch("main").call()) {
            git.add().addFilepattern(".").call();
            PersonIdent who = new PersonIdent("test", "test@example.com");
            git.commit().setMessage("one sandbox cluster").setAuthor(who).setCommitter(who).setSign(false).call();
        }
        Path state = Files.createDirectories(tmp.resolve("state"));
        Files.setPosixFilePermissions(state, PosixFilePermissions.fromString("rwx------"));
        int api = freePort();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        nkd = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), "io.nkd.cli.Main", "serve",
                "--repo", repo.toString(), "--state-dir", state.toString(), "--interval", "10m",
                "--listen", "127.0.0.1:" + api, "--ignition-listen", "127.0.0.1:" + freePort())
                .redirectErrorStream(true).redirectOutput(tmp.resolve("nkd.log").toFile()).start();
        String server = "http://127.0.0.1:" + api;

        JsonNode ready = awaitReady(server, Duration.ofSeconds(120));
        assertEquals("sandbox-demo", ready.path("name").asText());

        CliRun table = CliRun.run("", "status", "--server", server);
        assertEquals(0, table.exit(), table.err());
        assertTrue(table.out().startsWith("CLUSTER"), table.out());
        assertTrue(table.out().lines().anyMatch(l -> l.startsWith("sandbox-demo") && l.contains("READY")), table.out());

        // the same document whether read from the state directory or through the API
        JsonNode remote = JSON.readTree(CliRun.run("", "status", "sandbox-demo", "--server", server, "-o", "json").out());
        JsonNode local = JSON.readTree(CliRun.run("", "status", "sandbox-demo", "--state-dir", state.toString(), "-o", "json").out());
        assertEquals(local.path("appliedRevision"), remote.path("appliedRevision"));
        assertEquals(local.path("nodes"), remote.path("nodes"));
        assertEquals(local.path("pools"), remote.path("pools"));

        CliRun history = CliRun.run("", "history", "sandbox-demo", "--server", server, "-o", "json");
        assertEquals(0, history.exit(), history.err());
        JsonNode entries = JSON.readTree(history.out());
        assertTrue(entries.size() >= 1, history.out());
        assertEquals(ready.path("appliedRevision").asText(), entries.get(0).path("revision").asText());
        CliRun historyTable = CliRun.run("", "history", "sandbox-demo", "--server", server);
        assertTrue(historyTable.out().startsWith("TIME"), historyTable.out());

        CliRun reconcile = CliRun.run("", "reconcile", "sandbox-demo", "--server", server, "--state-dir", state.toString());
        assertEquals(0, reconcile.exit(), reconcile.err());
        assertTrue(reconcile.out().contains("reconcile of sandbox-demo requested"), reconcile.out());

        CliRun missing = CliRun.run("", "status", "nope", "--server", server);
        assertEquals(1, missing.exit());
        assertTrue(missing.err().startsWith("Error: nkd at " + server + " answered 404: "), missing.err());
        assertFalse(missing.err().contains("{"), "a sentence, not raw JSON: " + missing.err());

        nkd.destroyForcibly().waitFor();
        CliRun down = CliRun.run("", "status", "--server", server);
        assertEquals(1, down.exit());
        assertTrue(down.err().contains("cannot reach nkd at " + server + " (connection refused)"), down.err());
        assertFalse(down.err().contains("null"), down.err());
    }

    private static JsonNode awaitReady(String server, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            CliRun r = CliRun.run("", "status", "sandbox-demo", "--server", server, "-o", "json");
            last = r.out() + r.err();
            if (r.exit() == 0) {
                try {
                    JsonNode s = JSON.readTree(r.out());
                    if ("READY".equals(s.path("phase").asText())) {
                        return s;
                    }
                } catch (IOException e) {
                    throw new AssertionError("status -o json printed something that is not JSON: " + r.out(), e);
                }
            }
            Thread.sleep(250);
        }
        throw new AssertionError("sandbox-demo did not become READY; last answer: " + last);
    }

    @Test
    void theTokenIsSentAsABearerHeaderAndRefusalsAreSentences() throws Exception {
        List<String> authorizations = new CopyOnWriteArrayList<>();
        stub = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        stub.createContext("/", ex -> {
            authorizations.add(String.valueOf(ex.getRequestHeaders().getFirst("Authorization")));
            byte[] body = "{\"error\": \"missing or wrong bearer token\"}".getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Content-Type", "application/json");
            ex.sendResponseHeaders(401, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        stub.start();
        String server = "http://127.0.0.1:" + stub.getAddress().getPort();
        Path token = Files.writeString(tmp.resolve("api-token"), "s3cret-token\n");

        CliRun r = CliRun.run("", "reconcile", "demo", "--server", server, "--api-token-file", token.toString());
        assertEquals(1, r.exit());
        assertEquals(List.of("Bearer s3cret-token"), authorizations);
        assertEquals("Error: nkd at " + server + " wants an API token (401: missing or wrong bearer token); give it with "
                + "--api-token-file FILE or the NKD_API_TOKEN environment variable\n", r.err());
        assertFalse(r.err().contains("s3cret"), "the token is never printed");

        CliRun noFile = CliRun.run("", "reconcile", "demo", "--server", server, "--api-token-file", tmp.resolve("none").toString());
        assertEquals(1, noFile.exit());
        assertTrue(noFile.err().contains("cannot read --api-token-file " + tmp.resolve("none") + ": no such file"), noFile.err());

        CliRun badName = CliRun.run("", "reconcile", "../etc", "--server", server);
        assertEquals(1, badName.exit());
        assertTrue(badName.err().contains("'../etc' is not a cluster name"), badName.err());
    }

    @Test
    void serverAndTokenComeFromTheEnvironmentWhenNotGiven() {
        ApiClient.Options options = new ApiClient.Options();
        assertEquals(java.util.Optional.empty(), options.server(Map.of()));
        assertEquals(URI.create("http://nkd.example:9090"), options.server(Map.of("NKD_SERVER", "http://nkd.example:9090")).get());
        options.server = URI.create("http://flag:1");
        assertEquals(URI.create("http://flag:1"), options.server(Map.of("NKD_SERVER", "http://env:2")).get(), "the flag wins");
        assertEquals(java.util.Optional.of("t0ken"), options.token(Map.of("NKD_API_TOKEN", " t0ken\n")));
        assertEquals(java.util.Optional.empty(), options.token(Map.of()));
        CliRun wrong = CliRun.run("", "status", "--server", "ftp://x");
        assertEquals(1, wrong.exit());
        assertTrue(wrong.err().contains("--server ftp://x is not an http:// or https:// URL"), wrong.err());
    }

    @Test
    void apiErrorBodiesBecomeSentences() {
        assertEquals(": no cluster named x", ApiClient.errorText("{\"error\":\"no cluster named x\"}"));
        assertEquals(": Service Unavailable", ApiClient.errorText("Service Unavailable\n"));
        assertEquals("", ApiClient.errorText(""));
    }
}
