package io.nkd.server;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.nkd.state.StateException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers one request. Order of checks: a valid token first (so nothing, not even whether a version
 * exists, is told to a caller without one), then the version (404 if no retained rendering has it),
 * then whether the token may fetch it (403: another node's overlay or another pool's config; a node
 * may fetch any retained version of its own pool). Each request to the Ignition paths is counted and
 * logged with cluster, pool, node, version and status; never the token or any header.
 */
final class IgnitionHandler implements HttpHandler {
    static final String METER = "nkd.ignition.requests";
    static final String CONTENT_TYPE = "application/vnd.coreos.ignition+json";
    private static final Logger log = LoggerFactory.getLogger(IgnitionServer.class);

    private final IgnitionContent content;
    private final NodeTokens tokens;
    private final MeterRegistry meters;
    private final BooleanSupplier closing;

    IgnitionHandler(IgnitionContent content, NodeTokens tokens, MeterRegistry meters, BooleanSupplier closing) {
        this.content = content;
        this.tokens = tokens;
        this.meters = meters;
        this.closing = closing;
    }

    /** What one request came to, for the response, the counter and the log line. */
    private record Outcome(int status, Optional<IgnitionPath> path, Optional<TokenGrant> grant, ServedConfig served) {
        static Outcome of(int status, Optional<IgnitionPath> path) {
            return new Outcome(status, path, Optional.empty(), null);
        }
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        try {
            if (exchange.getRequestURI().getRawPath().equals("/healthz")) {
                // not counted or logged: probes would drown the node requests
                respond(exchange, closing.getAsBoolean() ? 503 : 200, closing.getAsBoolean() ? "shutting down\n" : "ok\n");
                return;
            }
            Optional<IgnitionPath> path = IgnitionPath.parse(exchange.getRequestURI().getRawPath());
            Outcome o;
            try {
                o = decide(exchange, path);
            } catch (StateException e) {
                // the store's messages name files and fields, never their content
                log.error("ignition request failed: {}", e.getMessage());
                o = Outcome.of(500, path);
            } catch (RuntimeException e) {
                // a bug: named by its type and place only, since its message could quote anything
                StackTraceElement[] at = e.getStackTrace();
                log.error("ignition request failed: {} at {}", e.getClass().getName(), at.length > 0 ? at[0] : "?");
                o = Outcome.of(500, path);
            }
            count(o.status());
            logOutcome(exchange, o);
            if (o.status() == 200) {
                exchange.getResponseHeaders().set("Content-Type", CONTENT_TYPE);
                exchange.getResponseHeaders().set("Cache-Control", "no-store"); // it holds secrets
                exchange.sendResponseHeaders(200, o.served().length());
                try (OutputStream out = exchange.getResponseBody()) {
                    o.served().writeTo(out);
                }
            } else {
                respond(exchange, o.status(), reason(o.status()) + "\n");
            }
        } catch (IOException e) {
            log.debug("ignition response not delivered: {}", e.toString()); // the client went away
        } finally {
            exchange.close();
        }
    }

    private Outcome decide(HttpExchange exchange, Optional<IgnitionPath> path) {
        if (closing.getAsBoolean()) {
            return Outcome.of(503, path);
        }
        if (path.isEmpty()) {
            return Outcome.of(404, path);
        }
        if (!exchange.getRequestMethod().equals("GET")) {
            exchange.getResponseHeaders().set("Allow", "GET");
            return Outcome.of(405, path);
        }
        Optional<String> token = bearer(exchange.getRequestHeaders().get("Authorization"));
        if (token.isEmpty()) {
            exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer");
            return Outcome.of(401, path);
        }
        IgnitionPath p = path.get();
        Optional<TokenGrant> grant = tokens.authenticate(p.cluster(), token.get());
        if (grant.isEmpty()) {
            return Outcome.of(403, path);
        }
        Optional<ServedConfig> served = content.get(p.cluster(), p.kind(), p.version());
        if (served.isEmpty()) {
            return new Outcome(404, path, grant, null);
        }
        if (!grant.get().allows(served.get())) {
            return new Outcome(403, path, grant, null);
        }
        return new Outcome(200, path, grant, served.get());
    }

    /** The token of a single {@code Authorization: Bearer <token>} header. */
    static Optional<String> bearer(List<String> headers) {
        if (headers == null || headers.size() != 1) {
            return Optional.empty();
        }
        String h = headers.get(0).trim();
        if (h.length() < 8 || !h.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return Optional.empty();
        }
        String token = h.substring(7).trim();
        return token.isEmpty() ? Optional.empty() : Optional.of(token);
    }

    private void count(int status) {
        Counter.builder(METER)
                .description("Requests for Ignition configs, by HTTP status")
                .tag("status", Integer.toString(status))
                .register(meters)
                .increment();
    }

    private static void logOutcome(HttpExchange exchange, Outcome o) {
        String cluster = o.path().map(IgnitionPath::cluster).orElse("-");
        String version = o.path().map(p -> p.kind().segment() + "/" + p.version()).orElse("-");
        String pool = o.grant().map(TokenGrant::pool).orElse("-");
        String node = o.grant().map(TokenGrant::node).orElse("-");
        String from = exchange.getRemoteAddress() == null ? "-" : exchange.getRemoteAddress().getAddress().getHostAddress();
        if (o.status() == 200) {
            log.info("ignition {} {}: status {} (pool {}, node {}, from {})", cluster, version, o.status(), pool, node, from);
        } else {
            log.warn("ignition {} {}: status {} {} (pool {}, node {}, from {})", cluster, version, o.status(), reason(o.status()),
                    pool, node, from);
        }
    }

    private static void respond(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static String reason(int status) {
        return switch (status) {
            case 200 -> "ok";
            case 401 -> "missing bearer token";
            case 403 -> "forbidden";
            case 404 -> "not found";
            case 405 -> "method not allowed";
            case 503 -> "shutting down";
            default -> "internal error";
        };
    }
}
