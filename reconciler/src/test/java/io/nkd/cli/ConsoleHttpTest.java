package io.nkd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nkd.console.ConsoleAssets;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jgit.revwalk.RevCommit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The console's HTTP side against a real daemon (no browser): the page and its assets (Content-Security-Policy,
 * caching, size), the status stream, and the plan endpoint (the CLI's text, unknown revisions refused).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConsoleHttpTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private ConsoleDaemon nkd;

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        nkd = new ConsoleDaemon(dir);
    }

    @AfterAll
    void stop() {
        if (nkd != null) {
            nkd.close();
        }
    }

    @Test
    void thePageLoadsOnlyItsOwnHashedAssetsUnderAStrictPolicy() throws Exception {
        HttpResponse<String> root = nkd.get("/");
        assertEquals(302, root.statusCode());
        assertEquals("/ui/", root.headers().firstValue("Location").orElse(""));

        HttpResponse<String> page = nkd.get("/ui/");
        assertEquals(200, page.statusCode());
        String csp = page.headers().firstValue("Content-Security-Policy").orElse("");
        assertEquals(ConsoleAssets.CONTENT_SECURITY_POLICY, csp);
        assertTrue(csp.contains("default-src 'none'") && csp.contains("script-src 'self'") && csp.contains("style-src 'self'"), csp);
        assertFalse(csp.contains("unsafe"), csp);
        assertEquals("no-cache", page.headers().firstValue("Cache-Control").orElse(""));
        assertEquals("nosniff", page.headers().firstValue("X-Content-Type-Options").orElse(""));
        String html = page.body();
        assertFalse(Pattern.compile("<script(?![^>]*\\bsrc=)[^>]*>", Pattern.CASE_INSENSITIVE).matcher(html).find(), "no inline script: " + html);
        assertFalse(Pattern.compile("<style|\\sstyle=|\\son[a-z]+=", Pattern.CASE_INSENSITIVE).matcher(html).find(), "no inline style or handler");
        assertFalse(html.contains("http://") || html.contains("https://"), "nothing from another origin");

        Matcher assets = Pattern.compile("(?:src|href)=\"(/ui/assets/[^\"]+)\"").matcher(html);
        Set<String> names = new TreeSet<>();
        while (assets.find()) {
            names.add(assets.group(1));
        }
        assertEquals(2, names.size(), "app.js and app.css: " + names);
        for (String path : names) {
            assertTrue(path.matches("/ui/assets/app\\.[0-9a-f]{12}\\.(js|css)"), path);
            HttpResponse<byte[]> a = nkd.getBytes(path, "Accept-Encoding", "gzip");
            assertEquals(200, a.statusCode(), path);
            assertEquals("public, max-age=31536000, immutable", a.headers().firstValue("Cache-Control").orElse(""), path);
            assertEquals("gzip", a.headers().firstValue("Content-Encoding").orElse(""), path);
            assertEquals(ConsoleAssets.CONTENT_SECURITY_POLICY, a.headers().firstValue("Content-Security-Policy").orElse(""));
            String etag = a.headers().firstValue("ETag").orElseThrow();
            assertEquals(304, nkd.getBytes(path, "If-None-Match", etag).statusCode(), "revalidated without a body");
        }
        String pageTag = page.headers().firstValue("ETag").orElseThrow();
        assertEquals(304, nkd.get("/ui/", "If-None-Match", pageTag).statusCode());
        assertEquals(404, nkd.get("/ui/assets/app.000000000000.js").statusCode());
    }

    @Test
    void everythingTheConsoleShipsIsUnder200KiBCompressed() {
        long total = ConsoleAssets.packaged().all().stream().mapToLong(a -> a.gzip().length).sum();
        assertTrue(total > 1000, "the assets are packaged: " + total);
        assertTrue(total < 200 * 1024, "console assets, gzip-compressed: " + total + " bytes");
    }

    @Test
    void consoleRoutesOnlyRead() throws Exception {
        HttpResponse<String> post = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(nkd.base + "/api/v1/events"))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(405, post.statusCode());
        assertEquals("GET, HEAD", post.headers().firstValue("Allow").orElse(""));
    }

    @Test
    @Timeout(90)
    void theStreamStartsWithEveryClusterAndCarriesAChangeWithinASecond() throws Exception {
        awaitReady();
        HttpResponse<InputStream> stream = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(nkd.base + "/api/v1/events"))
                .header("Accept", "text/event-stream").build(), HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, stream.statusCode());
        assertTrue(stream.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream"));
        try (BufferedReader in = new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8))) {
            JsonNode first = nextEvent(in, "cluster");
            JsonNode api = JSON.readTree(nkd.get("/api/v1/clusters/" + ConsoleDaemon.CLUSTER).body());
            assertEquals(api.get("name"), first.get("name"));
            assertEquals(api.get("appliedRevision"), first.get("appliedRevision"), "the API's own document");
            JsonNode ready = nextEvent(in, "ready");
            assertEquals("[\"" + ConsoleDaemon.CLUSTER + "\"]", ready.get("clusters").toString());

            RevCommit broken = nkd.edit(y -> y.replace("    controlPlaneEndpoint:", "    controlPlaneEndpiont:"), "typo in cluster.yaml");
            nkd.poll();
            for (long end = System.nanoTime() + Duration.ofSeconds(60).toNanos(); System.nanoTime() < end; ) {
                JsonNode e = nextEvent(in, "cluster");
                long received = System.currentTimeMillis();
                if (e.path("attemptedRevision").asText().equals(broken.name()) && e.hasNonNull("lastError")) {
                    long saved = Instant.parse(e.get("updatedAt").asText()).toEpochMilli();
                    assertTrue(received - saved < 1000, "the change was on the stream " + (received - saved) + " ms after it was saved");
                    assertTrue(e.get("lastError").get("message").asText().contains("cluster.yaml:"), e.toString());
                    nkd.edit(y -> y.replace("    controlPlaneEndpiont:", "    controlPlaneEndpoint:"), "fix the typo");
                    nkd.poll();
                    return;
                }
            }
            throw new AssertionError("no event for the broken commit " + broken.name());
        }
    }

    @Test
    @Timeout(60)
    void oneAddressGetsEightStreamsAndTheNinthIs503() throws Exception {
        java.util.List<java.net.Socket> open = new java.util.ArrayList<>();
        try {
            for (int i = 0; i < io.nkd.console.EventHub.MAX_CLIENTS_PER_ADDRESS; i++) {
                java.net.Socket s = rawGet("/api/v1/events");
                open.add(s);
                assertEquals("HTTP/1.1 200 OK", statusLine(s), "stream " + (i + 1));
                awaitEvent(s);
            }
            try (java.net.Socket ninth = rawGet("/api/v1/events")) {
                assertEquals("HTTP/1.1 503 Service Unavailable", statusLine(ninth));
            }
            open.remove(0).close();
            for (long end = System.nanoTime() + Duration.ofSeconds(5).toNanos(); ; Thread.sleep(50)) {
                try (java.net.Socket again = rawGet("/api/v1/events")) {
                    if (statusLine(again).equals("HTTP/1.1 200 OK")) {
                        break; // the closed stream's place is free again
                    }
                }
                assertTrue(System.nanoTime() < end, "a closed stream gives its place back");
            }
            assertEquals(200, nkd.get("/api/v1/clusters").statusCode(), "the API answers meanwhile");
        } finally {
            for (java.net.Socket s : open) {
                s.close();
            }
        }
    }

    private java.net.Socket rawGet(String path) throws Exception {
        java.net.Socket s = new java.net.Socket("127.0.0.1", URI.create(nkd.base).getPort());
        s.setSoTimeout(5000);
        s.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        return s;
    }

    private static String statusLine(java.net.Socket s) throws Exception {
        StringBuilder b = new StringBuilder();
        InputStream in = s.getInputStream();
        for (int c; (c = in.read()) != -1 && c != '\n'; ) {
            b.append((char) c);
        }
        return b.toString().trim();
    }

    /** Reads until the first event's data: the stream has started (and holds its place). */
    private static void awaitEvent(java.net.Socket s) throws Exception {
        InputStream in = s.getInputStream();
        String seen = "";
        while (!seen.contains("data: ")) {
            int c = in.read();
            if (c == -1) {
                throw new AssertionError("the stream ended: " + seen);
            }
            seen = (seen + (char) c);
            if (seen.length() > 16) {
                seen = seen.substring(seen.length() - 16);
            }
        }
    }

    @Test
    @Timeout(60)
    void thePlanIsTheCliText() throws Exception {
        String head = nkd.get("/api/v1/commits").body();
        JsonNode commits = JSON.readTree(head);
        assertTrue(commits.size() >= 2, head);
        String h = commits.get(0).get("id").asText();
        String b = commits.get(commits.size() - 1).get("id").asText();
        assertEquals("Ada Operator", commits.get(0).get("author").asText());
        HttpResponse<String> r = nkd.get("/api/v1/plan/" + b + "/" + h);
        assertEquals(200, r.statusCode(), r.body());
        JsonNode plan = JSON.readTree(r.body());
        assertEquals(cli("plan", "--repo", nkd.repo.toString(), "--base", b, "--head", h, "--format", "markdown"),
                plan.get("markdown").asText());
        assertEquals(b, plan.get("base").get("commit").asText());

        HttpResponse<String> unknown = nkd.get("/api/v1/plan/" + b + "/no-such-branch");
        assertEquals(404, unknown.statusCode());
        assertTrue(unknown.body().contains("head \\\"no-such-branch\\\" is not a commit of the config repository"), unknown.body());
        HttpResponse<String> bad = nkd.get("/api/v1/plan/" + URLEncoder.encode("--upload-pack=x", StandardCharsets.UTF_8) + "/" + h);
        assertEquals(400, bad.statusCode(), bad.body());
        assertEquals(404, nkd.get("/api/v1/plan/only-one").statusCode());
    }

    private void awaitReady() throws Exception {
        for (long end = System.nanoTime() + Duration.ofSeconds(60).toNanos(); System.nanoTime() < end; Thread.sleep(200)) {
            if (JSON.readTree(nkd.get("/api/v1/clusters/" + ConsoleDaemon.CLUSTER).body()).path("phase").asText().equals("READY")) {
                return;
            }
        }
        throw new AssertionError("sandbox-demo never became READY: " + nkd.get("/api/v1/clusters/" + ConsoleDaemon.CLUSTER).body());
    }

    /** The data of the next event named {@code name} (others are skipped). */
    private static JsonNode nextEvent(BufferedReader in, String name) throws Exception {
        String event = null;
        for (String line; (line = in.readLine()) != null; ) {
            if (line.startsWith("event: ")) {
                event = line.substring(7);
            } else if (line.startsWith("data: ") && name.equals(event)) {
                return JSON.readTree(line.substring(6));
            } else if (line.isEmpty()) {
                event = null;
            }
        }
        throw new AssertionError("the stream ended before an event " + name);
    }

    static synchronized String cli(String... args) {
        PrintStream old = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            Main.execute(args);
        } finally {
            System.setOut(old);
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
