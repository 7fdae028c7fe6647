package io.nkd.server;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;

/**
 * How the Ignition server runs.
 *
 * @param listen        address and port to bind (port 0: any free port, for tests)
 * @param threads       request threads; a booting fleet fetches two small configs per node, so a few suffice
 * @param queueCapacity requests waiting for a thread; beyond it a connection is closed at once, and Ignition,
 *                      which retries failed connections, comes back
 * @param shutdownGrace how long {@link IgnitionServer#close()} lets requests in progress finish
 */
public record ServerSettings(InetSocketAddress listen, int threads, int queueCapacity, Duration shutdownGrace) {
    public static final int DEFAULT_THREADS = 8;
    public static final int DEFAULT_QUEUE_CAPACITY = 256;
    public static final Duration DEFAULT_SHUTDOWN_GRACE = Duration.ofSeconds(5);

    public ServerSettings {
        Objects.requireNonNull(listen, "listen");
        Objects.requireNonNull(shutdownGrace, "shutdownGrace");
        if (threads < 1 || queueCapacity < 1) {
            throw new IllegalArgumentException("threads and queueCapacity must be at least 1");
        }
        if (shutdownGrace.isNegative()) {
            throw new IllegalArgumentException("shutdownGrace cannot be negative");
        }
    }

    public static ServerSettings of(InetSocketAddress listen) {
        return new ServerSettings(listen, DEFAULT_THREADS, DEFAULT_QUEUE_CAPACITY, DEFAULT_SHUTDOWN_GRACE);
    }
}
