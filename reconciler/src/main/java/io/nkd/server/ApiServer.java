package io.nkd.server;

import io.nkd.json.JsonOutput;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.nkd.reconcile.Controller;
import io.nkd.server.http.HttpLimits;
import io.nkd.server.http.HttpListener;
import io.nkd.server.http.Request;
import io.nkd.server.http.Response;
import io.nkd.state.StateStore;
import io.nkd.status.ClusterStatus;
import io.nkd.status.StatusStore;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * nkd's HTTP API: cluster status ({@code GET /api/v1/clusters[/NAME[/history]]}), on-demand reconcile
 * ({@code POST /api/v1/clusters/NAME/reconcile}), Prometheus metrics ({@code /metrics}), health ({@code /healthz},
 * {@code /readyz}) and Git webhooks ({@code POST /hooks/...}, handled by a {@link WebhookHandler}). Status comes
 * from the state store, so it is the same whether the daemon just started or has run for months.
 *
 * <p>Read endpoints answer GET and HEAD (405 with {@code Allow} otherwise). Mutating endpoints need
 * {@code Authorization: Bearer <API token>} ({@link ApiToken}) and refuse what a browser could send on behalf of
 * another site: a {@code Sec-Fetch-Site} other than same-origin/none, an {@code Origin} other than this server's,
 * and any body that is not {@code application/json} (a cross-site form or {@code text/plain} "simple request"
 * needs no CORS preflight, so it must be refused here). Webhooks authenticate by their own HMAC signatures.
 */
public final class ApiServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ApiServer.class);
    /** The {@code listener} label of this server's HTTP meters. */
    public static final String LISTENER = "api";
    private static final Pattern CLUSTER = Pattern.compile("/api/v1/clusters/([a-z0-9-]{1,63})(/history|/reconcile)?");
    private static final String READ_METHODS = "GET, HEAD";

    /** Receives webhook deliveries: returns the HTTP status to answer with. */
    public interface WebhookHandler {
        int handle(String path, Map<String, List<String>> headers, byte[] body);
    }

    /** More routes on the API port (the web console): answers the requests it knows, empty for the others. */
    public interface Routes {
        Routes NONE = r -> Optional.empty();

        Optional<Response> route(Request r);
    }

    /**
     * How the API runs.
     *
     * @param limits  the body limit is the webhook limit ({@code --webhook-max-bytes}): no other request has a body
     * @param token   what mutating requests must present
     */
    public record Settings(InetSocketAddress listen, HttpLimits limits, ApiToken token) {
        /** Webhook bodies: GitHub caps its payloads at 25 MB, but a push event is a few KiB; 1 MiB by default. */
        public static final int DEFAULT_MAX_BODY_BYTES = 1 << 20;
        public static final double DEFAULT_RATE = 50;
        public static final int DEFAULT_BURST = 100;

        public Settings {
            Objects.requireNonNull(listen, "listen");
            Objects.requireNonNull(limits, "limits");
            Objects.requireNonNull(token, "token");
        }

        public static HttpLimits defaultLimits() {
            return HttpLimits.defaults(DEFAULT_MAX_BODY_BYTES, DEFAULT_RATE, DEFAULT_BURST);
        }
    }

    private final HttpListener listener;
    private final StateStore store;
    private final Controller controller;
    private final PrometheusMeterRegistry metrics;
    private final WebhookHandler webhooks;
    private final ApiToken token;
    /** How long a client told 503 by a follower should wait before trying again (a failover takes a lease duration). */
    static final int NOT_LEADER_RETRY_AFTER_SECONDS = 15;
    /** Whether this replica leads; {@link io.nkd.ha.Leadership#SOLE} for one process on a local state directory. */
    private final io.nkd.ha.Leadership leadership;
    /** Why this replica cannot serve Ignition from the shared state (several replicas), or null for a single process. */
    private final java.util.function.Supplier<Optional<String>> notServing;

    private final Routes routes;

    public ApiServer(Settings settings, StateStore store, Controller controller, PrometheusMeterRegistry metrics,
                     WebhookHandler webhooks) throws IOException {
        this(settings, store, controller, metrics, webhooks, null, Routes.NONE);
    }

    /**
     * One of several replicas: readiness is whether it can serve Ignition from the shared state ({@code notServing}
     * empty), leader or not; webhooks and reconcile requests reaching a follower get 503 with Retry-After.
     *
     * @param notServing null for a single process (readiness: a revision was read)
     */
    public ApiServer(Settings settings, StateStore store, Controller controller, PrometheusMeterRegistry metrics,
                     WebhookHandler webhooks, java.util.function.Supplier<Optional<String>> notServing) throws IOException {
        this(settings, store, controller, metrics, webhooks, notServing, Routes.NONE);
    }

    /** As above, with more routes on the port (the web console). */
    public ApiServer(Settings settings, StateStore store, Controller controller, PrometheusMeterRegistry metrics,
                     WebhookHandler webhooks, java.util.function.Supplier<Optional<String>> notServing, Routes routes)
            throws IOException {
        this.routes = Objects.requireNonNull(routes, "routes");
        this.leadership = controller.leadership();
        this.notServing = notServing;
        this.store = store;
        this.controller = controller;
        this.metrics = metrics;
        this.webhooks = webhooks;
        this.token = settings.token();
        // handlers block (a reconcile request fetches first; status reads files): a few threads of their own
        listener = HttpListener.start(new HttpListener.Config(LISTENER, "the API", settings.listen(), null, settings.limits(), 1, 4),
                this::handle, metrics);
    }

    public int port() {
        return listener.address().getPort();
    }

    public InetSocketAddress address() {
        return listener.address();
    }

    private Response handle(Request r) {
        String path = r.path();
        try {
            Optional<Response> extra = routes.route(r);
            if (extra.isPresent()) {
                return extra.get();
            }
            if (path.equals("/healthz")) {
                return readOnly(r).orElseGet(() -> Response.text(200, "ok"));
            }
            if (path.equals("/readyz")) {
                return readOnly(r).orElseGet(this::readiness);
            }
            if (path.equals("/metrics")) {
                return readOnly(r).orElseGet(() -> Response.of(200, "text/plain; version=0.0.4; charset=utf-8",
                        metrics.scrape().getBytes(StandardCharsets.UTF_8)));
            }
            if (path.equals("/api/v1/leader")) {
                return readOnly(r).orElseGet(() -> json(200, leaderStatus()));
            }
            if (path.startsWith("/hooks/")) {
                if (!r.method().equals("POST")) {
                    return json(405, Map.of("error", "webhooks are delivered with POST")).with("Allow", "POST");
                }
                if (!leadership.isLeader()) {
                    // nothing is checked or done here: only the leader follows Git; the sender retries (or the poll finds the push)
                    LOG.info("webhook {} answered 503: this replica ({}) does not lead", path, leadership.identity());
                    return notLeader();
                }
                int status = webhooks.handle(path, r.headers(), r.body());
                return Response.text(status, status == 202 ? "accepted" : "rejected");
            }
            if (path.equals("/api/v1/clusters") || path.equals("/api/v1/clusters/")) {
                return readOnly(r).orElseGet(() -> json(200, allStatuses()));
            }
            Matcher m = CLUSTER.matcher(path);
            if (!m.matches()) {
                return json(404, Map.of("error", "no such resource: " + path));
            }
            String name = m.group(1);
            if ("/reconcile".equals(m.group(2))) {
                return reconcile(r, name);
            }
            Optional<Response> refused = readOnly(r);
            if (refused.isPresent()) {
                return refused.get();
            }
            if (!knownClusters().contains(name)) {
                return json(404, Map.of("error", "no cluster named " + name));
            }
            return "/history".equals(m.group(2)) ? json(200, StatusStore.history(store.view(name))) : json(200, status(name));
        } catch (RuntimeException e) {
            LOG.warn("API {} {} failed: {}", r.method(), path, e.getMessage());
            return json(500, Map.of("error", e.getMessage() == null ? e.toString() : e.getMessage()));
        }
    }

    /** Which replica leads, as this one knows it ({@code GET /api/v1/leader}). */
    private Map<String, Object> leaderStatus() {
        Map<String, Object> out = new java.util.LinkedHashMap<>();
        out.put("election", leadership.describe());
        out.put("identity", leadership.identity());
        out.put("leading", leadership.isLeader());
        leadership.leader().ifPresent(l -> out.put("leader", l));
        return out;
    }

    private Response notLeader() {
        return json(503, Map.of("error", "this replica (" + leadership.identity() + ") does not lead; "
                + leadership.leader().map(l -> "the leader is " + l).orElse("no leader is known now")
                + ". Retry (any replica may lead by then); only the leader follows Git and reconciles"))
                .with("Retry-After", Integer.toString(NOT_LEADER_RETRY_AFTER_SECONDS));
    }

    private Response readiness() {
        if (notServing != null) {
            // several replicas: each one serves Ignition and the read API from the shared state, leader or not
            Optional<String> why = notServing.get();
            String role = leadership.isLeader() ? "leader" : "follower of " + leadership.leader().orElse("no known leader");
            return why.map(w -> Response.text(503, "not ready (" + role + "): " + w))
                    .orElseGet(() -> Response.text(200, "ready (" + role + ")" + controller.lastSourceError()
                            .map(e -> "; source: " + e).orElse("")));
        }
        boolean ready = controller.ready();
        return Response.text(ready ? 200 : 503, ready ? "ready"
                : "not ready: no revision read yet" + controller.lastSourceError().map(e -> " (" + e + ")").orElse(""));
    }

    private Response reconcile(Request r, String name) {
        if (!r.method().equals("POST")) {
            return json(405, Map.of("error", "use POST to request a reconcile")).with("Allow", "POST");
        }
        Optional<Response> refused = refuseMutation(r);
        if (refused.isPresent()) {
            return refused.get();
        }
        if (!knownClusters().contains(name)) {
            return json(404, Map.of("error", "no cluster named " + name));
        }
        if (!leadership.isLeader()) {
            return notLeader();
        }
        // fetch first, so "reconcile now" also picks up a commit pushed a moment ago
        controller.poll();
        controller.request(name, true);
        LOG.info("reconcile of {} requested through the API by {}", name, r.remote().getHostAddress());
        return json(202, Map.of("cluster", name, "accepted", true));
    }

    /** 405 for anything but GET and HEAD on a read endpoint. */
    private static Optional<Response> readOnly(Request r) {
        if (r.method().equals("GET") || r.method().equals("HEAD")) {
            return Optional.empty();
        }
        return Optional.of(json(405, Map.of("error", r.method() + " is not allowed here; this resource is read-only"))
                .with("Allow", READ_METHODS));
    }

    /** Why a mutating request is refused, if it is: what a browser could send for another site, or no valid token. */
    Optional<Response> refuseMutation(Request r) {
        Optional<String> site = r.header("Sec-Fetch-Site").map(s -> s.trim().toLowerCase(Locale.ROOT));
        if (site.isPresent() && !site.get().equals("same-origin") && !site.get().equals("none")) {
            return Optional.of(refuse(r, 403, "cross-site requests may not change anything (Sec-Fetch-Site: " + site.get() + ")"));
        }
        if (r.has("Origin") && !sameOrigin(r)) {
            return Optional.of(refuse(r, 403, "cross-origin requests may not change anything"));
        }
        if (r.body().length > 0 || r.has("Content-Type")) {
            String type = r.header("Content-Type").map(t -> t.split(";", 2)[0].trim().toLowerCase(Locale.ROOT)).orElse("");
            if (!type.equals("application/json")) {
                return Optional.of(refuse(r, 415, "a request body must be application/json (or send none)"));
            }
        }
        Optional<String> presented = IgnitionHandler.bearer(r.headers().get("Authorization"));
        if (presented.isEmpty() || !token.matches(presented.get())) {
            return Optional.of(refuse(r, 401, presented.isEmpty()
                    ? "this request needs Authorization: Bearer <API token> (the token is in --api-token-file, or in the state directory's api-token)"
                    : "the API token does not match").with("WWW-Authenticate", "Bearer"));
        }
        return Optional.empty();
    }

    /** Whether the Origin header names this server, as the client reached it (its Host header). */
    private static boolean sameOrigin(Request r) {
        Optional<String> origin = r.header("Origin");
        Optional<String> host = r.header("Host").or(() -> r.header(":authority"));
        if (origin.isEmpty() || host.isEmpty()) {
            return false;
        }
        try {
            URI o = URI.create(origin.get().trim());
            if (!"http".equalsIgnoreCase(o.getScheme()) || o.getRawAuthority() == null || o.getRawPath() != null && !o.getRawPath().isEmpty()) {
                return false;
            }
            return o.getRawAuthority().equalsIgnoreCase(host.get().trim());
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static Response refuse(Request r, int status, String why) {
        LOG.warn("API {} {} from {} refused ({}): {}", r.method(), r.path(), r.remote().getHostAddress(), status, why);
        return json(status, Map.of("error", why));
    }

    private TreeSet<String> knownClusters() {
        return knownClusters(store, controller);
    }

    /** The clusters the API shows: those with state, and those the followed revision defines (not reconciled yet). */
    private static TreeSet<String> knownClusters(StateStore store, Controller controller) {
        TreeSet<String> names = new TreeSet<>(io.nkd.config.ReservedNames.userClusters(store.listClusters()));
        controller.currentClusters().forEach(names::add);
        return names;
    }

    private ClusterStatus status(String name) {
        return StatusStore.status(store.view(name)).orElse(ClusterStatus.initial(name));
    }

    private List<ClusterStatus> allStatuses() {
        return statuses(store, controller);
    }

    /**
     * Every cluster's status as {@code GET /api/v1/clusters} answers it, by name; a cluster without a status yet reads
     * as its initial one. The console's stream sends the same list.
     */
    public static List<ClusterStatus> statuses(StateStore store, Controller controller) {
        List<ClusterStatus> out = new ArrayList<>();
        for (String n : knownClusters(store, controller)) {
            out.add(StatusStore.status(store.view(n)).orElse(ClusterStatus.initial(n)));
        }
        return out;
    }

    /** The same JSON as the CLI's {@code -o json}: one writer for both (the console's endpoints use it too). */
    public static Response json(int status, Object body) {
        return Response.of(status, "application/json", (JsonOutput.write(body) + "\n").getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void close() {
        listener.close();
    }
}
