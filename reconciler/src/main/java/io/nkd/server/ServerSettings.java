package io.nkd.server;

import io.nkd.server.http.HttpLimits;
import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * How the Ignition server runs.
 *
 * @param listen         address and port to bind (port 0: any free port, for tests)
 * @param limits         connection, size, rate and time limits
 * @param ioThreads      event-loop threads (0: one per processor; more only add switching, since no handler blocks)
 * @param handlerThreads 0: requests are answered on the event loop (a token check reads one small file, which
 *                       costs less than handing the request to another thread); otherwise a pool of this size
 */
public record ServerSettings(InetSocketAddress listen, HttpLimits limits, int ioThreads, int handlerThreads) {
    /** Ignition requests carry no body: anything larger than this is refused. */
    public static final int MAX_BODY_BYTES = 8 * 1024;
    /**
     * Requests per second per client address. A node fetches two configs (retrying on errors, Ignition's
     * back-off starts at 100 ms and doubles), so this leaves room for hundreds of nodes booting behind one NAT
     * address while bounding what one address can make nkd do.
     */
    public static final double DEFAULT_RATE = 200;
    public static final int DEFAULT_BURST = 400;

    public ServerSettings {
        Objects.requireNonNull(listen, "listen");
        Objects.requireNonNull(limits, "limits");
        if (ioThreads < 0 || handlerThreads < 0) {
            throw new IllegalArgumentException("thread counts cannot be negative");
        }
    }

    public static HttpLimits defaultLimits() {
        return HttpLimits.defaults(MAX_BODY_BYTES, DEFAULT_RATE, DEFAULT_BURST);
    }

    public static ServerSettings of(InetSocketAddress listen) {
        return new ServerSettings(listen, defaultLimits(), 0, 0);
    }

    public ServerSettings withLimits(HttpLimits l) {
        return new ServerSettings(listen, l, ioThreads, handlerThreads);
    }
}
