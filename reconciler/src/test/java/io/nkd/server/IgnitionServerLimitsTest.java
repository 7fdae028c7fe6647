package io.nkd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nkd.server.http.HttpLimits;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Ignition server under hostile and slow clients, over real sockets on loopback: stalled TLS handshakes and
 * stalled headers neither starve booting nodes nor stay open past their deadline; HTTP/2 through ALPN; the
 * per-address rate limit.
 */
class IgnitionServerLimitsTest {
    private static final String C = ServerFixture.CLUSTER;
    /** The first 11 bytes of a TLS 1.2/1.3 ClientHello record: record header, then the start of the handshake. */
    private static final byte[] PARTIAL_CLIENT_HELLO = {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, (byte) 0xfc, 0x03, 0x03};
    private static final Duration TIMEOUT = Duration.ofSeconds(3);

    @TempDir
    Path tmp;
    private ServerFixture fx;
    private final List<Socket> sockets = new ArrayList<>();

    @AfterEach
    void stop() {
        sockets.forEach(s -> {
            try {
                s.close();
            } catch (IOException e) {
                // closing a test's client socket
            }
        });
        if (fx != null) {
            fx.close();
        }
    }

    private HttpLimits shortTimeouts() {
        return ServerSettings.defaultLimits().withTimeouts(TIMEOUT, TIMEOUT, Duration.ofSeconds(30)).withShutdownGrace(Duration.ofSeconds(1));
    }

    @Test
    void slowlorisOfStalledHandshakesAndHeadersStarvesNoNodeAndIsClosedAtTheDeadline() throws Exception {
        fx = new ServerFixture(tmp, shortTimeouts());
        NodeToken t = fx.tokens.issue(C, "workers", "lab-worker-1");
        InetSocketAddress at = fx.server.address();
        List<Socket> handshakes = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            Socket s = connect(at);
            s.getOutputStream().write(PARTIAL_CLIENT_HELLO);
            s.getOutputStream().flush();
            handshakes.add(s);
        }
        SSLContext tls = trusting(fx);
        List<Socket> headers = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            SSLSocket s = (SSLSocket) tls.getSocketFactory().createSocket(at.getAddress(), at.getPort());
            sockets.add(s);
            s.setEnabledProtocols(new String[] {"TLSv1.3"});
            s.startHandshake();
            s.getOutputStream().write("GET /ignition/v1/libvirt-lab/pools/x HTTP/1.1\r\nHost: localhost\r\nX-Slow: ".getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            headers.add(s);
        }
        long started = System.nanoTime();
        // a booting node and a liveness probe, while 400 connections stall
        assertEquals(200, fx.get(fx.url(ConfigKind.POOL, "workers"), t.value()).statusCode());
        assertEquals(200, fx.get(fx.server.baseUrl().resolve("/healthz"), null).statusCode());
        long tookMillis = (System.nanoTime() - started) / 1_000_000;
        assertTrue(tookMillis < 2_000, "the node's fetch and the probe took " + tookMillis + " ms beside 400 stalled connections");

        // every stalled connection is closed by the server once its deadline has passed
        long deadline = System.nanoTime() + TIMEOUT.plusSeconds(5).toNanos();
        for (Socket s : handshakes) {
            assertClosedByServer(s, deadline);
        }
        for (Socket s : headers) {
            assertClosedByServer(s, deadline);
        }
        assertEquals(200.0, rejected("handshake_timeout"));
        assertEquals(200.0, rejected("header_timeout"));
        String scrape = fx.meters.scrape();
        assertTrue(scrape.contains("nkd_http_requests_rejected_total{listener=\"ignition\",reason=\"handshake_timeout\"} 200.0"), scrape);
        assertTrue(scrape.contains("nkd_http_connections_active{listener=\"ignition\"}"), scrape);
    }

    @Test
    void http2IsNegotiatedThroughAlpnAndHttp11Otherwise() throws Exception {
        fx = new ServerFixture(tmp);
        NodeToken t = fx.tokens.issue(C, "workers", "lab-worker-1");
        for (HttpClient.Version v : HttpClient.Version.values()) {
            HttpClient client = HttpClient.newBuilder().sslContext(trusting(fx)).version(v).build();
            HttpResponse<byte[]> r = client.send(HttpRequest.newBuilder(fx.url(ConfigKind.POOL, "workers"))
                    .header("Authorization", "Bearer " + t.value()).build(), HttpResponse.BodyHandlers.ofByteArray());
            assertEquals(200, r.statusCode());
            assertEquals(v, r.version(), "the client offered " + v);
            assertEquals(fx.content.current(C, ConfigKind.POOL, "workers").orElseThrow().length(), r.body().length);
            HttpResponse<String> denied = client.send(HttpRequest.newBuilder(fx.url(ConfigKind.POOL, "workers")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(401, denied.statusCode(), "the token is checked on " + v + " too");
            HttpResponse<byte[]> head = client.send(HttpRequest.newBuilder(fx.url(ConfigKind.POOL, "workers"))
                    .header("Authorization", "Bearer " + t.value()).method("HEAD", HttpRequest.BodyPublishers.noBody()).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            assertEquals(200, head.statusCode());
            assertEquals(0, head.body().length, "HEAD has no body on " + v);
            assertEquals(String.valueOf(fx.content.current(C, ConfigKind.POOL, "workers").orElseThrow().length()),
                    head.headers().firstValue("content-length").orElseThrow(), "HEAD gives the GET's length on " + v);
        }
    }

    @Test
    void keepAliveServesManyRequestsOnOneConnection() throws Exception {
        fx = new ServerFixture(tmp);
        NodeToken t = fx.tokens.issue(C, "workers", "lab-worker-1");
        SSLSocket s = (SSLSocket) trusting(fx).getSocketFactory().createSocket(fx.server.address().getAddress(), fx.server.address().getPort());
        sockets.add(s);
        s.setSoTimeout(5000);
        String path = fx.url(ConfigKind.POOL, "workers").getRawPath();
        for (int i = 0; i < 3; i++) {
            s.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + t.value() + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            String head = readHead(s.getInputStream());
            assertTrue(head.startsWith("HTTP/1.1 200"), head);
            int length = Integer.parseInt(head.replaceAll("(?s).*content-length: (\\d+).*", "$1"));
            assertEquals(length, s.getInputStream().readNBytes(length).length);
        }
    }

    @Test
    void aClientOverItsRateGets429WithRetryAfter() throws Exception {
        fx = new ServerFixture(tmp, ServerSettings.defaultLimits().withRate(1, 3));
        NodeToken t = fx.tokens.issue(C, "workers", "lab-worker-1");
        List<Integer> statuses = new ArrayList<>();
        HttpResponse<byte[]> last = null;
        for (int i = 0; i < 5; i++) {
            last = fx.get(fx.url(ConfigKind.POOL, "workers"), t.value());
            statuses.add(last.statusCode());
        }
        assertEquals(List.of(200, 200, 200, 429, 429), statuses, "a burst of 3, then 1 per second");
        assertEquals("1", last.headers().firstValue("Retry-After").orElseThrow());
        assertEquals(2.0, rejected("rate_limited"));
        Thread.sleep(1100);
        assertEquals(200, fx.get(fx.url(ConfigKind.POOL, "workers"), t.value()).statusCode(), "the bucket refills");
    }

    @Test
    void connectionsOverThePerAddressLimitAreClosedAtOnce() throws Exception {
        fx = new ServerFixture(tmp, ServerSettings.defaultLimits().withConnections(100, 5));
        for (int i = 0; i < 5; i++) {
            connect(fx.server.address());
        }
        awaitActive(5); // all five accepted before the sixth comes (the server accepts on several threads)
        Socket sixth = connect(fx.server.address());
        assertClosedByServer(sixth, System.nanoTime() + Duration.ofSeconds(5).toNanos());
        assertEquals(1.0, rejected("connection_limit_per_ip"));
    }

    private void awaitActive(int n) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (fx.meters.get("nkd.http.connections.active").tag("listener", "ignition").gauge().value() < n) {
            assertTrue(System.nanoTime() < deadline, "the server did not accept " + n + " connections");
            Thread.sleep(10);
        }
    }

    private double rejected(String reason) {
        var c = fx.meters.find("nkd.http.requests.rejected").tag("listener", "ignition").tag("reason", reason).counter();
        return c == null ? 0 : c.count();
    }

    private Socket connect(InetSocketAddress at) throws IOException {
        Socket s = new Socket();
        s.connect(at, 5000);
        sockets.add(s);
        return s;
    }

    /** Reads until the server closes the connection (or resets it); fails if that has not happened by {@code deadline}. */
    static void assertClosedByServer(Socket s, long deadlineNanos) throws IOException {
        long left = Math.max(1, (deadlineNanos - System.nanoTime()) / 1_000_000);
        s.setSoTimeout((int) left);
        InputStream in = s.getInputStream();
        try {
            byte[] buf = new byte[4096];
            while (in.read(buf) >= 0) {
                // a TLS alert or an HTTP answer may come before the close
                if (System.nanoTime() > deadlineNanos) {
                    throw new AssertionError("the server kept a stalled connection open");
                }
            }
        } catch (SocketTimeoutException e) {
            throw new AssertionError("the server kept a stalled connection open past its deadline");
        } catch (IOException e) {
            // reset by the server: closed too
        }
    }

    static String readHead(InputStream in) throws IOException {
        StringBuilder b = new StringBuilder();
        while (!b.toString().endsWith("\r\n\r\n")) {
            int c = in.read();
            if (c < 0) {
                throw new IOException("closed after: " + b);
            }
            b.append((char) c);
        }
        return b.toString().toLowerCase(java.util.Locale.ROOT).replace("http/1.1", "HTTP/1.1");
    }

    static SSLContext trusting(ServerFixture fx) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", fx.identity.trustedCas().get(0));
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), ServerFixture.seeded(5));
        return ctx;
    }

    @SuppressWarnings("unused")
    private static void write(OutputStream out, String s) throws IOException {
        out.write(s.getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }
}
