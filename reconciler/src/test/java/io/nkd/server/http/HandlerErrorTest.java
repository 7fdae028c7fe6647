package io.nkd.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A handler that fails with an Error rather than an exception: a class that cannot be loaded (the jar replaced under a
 * running daemon by a package upgrade), a failed static initializer. The client gets a 500 at once instead of a
 * connection that never answers, and the listener goes on serving.
 */
class HandlerErrorTest {
    private HttpListener listener;

    @AfterEach
    void close() {
        if (listener != null) {
            listener.close();
        }
    }

    @Test
    @Timeout(30)
    void anErrorInAHandlerIsA500NotAHang() throws Exception {
        HttpLimits limits = HttpLimits.defaults(1024, 0, 1).withShutdownGrace(Duration.ofSeconds(1));
        listener = HttpListener.start(new HttpListener.Config("test", "the test server",
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), null, limits, 1, 2), r -> switch (r.path()) {
                    case "/linkage" -> throw new NoClassDefFoundError("io/nkd/console/PlanService$Answer");
                    case "/init" -> throw new ExceptionInInitializerError("static init");
                    case "/assert" -> throw new AssertionError("a broken invariant");
                    default -> Response.text(200, "ok");
                }, new SimpleMeterRegistry());
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        String base = "http://127.0.0.1:" + listener.address().getPort();
        for (String path : new String[] {"/linkage", "/init", "/assert"}) {
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(base + path))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(500, r.statusCode(), path);
        }
        HttpResponse<String> ok = client.send(HttpRequest.newBuilder(URI.create(base + "/"))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, ok.statusCode(), "the listener still serves");
    }
}
