package io.nkd.server;

import io.micrometer.core.instrument.MeterRegistry;
import io.nkd.server.http.HttpListener;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.Objects;

/**
 * The HTTPS endpoint booting nodes fetch their Ignition from:
 *
 * <pre>
 * GET /ignition/v1/&lt;cluster&gt;/pools/&lt;rendered-pool-hash&gt;   the pool's config
 * GET /ignition/v1/&lt;cluster&gt;/nodes/&lt;rendered-host-hash&gt;   the node's overlay
 * GET /healthz
 * </pre>
 *
 * Each config request needs {@code Authorization: Bearer <token>} with the node's token from
 * {@link NodeTokens}; the answer is the exact stored bytes from {@link IgnitionContent}, which the
 * pointer's {@code verification.hash} pins. Served by an {@link HttpListener} (TLS 1.3/1.2 with forward-secret
 * AEAD suites, HTTP/2 or HTTP/1.1, every limit of {@link io.nkd.server.http.HttpLimits}). Requests are counted in
 * {@code nkd_ignition_requests_total{status}} (health checks are not).
 *
 * <p>{@link #close()} stops taking new connections, answers new requests 503 (which Ignition retries), lets the
 * ones in progress finish for up to the grace period, then closes every connection.
 */
public final class IgnitionServer implements AutoCloseable {
    /** The {@code listener} label of this server's HTTP meters. */
    public static final String LISTENER = "ignition";

    private final HttpListener listener;

    private IgnitionServer(HttpListener listener) {
        this.listener = listener;
    }

    /**
     * Binds and starts a server.
     *
     * @throws io.nkd.server.http.PortInUseException if another process holds the address
     * @throws IOException if the address cannot be bound for another reason
     */
    public static IgnitionServer start(ServerSettings settings, ServingIdentity identity, IgnitionContent content, NodeTokens tokens,
                                       MeterRegistry meters) throws IOException {
        Objects.requireNonNull(content, "content");
        Objects.requireNonNull(tokens, "tokens");
        Objects.requireNonNull(meters, "meters");
        HttpListener.Config config = new HttpListener.Config(LISTENER, "the Ignition server", settings.listen(),
                new HttpListener.Tls(identity.chain(), identity.privateKey()), settings.limits(), settings.ioThreads(),
                settings.handlerThreads());
        return new IgnitionServer(HttpListener.start(config, new IgnitionHandler(content, tokens, meters), meters));
    }

    /** The bound address (with the actual port when the settings asked for port 0). */
    public InetSocketAddress address() {
        return listener.address();
    }

    /** {@code https://<bound address>:<port>}: the base URL when nodes reach nkd at its listen address. */
    public URI baseUrl() {
        return URI.create("https://" + hostPort(address()));
    }

    /** "OpenSSL" or "JDK": which TLS implementation serves. */
    public String tlsProvider() {
        return listener.tlsProvider();
    }

    @Override
    public void close() {
        listener.close();
    }

    private static String hostPort(InetSocketAddress a) {
        String host = a.getAddress().getHostAddress();
        return (a.getAddress() instanceof Inet6Address ? "[" + host + "]" : host) + ":" + a.getPort();
    }
}
