package io.nkd.console;

import io.nkd.reconcile.Controller;
import io.nkd.reconcile.RevisionSource;
import io.nkd.server.ApiServer;
import io.nkd.server.http.Request;
import io.nkd.server.http.Response;
import io.nkd.state.StateStore;
import io.nkd.status.ClusterStatus;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The console's routes on the API port: the page ({@code /}, {@code /ui/}), its assets ({@code /ui/assets/...}),
 * the status stream ({@code GET /api/v1/events}), the plan of two revisions ({@code GET /api/v1/plan/BASE/HEAD},
 * each percent-encoded) and the recent commits of the followed revision ({@code GET /api/v1/commits}). All of them
 * only read, and answer GET and HEAD like the API's other read endpoints (405 otherwise); the console's one action,
 * reconcile now, is the API's own {@code POST /api/v1/clusters/NAME/reconcile} with its token and cross-site checks.
 */
public final class Console implements ApiServer.Routes, AutoCloseable {
    private final StateStore store;
    private final Controller controller;
    private final EventHub events;
    private final PlanService plans;
    private final ConsoleAssets assets = ConsoleAssets.packaged();

    public Console(StateStore store, Controller controller, RevisionSource source) {
        this.store = store;
        this.controller = controller;
        this.events = new EventHub(this::statuses, EventHub.DEFAULT_PERIOD, EventHub.DEFAULT_HEARTBEAT, EventHub.DEFAULT_MAX_CLIENTS);
        String described = source.describe(); // "URL @ ref", never with credentials
        int at = described.lastIndexOf(" @ ");
        this.plans = new PlanService(source.repository(), at < 0 ? null : described.substring(0, at));
    }

    @Override
    public Optional<Response> route(Request r) {
        String path = r.path();
        boolean mine = path.equals("/") || path.equals("/ui") || path.startsWith("/ui/") || path.equals("/api/v1/events")
                || path.equals("/api/v1/commits") || path.equals("/api/v1/plan") || path.startsWith("/api/v1/plan/");
        if (!mine) {
            return Optional.empty();
        }
        if (!r.method().equals("GET") && !r.method().equals("HEAD")) {
            return Optional.of(ApiServer.json(405, Map.of("error", r.method() + " is not allowed here; this resource is read-only"))
                    .with("Allow", "GET, HEAD"));
        }
        if (path.equals("/") || path.equals("/ui")) {
            return Optional.of(ConsoleAssets.secure(Response.text(302, "the console is at /ui/")).with("Location", "/ui/"));
        }
        if (path.equals("/ui/")) {
            return Optional.of(ConsoleAssets.serve(assets.index(), r.header("If-None-Match"), r.header("Accept-Encoding")));
        }
        if (path.startsWith("/ui/")) {
            return Optional.of(assets.find(path)
                    .map(a -> ConsoleAssets.serve(a, r.header("If-None-Match"), r.header("Accept-Encoding")))
                    .orElseGet(() -> ConsoleAssets.secure(Response.text(404, "no such file: " + path))));
        }
        if (path.equals("/api/v1/events")) {
            if (events.full(r.remote().getHostAddress())) {
                return Optional.of(ApiServer.json(503, Map.of("error", "too many event streams are open; retry later")).with("Retry-After", "10"));
            }
            return Optional.of(Response.streaming("text/event-stream; charset=utf-8", events.stream())
                    .with("Cache-Control", "no-store").with("X-Accel-Buffering", "no"));
        }
        if (path.equals("/api/v1/commits")) {
            PlanService.Answer a = plans.commits(controller.currentRevision());
            return Optional.of(ApiServer.json(a.status(), a.body()));
        }
        String[] parts = path.substring("/api/v1/plan".length()).split("/", -1);
        if (parts.length != 3 || parts[1].isEmpty() || parts[2].isEmpty()) {
            return Optional.of(ApiServer.json(404, Map.of("error", "ask for /api/v1/plan/BASE/HEAD, each revision percent-encoded")));
        }
        PlanService.Answer a = plans.plan(decode(parts[1]), decode(parts[2]));
        return Optional.of(ApiServer.json(a.status(), a.body()).with("Cache-Control", "no-store"));
    }

    private static String decode(String segment) {
        try {
            return URLDecoder.decode(segment.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return segment; // refused as not a revision name
        }
    }

    /** Every cluster's status, as {@code GET /api/v1/clusters} lists them. */
    private List<ClusterStatus> statuses() {
        return ApiServer.statuses(store, controller);
    }

    @Override
    public void close() {
        events.close();
    }
}
