package io.nkd.server;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.nkd.infra.baremetal.BareMetalHost;
import io.nkd.infra.baremetal.BareMetalRegistry;
import io.nkd.infra.baremetal.FetchRecord;
import io.nkd.infra.baremetal.IpxeScripts;
import io.nkd.infra.baremetal.MacAddress;
import io.nkd.server.http.Handler;
import io.nkd.server.http.Request;
import io.nkd.server.http.Response;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers iPXE clients on the plain-HTTP iPXE listener:
 *
 * <pre>
 * GET /ipxe/boot.ipxe               the chain script DHCP points iPXE at: asks for /ipxe/${mac:hexhyp}
 * GET /ipxe/&lt;mac&gt;                   the machine's script (kernel, initramfs, installer arguments), or 404
 * GET /ipxe/&lt;mac&gt;/pointer.ign       the machine's pointer config, until its node fetched its config (then 410)
 * GET /healthz
 * </pre>
 *
 * A MAC may be spelled with ':' or '-' or neither, in any case. Only registered machines are answered; an unknown MAC
 * gets 404 and a debug log line with the MAC only. The pointer holds the node's token and this listener has no TLS
 * and no client identity but the MAC, so it is served only while the machine is not yet provisioned, and every
 * serving is logged with the client's address (docs/security.md, "Bare metal"). Requests are counted in
 * {@code nkd_ipxe_requests_total{kind,status}}.
 */
final class IpxeHandler implements Handler {
    static final String METER = "nkd.ipxe.requests";
    private static final Logger log = LoggerFactory.getLogger(IpxeServer.class);
    private static final Pattern HOST = Pattern.compile("[A-Za-z0-9.-]{1,253}(:[0-9]{1,5})?|\\[[0-9A-Fa-f:.]{2,45}\\](:[0-9]{1,5})?");

    private final BareMetalRegistry registry;
    private final FetchRecord fetches;
    private final String fallbackBase;
    private final Clock clock;
    private final MeterRegistry meters;
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();

    /** What a request asked for: the {@code kind} label. */
    private enum Kind { CHAIN, SCRIPT, POINTER, OTHER }

    IpxeHandler(BareMetalRegistry registry, FetchRecord fetches, String fallbackBase, Clock clock, MeterRegistry meters) {
        this.registry = registry;
        this.fetches = fetches;
        this.fallbackBase = fallbackBase;
        this.clock = clock;
        this.meters = meters;
    }

    @Override
    public Response handle(Request request) {
        String path = request.path();
        if (path.equals("/healthz")) {
            return Response.text(200, "ok");
        }
        if (!request.method().equals("GET") && !request.method().equals("HEAD")) {
            return count(Kind.OTHER, Response.text(405, "method not allowed").with("Allow", "GET, HEAD"));
        }
        if (path.equals(IpxeScripts.BOOT_PATH)) {
            return count(Kind.CHAIN, ipxe(IpxeScripts.chain(base(request))));
        }
        if (!path.startsWith(IpxeScripts.PREFIX + "/")) {
            return count(Kind.OTHER, Response.text(404, "not found"));
        }
        String[] parts = path.substring(IpxeScripts.PREFIX.length() + 1).split("/", -1);
        boolean pointer = parts.length == 2 && parts[1].equals("pointer.ign");
        Kind kind = pointer ? Kind.POINTER : Kind.SCRIPT;
        if (parts.length > 2 || parts.length == 2 && !pointer) {
            return count(Kind.OTHER, Response.text(404, "not found"));
        }
        Optional<MacAddress> mac = MacAddress.parse(parts[0]);
        if (mac.isEmpty()) {
            return count(kind, Response.text(404, "not a MAC address; ask for /ipxe/52-54-00-12-34-56"));
        }
        Optional<BareMetalHost> host = registry.byMac(mac.get());
        if (host.isEmpty()) {
            log.debug("ipxe: no machine is registered for MAC {}", mac.get());
            return count(kind, Response.text(404, "no machine is registered for this MAC"));
        }
        return count(kind, pointer ? pointer(host.get(), request) : script(host.get(), request));
    }

    private Response script(BareMetalHost h, Request request) {
        log.info("ipxe: boot script for node {} of cluster {} (MAC {}) to {}", h.node(), h.cluster(), h.mac(),
                request.remote().getHostAddress());
        return ipxe(IpxeScripts.script(h, base(request)));
    }

    private Response pointer(BareMetalHost h, Request request) {
        String from = request.remote().getHostAddress();
        boolean provisioned;
        try {
            provisioned = fetches.fetched(h.cluster()).containsKey(h.node());
        } catch (RuntimeException e) {
            // without the fetch record nkd cannot tell whether the node has its config: never hand out its token then
            return unavailable(h, from, "cannot read the record of node fetches", e);
        }
        if (provisioned) {
            log.warn("ipxe: refused the pointer config of node {} of cluster {} (MAC {}) to {}: the node fetched its config "
                    + "already; a reinstall needs the machine deleted and created again (a new token)", h.node(), h.cluster(), h.mac(), from);
            return Response.text(410, "this machine is provisioned; its pointer config is no longer served");
        }
        if (request.method().equals("GET")) {
            try {
                // recorded before it is served: who fetched a token is what tells a reinstall from a spoofed MAC
                registry.pointerFetched(h, from, clock.instant());
            } catch (RuntimeException e) {
                return unavailable(h, from, "cannot record the pointer fetch", e);
            }
            if (h.pointerFetches() > 0 && !from.equals(h.pointerFetchedFrom())) {
                log.warn("ipxe: pointer config of node {} of cluster {} (MAC {}) served to {}, earlier to {}: if only one machine "
                        + "has this MAC, this is a reinstall; otherwise someone on the PXE network spoofs it", h.node(), h.cluster(),
                        h.mac(), from, h.pointerFetchedFrom());
            } else {
                log.info("ipxe: pointer config of node {} of cluster {} (MAC {}) served to {}", h.node(), h.cluster(), h.mac(), from);
            }
        }
        return new Response(200, Map.of("Content-Type", IgnitionHandler.CONTENT_TYPE, "Cache-Control", "no-store"),
                h.pointer().getBytes(StandardCharsets.UTF_8));
    }

    /**
     * 503: the state directory failed (a corrupt or unwritable file); the installer retries. The log names the file
     * and what to do (the state's messages carry paths and reasons, never file contents).
     */
    private static Response unavailable(BareMetalHost h, String from, String what, RuntimeException e) {
        log.error("ipxe: pointer config of node {} of cluster {} (MAC {}) NOT served to {}: {}: {}", h.node(), h.cluster(), h.mac(),
                from, what, e.getMessage());
        return Response.text(503, "nkd cannot serve this pointer config now (see nkd's log); try again later")
                .with("Retry-After", "30");
    }

    /** Where this client reached the listener: its Host header when well-formed, else the listener's address. */
    private String base(Request request) {
        return request.header("Host").filter(h -> HOST.matcher(h).matches()).map(h -> "http://" + h).orElse(fallbackBase);
    }

    private static Response ipxe(String script) {
        return new Response(200, Map.of("Content-Type", "text/plain; charset=utf-8", "Cache-Control", "no-store"),
                script.getBytes(StandardCharsets.UTF_8));
    }

    private Response count(Kind kind, Response r) {
        String key = kind + "/" + r.status();
        counters.computeIfAbsent(key, k -> Counter.builder(METER)
                .description("Requests to the iPXE listener, by what was asked for and HTTP status")
                .tag("kind", kind.name().toLowerCase(java.util.Locale.ROOT)).tag("status", Integer.toString(r.status()))
                .register(meters)).increment();
        return r;
    }
}
