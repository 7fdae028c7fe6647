package io.nkd.git;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nkd.testsupport.RepoPaths;
import io.nkd.testsupport.SandboxMachines;
import io.nkd.testsupport.TestFiles;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.PersonIdent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * nkd serve following a real Git server on loopback ({@code git daemon}) with {@code --verify-commits}: signed
 * commits pushed are applied (through a webhook, without waiting for the poll), an unsigned head is refused and never
 * applied, a force-push is followed to the new head, and after SIGKILL while new machines boot a restarted nkd
 * converges without duplicating them.
 */
class ServeRemoteTest {
    @TempDir
    Path tmp;

    private Process nkd;
    private int apiPort;

    @AfterEach
    void stop() {
        if (nkd != null) {
            nkd.destroyForcibly();
        }
    }

    private JsonNode get(String path) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + apiPort + path))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
        return r.statusCode() == 200 ? new ObjectMapper().readTree(r.body()) : null;
    }

    private JsonNode await(Predicate<JsonNode> condition) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        JsonNode last = null;
        while (System.nanoTime() < deadline) {
            try {
                last = get("/api/v1/clusters/sandbox-demo");
            } catch (java.io.IOException e) {
                last = null;
            }
            if (last != null && condition.test(last)) {
                return last;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("timed out; last status: " + last);
    }

    private void hook() throws Exception {
        byte[] body = "{\"ref\":\"refs/heads/main\"}".getBytes(StandardCharsets.UTF_8);
        HttpResponse<Void> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + apiPort + "/hooks/generic"))
                .header("X-Nkd-Signature", WebhookVerifier.sign(body, "s3cret".getBytes(StandardCharsets.UTF_8)))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.discarding());
        assertEquals(202, r.statusCode());
    }

    private static String signedCommit(Path dir, PgpTestKey key, String message) throws Exception {
        try (Git git = Git.open(dir.toFile())) {
            git.add().addFilepattern(".").call();
            PersonIdent who = new PersonIdent("Test Author", "author@example.org");
            return git.commit().setMessage(message).setAuthor(who).setCommitter(who).setSign(true).setSigner(key.signer())
                    .setSigningKey(key.fingerprint()).call().name();
        }
    }

    private static void edit(Path file, String from, String to) throws Exception {
        String text = Files.readString(file);
        assertTrue(text.contains(from), from);
        Files.writeString(file, text.replace(from, to));
    }

    @Test
    void signedCommitsAreAppliedUnsignedOnesRefusedAndForcePushesFollowed() throws Exception {
        try (GitDaemon daemon = GitDaemon.start(tmp.resolve("served"))) {
            GitDaemon.Work work = new GitDaemon.Work(tmp.resolve("work"), daemon.createRepo("clusters"));
            TestFiles.copyTree(RepoPaths.repoRoot().resolve("repo-layout/example"), work.dir);
            PgpTestKey key = PgpTestKey.generate("ops <ops@example.org>");
            String first = signedCommit(work.dir, key, "initial");
            work.push("main");
            Path keyring = Files.write(tmp.resolve("trusted.asc"), key.armoredPublicKey());
            Path state = Files.createDirectories(tmp.resolve("state"));
            Files.setPosixFilePermissions(state, PosixFilePermissions.fromString("rwx------"));
            Path secret = Files.writeString(tmp.resolve("hook"), "s3cret");
            int ign;
            try (ServerSocket a = new ServerSocket(0); ServerSocket b = new ServerSocket(0)) {
                apiPort = a.getLocalPort();
                ign = b.getLocalPort();
            }
            List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                    System.getProperty("java.class.path"), "io.nkd.cli.Main", "serve", "--repo", daemon.url("clusters"),
                    "--verify-commits", keyring.toString(), "--write-notes", "--state-dir", state.toString(), "--interval", "10m",
                    "--listen", "127.0.0.1:" + apiPort, "--ignition-listen", "127.0.0.1:" + ign,
                    "--webhook-secret-file", secret.toString());
            nkd = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(tmp.resolve("nkd.log").toFile()).start();
            await(s -> first.equals(s.path("appliedRevision").asText()));
            // the outcome is written back as a Git note on the commit, pushed to the server
            String note = "";
            for (int i = 0; i < 50 && !note.contains("cluster sandbox-demo"); i++) {
                Thread.sleep(200);
                try {
                    work.git("fetch", "-q", "origin", "+refs/notes/nkd:refs/notes/nkd");
                    note = work.git("notes", "--ref=nkd", "show", first);
                } catch (java.io.IOException e) {
                    note = "";
                }
            }
            assertTrue(note.contains("nkd: cluster sandbox-demo: "), note);

            Path yaml = work.dir.resolve("clusters/sandbox-demo/cluster.yaml");
            edit(yaml, "replicas: 2", "replicas: 3");
            String unsigned = work.commit("clusters/sandbox-demo/cluster.yaml", Files.readString(yaml));
            work.push("main");
            hook();
            Thread.sleep(2000);
            assertEquals(first, get("/api/v1/clusters/sandbox-demo").path("appliedRevision").asText(), "an unsigned head is never applied");
            assertTrue(Files.readString(tmp.resolve("nkd.log")).contains(unsigned + " is not applied"),
                    "the refusal is reported");

            String signed = signedCommit(work.dir, key, "scale, signed");
            work.push("main");
            long sent = System.nanoTime();
            hook();
            await(s -> signed.equals(s.path("appliedRevision").asText()));
            long appliedMillis = (System.nanoTime() - sent) / 1_000_000;
            System.out.println("webhook to applied (fetch over git://, signature checked): " + appliedMillis + " ms");
            // the poll interval is 10 minutes: applied this soon, only the webhook can have brought the commit in
            assertTrue(appliedMillis < 5_000, "a pushed commit was applied " + appliedMillis
                    + " ms after its webhook; expected well under the 10 min poll interval, within 5 s");

            work.git("reset", "-q", "--hard", first);
            edit(yaml, "replicas: 2", "replicas: 1");
            String rewritten = signedCommit(work.dir, key, "rewritten history");
            work.push("--force", "main");
            hook();
            await(s -> rewritten.equals(s.path("appliedRevision").asText()));
            assertTrue(Files.readString(tmp.resolve("nkd.log")).contains("force-push detected"), "the force-push is reported");

            // a joined node's token is revoked: the real Ignition, given that machine's pointer config exactly as the
            // provider got it, can no longer fetch with it (a re-provisioned machine gets a new one)
            await(s -> "READY".equals(s.path("phase").asText()));
            JsonNode joined = new ObjectMapper().readTree(state.resolve("sandbox/sandbox-demo.json").toFile()).get(0);
            // without Ignition this part is skipped visibly (and fails under CI), after the rest has run
            boolean haveIgnition = Files.isExecutable(io.nkd.testsupport.IgnitionTools.IGNITION);
            if (haveIgnition) {
                Path revoked = Files.writeString(tmp.resolve("joined.ign"), joined.path("userData").asText());
                var refused = io.nkd.testsupport.IgnitionTools.fetchStage(revoked, Files.createDirectories(tmp.resolve("ign-joined")), 60);
                assertTrue(refused.exit() != 0, "a joined node's pointer no longer unlocks its configs: " + refused.output());
            }

            // SIGKILL while the machines of a new signed commit boot (slowly, to leave time to land the kill there);
            // a restarted nkd converges without duplicates
            edit(yaml, "role: worker\n      replicas: 1", "role: worker\n      replicas: 4");
            edit(yaml, "bootTime: 2s", "bootTime: 15s");
            String scaled = signedCommit(work.dir, key, "scale to 4, signed");
            work.push("main");
            hook();
            Path machinesFile = SandboxMachines.file(state, "sandbox-demo");
            SandboxMachines.awaitBooting(machinesFile, scaled, Duration.ofSeconds(30));
            if (haveIgnition) {
                // the real Ignition, given a booting machine's pointer config exactly as the provider got it, fetches from
                // nkd serve; the same pointer with a forged token fails
                JsonNode booting = null;
                for (JsonNode m : SandboxMachines.read(machinesFile)) {
                    if ("BOOTING".equals(m.path("state").asText()) && scaled.equals(m.path("revision").asText())) {
                        booting = m;
                    }
                }
                String userData = booting.path("userData").asText();
                Path pointer = Files.writeString(tmp.resolve("pointer.ign"), userData);
                var fetched = io.nkd.testsupport.IgnitionTools.fetchStage(pointer, Files.createDirectories(tmp.resolve("ign-ok")), 60);
                assertEquals(0, fetched.exit(), fetched.output());
                assertTrue(fetched.cachedConfig().orElse("").contains("/etc/nkd/kubeadm-join.yaml"), fetched.output());
                String token = userData.replaceAll("(?s).*Bearer ([^\"]+)\".*", "$1");
                Path forged = Files.writeString(tmp.resolve("forged.ign"), userData.replace(token, token.substring(0, token.length() - 2) + "xx"));
                var refused = io.nkd.testsupport.IgnitionTools.fetchStage(forged, Files.createDirectories(tmp.resolve("ign-bad")), 60);
                assertTrue(refused.exit() != 0, "a wrong token makes Ignition fail: " + refused.output());
            }
            nkd.destroyForcibly().waitFor();
            JsonNode atKill = SandboxMachines.read(machinesFile);
            assertTrue(SandboxMachines.booting(atKill, scaled) > 0, "the kill landed after the work was done: " + atKill);
            nkd = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(tmp.resolve("nkd-2.log").toFile()).start();
            JsonNode converged = await(s -> scaled.equals(s.path("appliedRevision").asText()) && "READY".equals(s.path("phase").asText()));
            assertEquals(5, converged.path("nodes").size());
            JsonNode machines = SandboxMachines.read(machinesFile);
            assertEquals(5, machines.size(), "exactly the desired machines, none duplicated: " + machines);
            assertEquals(5, machines.findValuesAsText("name").stream().distinct().count(), "no machine twice: " + machines);
            io.nkd.testkit.Ci.require(haveIgnition, io.nkd.testsupport.IgnitionTools.IGNITION
                    + " is missing, so the real Ignition's fetch from nkd serve was not checked: apt-get install ignition");
        }
    }
}
