package io.nkd.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Streamed responses (Server-Sent Events) on nkd's own HTTP listener, from the attacker's side too: a stream is
 * written as it is produced; a reader that stops reading is cut off instead of buffered without bound, and holds
 * no thread that other clients need; a stream does not delay shutdown and is closed by it.
 */
class StreamingResponseTest {
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final List<Stream.Sink> sinks = new CopyOnWriteArrayList<>();
    private HttpListener listener;

    private void start(Duration grace) throws Exception {
        HttpLimits limits = HttpLimits.defaults(1024, 0, 1).withShutdownGrace(grace);
        listener = HttpListener.start(new HttpListener.Config("test", "the test server",
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), null, limits, 1, 2), r -> switch (r.path()) {
                    case "/events" -> Response.streaming("text/event-stream", sink -> {
                        sinks.add(sink);
                        sink.send("event: hello\ndata: {}\n\n");
                    });
                    default -> Response.text(200, "ok");
                }, meters);
    }

    @AfterEach
    void close() {
        if (listener != null) {
            listener.close();
        }
    }

    private Socket openStream() throws Exception {
        Socket s = new Socket();
        s.setReceiveBufferSize(4096);
        s.connect(listener.address());
        OutputStream out = s.getOutputStream();
        out.write("GET /events HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        return s;
    }

    private void awaitSinks(int n) throws InterruptedException {
        for (long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5); sinks.size() < n && System.nanoTime() < end; ) {
            Thread.sleep(10);
        }
        assertEquals(n, sinks.size(), "streams started");
    }

    @Test
    @Timeout(20)
    void aStreamIsWrittenPieceByPieceWithChunkedEncodingAndEndsWhenTheServerEndsIt() throws Exception {
        start(Duration.ofSeconds(5));
        try (Socket s = openStream()) {
            s.setSoTimeout(5000);
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            assertEquals("HTTP/1.1 200 OK", in.readLine());
            String header = readHeader(in);
            assertTrue(header.toLowerCase().contains("transfer-encoding: chunked"), header);
            assertTrue(header.toLowerCase().contains("content-type: text/event-stream"), header);
            assertFalse(header.toLowerCase().contains("content-length"), header);
            awaitSinks(1);
            assertEquals("127.0.0.1", sinks.get(0).remote(), "the client's address, for per-address limits and logs");
            String body = readUntil(in, "data: {}");
            assertTrue(body.contains("event: hello"), body);
            assertTrue(sinks.get(0).send("event: later\ndata: 1\n\n"));
            assertTrue(readUntil(in, "event: later").contains("event: later"));
            sinks.get(0).close();
            List<String> rest = in.lines().toList(); // to the end of the connection: the server closes it
            assertEquals("0", rest.stream().filter(l -> !l.isEmpty()).reduce((a, b) -> b).orElse(""),
                    "the stream ends with the last chunk, then the connection: " + rest);
        }
    }

    @Test
    @Timeout(30)
    void aReaderThatStopsReadingIsCutOffAndNobodyElseWaits() throws Exception {
        start(Duration.ofSeconds(5));
        try (Socket stalled = openStream()) {
            awaitSinks(1);
            Stream.Sink sink = sinks.get(0);
            AtomicBoolean closed = new AtomicBoolean();
            sink.onClose(() -> closed.set(true));
            String piece = "data: " + "x".repeat(8 * 1024) + "\n\n";
            int sent = 0;
            while (sink.send(piece)) {
                sent++;
                if (sent > 100_000) {
                    break;
                }
            }
            // the client never read: the server's buffers filled within a few hundred KiB and the stream was dropped
            assertTrue(sent < 200, "the stream was cut off after " + sent + " pieces of 8 KiB, not buffered on");
            for (long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5); !closed.get() && System.nanoTime() < end; ) {
                Thread.sleep(10);
            }
            assertTrue(closed.get(), "its close callbacks ran (a producer forgets it)");
            assertEquals(1.0, meters.get("nkd.http.requests.rejected").tag("reason", "stream_stalled").counter().count());
            HttpResponse<String> other = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://" + listener.address().getHostString() + ":" + listener.address().getPort() + "/"))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, other.statusCode(), "another client is answered meanwhile");
        }
    }

    @Test
    @Timeout(20)
    void shutdownDoesNotWaitForStreamsAndClosesThem() throws Exception {
        start(Duration.ofSeconds(10));
        try (Socket s = openStream()) {
            awaitSinks(1);
            CountDownLatch ended = new CountDownLatch(1);
            sinks.get(0).onClose(ended::countDown);
            long t0 = System.nanoTime();
            listener.close();
            long took = System.nanoTime() - t0;
            assertTrue(took < TimeUnit.SECONDS.toNanos(5), "close took " + took / 1_000_000 + " ms: it waited for the stream");
            assertTrue(ended.await(5, TimeUnit.SECONDS), "the stream ended with the listener");
            assertFalse(sinks.get(0).send("data: late\n\n"), "nothing is sent after the end");
            listener = null;
        }
    }

    private static String readHeader(BufferedReader in) throws Exception {
        StringBuilder b = new StringBuilder();
        for (String line; (line = in.readLine()) != null && !line.isEmpty(); ) {
            b.append(line).append('\n');
        }
        return b.toString();
    }

    private static String readUntil(BufferedReader in, String marker) throws Exception {
        StringBuilder b = new StringBuilder();
        for (String line; (line = in.readLine()) != null; ) {
            b.append(line).append('\n');
            if (line.contains(marker)) {
                break;
            }
        }
        return b.toString();
    }
}
