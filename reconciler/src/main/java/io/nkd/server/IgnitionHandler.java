package io.nkd.server;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.nkd.server.http.Handler;
import io.nkd.server.http.Request;
import io.nkd.server.http.Response;
import io.nkd.state.StateException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers one request. Order of checks: a valid token first (so nothing, not even whether a version
 * exists, is told to a caller without one), then the version (404 if no retained rendering has it),
 * then whether the token may fetch it (403: another node's overlay or another pool's config; a node
 * may fetch any retained version of its own pool). Each request to the Ignition paths is counted and
 * logged with cluster, pool, node, version and status; never the token or any header.
 */
final class IgnitionHandler implements Handler {
    static final String METER = "nkd.ignition.requests";
    static final String CONTENT_TYPE = "application/vnd.coreos.ignition+json";
    private static final Logger log = LoggerFactory.getLogger(IgnitionServer.class);
    private static final Response HEALTHY = Response.text(200, "ok");

    private final IgnitionContent content;
    private final NodeTokens tokens;
    private final MeterRegistry meters;
    private final Map<Integer, Counter> counters = new ConcurrentHashMap<>();

    IgnitionHandler(IgnitionContent content, NodeTokens tokens, MeterRegistry meters) {
        this.content = content;
        this.tokens = tokens;
        this.meters = meters;
    }

    /** What one request came to, for the response, the counter and the log line. */
    private record Outcome(int status, Optional<IgnitionPath> path, Optional<TokenGrant> grant, ServedConfig served) {
        static Outcome of(int status, Optional<IgnitionPath> path) {
            return new Outcome(status, path, Optional.empty(), null);
        }
    }

    @Override
    public Response handle(Request request) {
        if (request.path().equals("/healthz")) {
            // not counted or logged: probes would drown the node requests (while shutting down, the listener answers 503)
            return HEALTHY;
        }
        Optional<IgnitionPath> path = IgnitionPath.parse(request.path());
        Outcome o;
        try {
            o = decide(request, path);
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
        logOutcome(request, o);
        if (o.status() == 200 && request.method().equals("GET") && o.served().kind() == ConfigKind.POOL) {
            // the node booted far enough to fetch its pool config: the last step of its provisioning
            tokens.fetches().record(o.served().cluster(), o.grant().get().node(), o.served().version());
        }
        return switch (o.status()) {
            case 200 -> new Response(200, Map.of("Content-Type", CONTENT_TYPE, "Cache-Control", "no-store"), o.served().content());
            case 401 -> Response.text(401, reason(401)).with("WWW-Authenticate", "Bearer");
            case 405 -> Response.text(405, reason(405)).with("Allow", "GET, HEAD");
            default -> Response.text(o.status(), reason(o.status()));
        };
    }

    private Outcome decide(Request request, Optional<IgnitionPath> path) {
        if (path.isEmpty()) {
            return Outcome.of(404, path);
        }
        if (!request.method().equals("GET") && !request.method().equals("HEAD")) {
            return Outcome.of(405, path);
        }
        Optional<String> token = bearer(request.headers().get("Authorization"));
        if (token.isEmpty()) {
            return Outcome.of(401, path);
        }
        IgnitionPath p = path.get();
        Optional<TokenGrant> grant = tokens.authenticate(p.cluster(), token.get());
        if (grant.isEmpty()) {
            return Outcome.of(403, path);
        }
        Optional<ServedConfig> served = content.serve(p.cluster(), p.kind(), p.version());
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
        counters.computeIfAbsent(status, s -> Counter.builder(METER)
                .description("Requests for Ignition configs, by HTTP status")
                .tag("status", Integer.toString(s))
                .register(meters)).increment();
    }

    private static void logOutcome(Request request, Outcome o) {
        if (o.status() == 200 && !log.isInfoEnabled()) {
            return;
        }
        String cluster = o.path().map(IgnitionPath::cluster).orElse("-");
        String version = o.path().map(p -> p.kind().segment() + "/" + p.version()).orElse("-");
        String pool = o.grant().map(TokenGrant::pool).orElse("-");
        String node = o.grant().map(TokenGrant::node).orElse("-");
        String from = request.remote().getHostAddress();
        if (o.status() == 200) {
            log.info("ignition {} {}: status {} (pool {}, node {}, from {})", cluster, version, o.status(), pool, node, from);
        } else {
            log.warn("ignition {} {}: status {} {} (pool {}, node {}, from {})", cluster, version, o.status(), reason(o.status()),
                    pool, node, from);
        }
    }

    private static String reason(int status) {
        return switch (status) {
            case 200 -> "ok";
            case 401 -> "missing bearer token";
            case 403 -> "forbidden";
            case 404 -> "not found";
            case 405 -> "method not allowed";
            default -> "internal error";
        };
    }
}
