package io.nkd.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.ToStringSerializer;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.nkd.reconcile.Controller;
import io.nkd.state.StateStore;
import io.nkd.status.ClusterStatus;
import io.nkd.status.StatusStore;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * nkd's HTTP API: cluster status ({@code GET /api/v1/clusters[/NAME[/history]]}), on-demand reconcile
 * ({@code POST /api/v1/clusters/NAME/reconcile}), Prometheus metrics ({@code /metrics}), health ({@code /healthz},
 * {@code /readyz}) and Git webhooks ({@code POST /hooks/...}, handled by a {@link WebhookHandler}). Status comes
 * from the state store, so it is the same whether the daemon just started or has run for months.
 */
public final class ApiServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ApiServer.class);
    private static final Pattern CLUSTER = Pattern.compile("/api/v1/clusters/([a-z0-9-]{1,63})(/history|/reconcile)?");
    /** The JSON form of status documents (ISO-8601 times), shared with the CLI. */
    public static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .registerModule(new SimpleModule().addSerializer(Instant.class, ToStringSerializer.instance));

    /** Receives webhook deliveries: returns the HTTP status to answer with. */
    public interface WebhookHandler {
        int handle(String path, Map<String, List<String>> headers, byte[] body);
    }

    private final HttpServer server;
    private final StateStore store;
    private final Controller controller;

    public ApiServer(InetSocketAddress listen, StateStore store, Controller controller, PrometheusMeterRegistry metrics,
                     WebhookHandler webhooks) throws IOException {
        this.store = store;
        this.controller = controller;
        server = HttpServer.create(listen, 64);
        server.setExecutor(Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "nkd-api");
            t.setDaemon(true);
            return t;
        }));
        server.createContext("/api/v1/clusters", this::clusters);
        server.createContext("/metrics", ex -> respond(ex, 200, "text/plain; version=0.0.4; charset=utf-8", metrics.scrape()));
        server.createContext("/healthz", ex -> respond(ex, 200, "text/plain", "ok\n"));
        server.createContext("/readyz", ex -> {
            boolean ready = controller.ready();
            respond(ex, ready ? 200 : 503, "text/plain", ready ? "ready\n"
                    : "not ready: no revision read yet" + controller.lastSourceError().map(e -> " (" + e + ")").orElse("") + "\n");
        });
        server.createContext("/hooks/", ex -> {
            if (!"POST".equals(ex.getRequestMethod())) {
                respond(ex, 405, "text/plain", "POST only\n");
                return;
            }
            byte[] body = ex.getRequestBody().readNBytes(1 << 20);
            int status = webhooks.handle(ex.getRequestURI().getPath(), ex.getRequestHeaders(), body);
            respond(ex, status, "text/plain", status == 202 ? "accepted\n" : "rejected\n");
        });
        server.start();
        LOG.info("API listening on http://{}:{}", listen.getHostString(), server.getAddress().getPort());
    }

    public int port() {
        return server.getAddress().getPort();
    }

    private void clusters(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath();
        try {
            if (path.equals("/api/v1/clusters") || path.equals("/api/v1/clusters/")) {
                json(ex, 200, allStatuses());
                return;
            }
            Matcher m = CLUSTER.matcher(path);
            if (!m.matches()) {
                json(ex, 404, Map.of("error", "no such resource: " + path));
                return;
            }
            String name = m.group(1);
            boolean known = knownClusters().contains(name);
            if (!known) {
                json(ex, 404, Map.of("error", "no cluster named " + name));
                return;
            }
            if ("/reconcile".equals(m.group(2))) {
                if (!"POST".equals(ex.getRequestMethod())) {
                    json(ex, 405, Map.of("error", "use POST"));
                    return;
                }
                // fetch first, so "reconcile now" also picks up a commit pushed a moment ago
                controller.poll();
                controller.request(name, true);
                json(ex, 202, Map.of("cluster", name, "accepted", true));
            } else if ("/history".equals(m.group(2))) {
                json(ex, 200, StatusStore.history(store.view(name)));
            } else {
                json(ex, 200, status(name));
            }
        } catch (RuntimeException e) {
            LOG.warn("API {} {} failed: {}", ex.getRequestMethod(), path, e.getMessage());
            json(ex, 500, Map.of("error", e.getMessage() == null ? e.toString() : e.getMessage()));
        }
    }

    private TreeSet<String> knownClusters() {
        TreeSet<String> names = new TreeSet<>(io.nkd.config.ReservedNames.userClusters(store.listClusters()));
        controller.currentClusters().forEach(names::add);
        return names;
    }

    private ClusterStatus status(String name) {
        return StatusStore.status(store.view(name)).orElse(ClusterStatus.initial(name));
    }

    private List<ClusterStatus> allStatuses() {
        List<ClusterStatus> out = new ArrayList<>();
        knownClusters().forEach(n -> out.add(status(n)));
        return out;
    }

    private static void json(HttpExchange ex, int status, Object body) throws IOException {
        respond(ex, status, "application/json", JSON.writeValueAsString(body) + "\n");
    }

    private static void respond(HttpExchange ex, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", type);
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(1);
    }
}
