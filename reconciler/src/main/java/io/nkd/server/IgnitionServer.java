package io.nkd.server;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.net.URI;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
 * pointer's {@code verification.hash} pins. TLS 1.3 and 1.2 only, with forward-secret AEAD suites;
 * a fixed number of request threads with a bounded queue. Requests are counted in
 * {@code nkd_ignition_requests_total{status}} (health checks are not).
 *
 * <p>{@link #close()} stops taking new requests (503, which Ignition retries), lets the ones in progress
 * finish for up to the grace period, then closes every connection and the threads.
 */
public final class IgnitionServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(IgnitionServer.class);
    private static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

    private final HttpsServer server;
    private final ThreadPoolExecutor executor;
    private final ServerSettings settings;
    private final AtomicBoolean closing = new AtomicBoolean();
    private final InFlight inFlight = new InFlight();

    private IgnitionServer(HttpsServer server, ThreadPoolExecutor executor, ServerSettings settings) {
        this.server = server;
        this.executor = executor;
        this.settings = settings;
    }

    /**
     * Binds and starts a server.
     *
     * @param random TLS handshakes draw from it: give a strong one (e.g. {@code new SecureRandom()}) outside tests
     * @throws IOException if the address cannot be bound
     */
    public static IgnitionServer start(ServerSettings settings, ServingIdentity identity, IgnitionContent content, NodeTokens tokens,
                                       MeterRegistry meters, SecureRandom random) throws IOException {
        Objects.requireNonNull(content, "content");
        Objects.requireNonNull(tokens, "tokens");
        Objects.requireNonNull(meters, "meters");
        SSLContext tls = identity.sslContext(Objects.requireNonNull(random, "random"));
        HttpsServer https = HttpsServer.create(settings.listen(), 0);
        https.setHttpsConfigurator(new Configurator(tls));
        ThreadPoolExecutor pool = new ThreadPoolExecutor(settings.threads(), settings.threads(), 60, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(settings.queueCapacity()), threads(), new ThreadPoolExecutor.AbortPolicy());
        https.setExecutor(pool);
        IgnitionServer s = new IgnitionServer(https, pool, settings);
        IgnitionHandler handler = new IgnitionHandler(content, tokens, meters, s.closing::get);
        https.createContext("/", exchange -> {
            s.inFlight.enter();
            try {
                handler.handle(exchange);
            } finally {
                s.inFlight.exit();
            }
        });
        https.start();
        log.info("serving Ignition on https://{}", hostPort(s.address()));
        return s;
    }

    /** The bound address (with the actual port when the settings asked for port 0). */
    public InetSocketAddress address() {
        return server.getAddress();
    }

    /** {@code https://<bound address>:<port>}: the base URL when nodes reach nkd at its listen address. */
    public URI baseUrl() {
        return URI.create("https://" + hostPort(address()));
    }

    @Override
    public void close() {
        if (!closing.compareAndSet(false, true)) {
            return;
        }
        try {
            if (!inFlight.awaitIdle(settings.shutdownGrace())) {
                log.warn("closing the Ignition server with requests still in progress after {}", settings.shutdownGrace());
            }
            server.stop(0); // every exchange is done (or out of time): close at once
            executor.shutdown();
            if (!executor.awaitTermination(settings.shutdownGrace().toMillis() + 1000, TimeUnit.MILLISECONDS)) {
                executor.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            server.stop(0);
            executor.shutdownNow();
        }
        log.info("stopped serving Ignition on {}", hostPort(address()));
    }

    /** Restricts every connection to TLS 1.3/1.2 and forward-secret AEAD cipher suites. */
    private static final class Configurator extends HttpsConfigurator {
        Configurator(SSLContext context) {
            super(context);
        }

        @Override
        public void configure(HttpsParameters params) {
            SSLParameters p = getSSLContext().getDefaultSSLParameters();
            p.setProtocols(PROTOCOLS);
            p.setCipherSuites(Arrays.stream(p.getCipherSuites()).filter(Configurator::strong).toArray(String[]::new));
            p.setNeedClientAuth(false);
            params.setSSLParameters(p);
        }

        /** TLS 1.3's suites, and TLS 1.2's ECDHE suites with GCM or ChaCha20-Poly1305. */
        static boolean strong(String suite) {
            if (suite.startsWith("TLS_AES_") || suite.startsWith("TLS_CHACHA20_")) {
                return true;
            }
            return suite.startsWith("TLS_ECDHE_") && (suite.contains("_GCM_") || suite.contains("_CHACHA20_"));
        }
    }

    private static ThreadFactory threads() {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, "nkd-ignition-" + n.incrementAndGet());
            t.setDaemon(true); // close() ends them; a forgotten close must not keep the JVM alive
            return t;
        };
    }

    private static String hostPort(InetSocketAddress a) {
        String host = a.getAddress().getHostAddress();
        return (a.getAddress() instanceof Inet6Address ? "[" + host + "]" : host) + ":" + a.getPort();
    }
}
