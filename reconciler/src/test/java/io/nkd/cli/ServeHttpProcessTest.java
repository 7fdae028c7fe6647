package io.nkd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nkd.git.WebhookVerifier;
import io.nkd.testsupport.RepoPaths;
import io.nkd.testsupport.TestFiles;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.PersonIdent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The API of a real {@code nkd serve} process as a client (or an attacker) meets it: the token on mutations,
 * cross-origin refusals, 405 on read endpoints, 413 for an oversized webhook before its signature is checked,
 * 400 and a log line for a deeply nested payload, a clear error for a busy port, and a SIGTERM that lets the
 * request in progress finish and exits 0.
 */
class ServeHttpProcessTest {
    private static final String SECRET = "s3cret";
    private static final byte[] PUSH = "{\"ref\":\"refs/heads/main\"}".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path tmp;
    private Process nkd;
    private Process other;
    private Path log;
    private int apiPort;

    @AfterEach
    void stop() {
        if (nkd != null) {
            nkd.destroyForcibly();
        }
        if (other != null) {
            other.destroyForcibly();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private Process serve(Path state, int api, int ignition, Path out) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), "io.nkd.cli.Main", "serve",
                "--repo", tmp.resolve("repo").toString(), "--state-dir", state.toString(), "--interval", "10m",
                "--listen", "127.0.0.1:" + api, "--ignition-listen", "127.0.0.1:" + ignition,
                "--webhook-secret-file", tmp.resolve("secret").toString(), "--webhook-max-bytes", "65536", "--header-timeout", "2s");
        pb.redirectErrorStream(true);
        pb.redirectOutput(out.toFile());
        return pb.start();
    }

    private Path stateDir(String name) throws IOException {
        Path state = Files.createDirectories(tmp.resolve(name));
        Files.setPosixFilePermissions(state, PosixFilePermissions.fromString("rwx------"));
        return state;
    }

    private void startDaemon() throws Exception {
        Path repo = tmp.resolve("repo");
        Files.createDirectories(repo.resolve("clusters"));
        TestFiles.copyTree(RepoPaths.repoRoot().resolve("repo-layout/example/clusters/sandbox-demo"), repo.resolve("clusters/sandbox-demo"));
        TestFiles.copyTree(RepoPaths.repoRoot().resolve("repo-layout/example/images"), repo.resolve("images"));
        try (Git git = Git.init().setDirectory(repo.toFile()).setInitialBranch("main").call()) {
            git.add().addFilepattern(".").call();
            PersonIdent who = new PersonIdent("test", "test@example.com");
            git.commit().setMessage("initial").setAuthor(who).setCommitter(who).setSign(false).call();
        }
        Files.writeString(tmp.resolve("secret"), SECRET + "\n");
        apiPort = freePort();
        log = tmp.resolve("nkd.log");
        nkd = serve(stateDir("state"), apiPort, freePort(), log);
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            try {
                if (send(HttpRequest.newBuilder(api("/api/v1/clusters/sandbox-demo")).GET()).statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            assertTrue(nkd.isAlive(), () -> "nkd serve exited: " + read(log));
            assertTrue(System.nanoTime() < deadline, () -> "nkd serve did not start: " + read(log));
            Thread.sleep(100);
        }
    }

    private URI api(String path) {
        return URI.create("http://127.0.0.1:" + apiPort + path);
    }

    private static HttpResponse<String> send(HttpRequest.Builder b) throws IOException, InterruptedException {
        return HttpClient.newHttpClient().send(b.timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "(cannot read " + file + ")";
        }
    }

    @Test
    void apiRefusesWhatItMustAndStopsGracefullyOnSigterm() throws Exception {
        startDaemon();
        Path tokenFile = tmp.resolve("state/api-token");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(tokenFile)), "generated token is private");
        String token = Files.readString(tokenFile).strip();
        URI reconcile = api("/api/v1/clusters/sandbox-demo/reconcile");

        // mutations: a token, and nothing a browser could send for another site
        assertEquals(401, send(HttpRequest.newBuilder(reconcile).POST(HttpRequest.BodyPublishers.noBody())).statusCode(), "no token");
        HttpResponse<String> forged = send(HttpRequest.newBuilder(reconcile).header("Authorization", "Bearer " + "x".repeat(43))
                .POST(HttpRequest.BodyPublishers.noBody()));
        assertEquals(401, forged.statusCode(), "forged token");
        assertEquals("Bearer", forged.headers().firstValue("WWW-Authenticate").orElseThrow());
        assertEquals(403, send(HttpRequest.newBuilder(reconcile).header("Authorization", "Bearer " + token)
                .header("Origin", "http://evil.example").header("Content-Type", "text/plain")
                .POST(HttpRequest.BodyPublishers.ofString("x"))).statusCode(), "a cross-origin text/plain POST, even with the token");
        assertEquals(403, send(HttpRequest.newBuilder(reconcile).header("Origin", "http://evil.example")
                .POST(HttpRequest.BodyPublishers.noBody())).statusCode(), "a cross-origin POST without the token");
        assertEquals(403, send(HttpRequest.newBuilder(reconcile).header("Authorization", "Bearer " + token)
                .header("Sec-Fetch-Site", "cross-site").POST(HttpRequest.BodyPublishers.noBody())).statusCode(), "Sec-Fetch-Site: cross-site");
        assertEquals(415, send(HttpRequest.newBuilder(reconcile).header("Authorization", "Bearer " + token)
                .header("Content-Type", "text/plain").POST(HttpRequest.BodyPublishers.ofString("x"))).statusCode(), "text/plain body");
        assertEquals(202, send(HttpRequest.newBuilder(reconcile).header("Authorization", "Bearer " + token)
                .header("Origin", "http://127.0.0.1:" + apiPort).POST(HttpRequest.BodyPublishers.noBody())).statusCode(),
                "same origin with the token");
        assertEquals(0, Main.execute("reconcile", "sandbox-demo", "--server", "http://127.0.0.1:" + apiPort, "--state-dir",
                tmp.resolve("state").toString()), "nkd reconcile reads the token from the state directory");

        // 200 connections that send half a header neither starve the API nor outlive --header-timeout (2 s)
        java.util.List<Socket> stalled = new java.util.ArrayList<>();
        try {
            for (int i = 0; i < 200; i++) {
                Socket s = new Socket("127.0.0.1", apiPort);
                stalled.add(s);
                s.getOutputStream().write("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ".getBytes(StandardCharsets.US_ASCII));
            }
            long t0 = System.nanoTime();
            assertEquals(200, send(HttpRequest.newBuilder(api("/healthz"))).statusCode());
            assertTrue(System.nanoTime() - t0 < 2_000_000_000L, "/healthz answered promptly beside 200 stalled connections");
            for (Socket s : stalled) {
                s.setSoTimeout(6_000);
                try {
                    assertEquals(-1, s.getInputStream().read(), "closed by the server, nothing answered");
                } catch (SocketException e) {
                    // reset by the server: closed too
                }
            }
        } finally {
            for (Socket s : stalled) {
                s.close();
            }
        }

        // read endpoints: 405 with Allow for anything but GET and HEAD
        for (String method : new String[] {"PUT", "DELETE", "PATCH", "POST"}) {
            HttpResponse<String> r = send(HttpRequest.newBuilder(api("/api/v1/clusters")).method(method, HttpRequest.BodyPublishers.noBody()));
            assertEquals(405, r.statusCode(), method);
            assertEquals("GET, HEAD", r.headers().firstValue("Allow").orElseThrow(), method);
        }
        assertEquals(405, send(HttpRequest.newBuilder(api("/api/v1/clusters/sandbox-demo")).DELETE()).statusCode());

        // a webhook body over the limit: 413 from its Content-Length alone, before any signature check
        try (Socket s = new Socket("127.0.0.1", apiPort)) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(("POST /hooks/generic HTTP/1.1\r\nHost: x\r\nX-Nkd-Signature: sha256=" + "0".repeat(64)
                    + "\r\nContent-Length: " + (50 << 20) + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(new byte[64 * 1024]);
            out.flush();
            String head = head(s.getInputStream());
            assertTrue(head.startsWith("HTTP/1.1 413"), head);
            assertTrue(head.toLowerCase(Locale.ROOT).contains("connection: close"), head);
            assertTrue(closedWithoutReadingItAll(s), "the server closes instead of reading 50 MB");
        }
        // the same body sent chunked (no Content-Length): 413 as soon as it passes the limit
        try (Socket s = new Socket("127.0.0.1", apiPort)) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write("POST /hooks/generic HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            byte[] chunk = new byte[16 * 1024];
            for (int i = 0; i < 5; i++) {
                out.write((Integer.toHexString(chunk.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(chunk);
                out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
            }
            out.flush();
            assertTrue(head(s.getInputStream()).startsWith("HTTP/1.1 413"));
        }

        // a signed, deeply nested payload: 400, and the reason in the log
        byte[] nested = ("[".repeat(20_000) + "]".repeat(20_000)).getBytes(StandardCharsets.US_ASCII);
        HttpResponse<String> deep = send(HttpRequest.newBuilder(api("/hooks/generic"))
                .header("X-Nkd-Signature", WebhookVerifier.sign(nested, SECRET.getBytes(StandardCharsets.UTF_8)))
                .POST(HttpRequest.BodyPublishers.ofByteArray(nested)));
        assertEquals(400, deep.statusCode());
        assertTrue(read(log).contains("nested deeper than"), read(log));

        // another nkd on the same API port: an error that names the port and the flag
        other = serve(stateDir("state2"), apiPort, freePort(), tmp.resolve("other.log"));
        assertTrue(other.waitFor(60, TimeUnit.SECONDS), "the second nkd exits");
        assertNotEquals(0, other.exitValue());
        String otherLog = read(tmp.resolve("other.log"));
        assertTrue(otherLog.contains("port " + apiPort + " (--listen) is already in use"), otherLog);
        assertFalse(otherLog.contains("BindException"), otherLog);

        // SIGTERM while a webhook request is in progress (its body half sent): it is answered, then nkd exits 0
        try (Socket s = new Socket("127.0.0.1", apiPort)) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(("POST /hooks/generic HTTP/1.1\r\nHost: x\r\nX-Nkd-Signature: " + WebhookVerifier.sign(PUSH, SECRET.getBytes(StandardCharsets.UTF_8))
                    + "\r\nContent-Length: " + PUSH.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(PUSH, 0, 5);
            out.flush();
            Thread.sleep(300);
            long signalled = System.nanoTime();
            nkd.destroy(); // SIGTERM
            Thread.sleep(500);
            out.write(PUSH, 5, PUSH.length - 5);
            out.flush();
            String head = head(s.getInputStream());
            assertTrue(head.startsWith("HTTP/1.1 202"), "the request in progress is answered: " + head);
            assertTrue(nkd.waitFor(10, TimeUnit.SECONDS), "nkd exits within 10 s of SIGTERM");
            System.out.println("SIGTERM to exit: " + (System.nanoTime() - signalled) / 1_000_000 + " ms");
            assertEquals(0, nkd.exitValue(), read(log));
        }
        assertFalse(read(log).contains(token), "the API token never reaches the log");
    }

    private static String head(InputStream in) throws IOException {
        StringBuilder b = new StringBuilder();
        while (!b.toString().endsWith("\r\n\r\n")) {
            int c = in.read();
            if (c < 0) {
                throw new IOException("closed after: " + b);
            }
            b.append((char) c);
        }
        return b.toString();
    }

    /** Keeps sending the announced body; true if the server closes the connection long before 50 MB went through. */
    private static boolean closedWithoutReadingItAll(Socket s) {
        byte[] chunk = new byte[64 * 1024];
        long sent = 0;
        try {
            s.setSoTimeout(100);
            while (sent < (40L << 20)) {
                s.getOutputStream().write(chunk);
                sent += chunk.length;
            }
            return false;
        } catch (SocketException e) {
            return true; // reset or broken pipe: the server closed it
        } catch (IOException e) {
            return true;
        }
    }
}
