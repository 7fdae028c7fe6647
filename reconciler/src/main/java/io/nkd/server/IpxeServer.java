package io.nkd.server;

import io.micrometer.core.instrument.MeterRegistry;
import io.nkd.infra.baremetal.BareMetalRegistry;
import io.nkd.infra.baremetal.FetchRecord;
import io.nkd.server.http.HttpLimits;
import io.nkd.server.http.HttpListener;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.Objects;

/**
 * The plain-HTTP listener bare-metal machines' iPXE fetches its boot script and the installer its pointer config from
 * ({@link IpxeHandler}); off unless {@code nkd serve --ipxe-listen} is given. Plain HTTP because iPXE firmware rarely
 * has TLS or nkd's CA; what that means for the pointer config is in docs/security.md. Served by an
 * {@link HttpListener} with the same limits, rate limits and timeouts as the other listeners.
 */
public final class IpxeServer implements AutoCloseable {
    /** The {@code listener} label of this server's HTTP meters. */
    public static final String LISTENER = "ipxe";
    /** iPXE requests carry no body. */
    public static final int MAX_BODY_BYTES = 1024;
    /** Requests per second per client address: a machine makes three requests per boot; many may share a relay. */
    public static final double DEFAULT_RATE = 50;

    private final HttpListener listener;

    private IpxeServer(HttpListener listener) {
        this.listener = listener;
    }

    public static HttpLimits defaultLimits() {
        return HttpLimits.defaults(MAX_BODY_BYTES, DEFAULT_RATE, (int) (DEFAULT_RATE * 2));
    }

    /**
     * Binds and starts the listener.
     *
     * @throws io.nkd.server.http.PortInUseException if another process holds the address
     * @throws IOException if the address cannot be bound for another reason
     */
    public static IpxeServer start(InetSocketAddress listen, HttpLimits limits, BareMetalRegistry registry, FetchRecord fetches,
                                   Clock clock, MeterRegistry meters) throws IOException {
        Objects.requireNonNull(registry, "registry");
        Objects.requireNonNull(fetches, "fetches");
        // one I/O thread (a few requests per machine boot); handlers on two threads of their own, since recording a
        // pointer fetch writes and syncs the registry file, which must not stall the event loop
        HttpListener.Config config = new HttpListener.Config(LISTENER, "the iPXE listener", listen, null, limits, 1, 2);
        // the fallback base for a request without a usable Host header (HTTP/1.0): the address asked for at start
        String host = listen.getAddress() == null ? listen.getHostString() : listen.getAddress().getHostAddress();
        String fallback = "http://" + (listen.getAddress() instanceof Inet6Address ? "[" + host + "]" : host) + ":" + listen.getPort();
        return new IpxeServer(HttpListener.start(config, new IpxeHandler(registry, fetches, fallback, clock, meters), meters));
    }

    /** The bound address (with the actual port when port 0 was asked for). */
    public InetSocketAddress address() {
        return listener.address();
    }

    /** {@code http://<bound address>:<port>}. */
    public String baseUrl() {
        InetSocketAddress a = address();
        String host = a.getAddress().getHostAddress();
        return "http://" + (a.getAddress() instanceof Inet6Address ? "[" + host + "]" : host) + ":" + a.getPort();
    }

    @Override
    public void close() {
        listener.close();
    }
}
