package io.nkd.server.http;

import java.time.Duration;
import java.util.Objects;

/**
 * What one listener allows a client, so that no client (slow, greedy or hostile) can starve the others.
 *
 * @param maxHeaderBytes         request line plus headers; more is answered 431 (414 for a request line over 8 KiB)
 * @param maxBodyBytes           request body; more is answered 413 before the body is read (from
 *                               {@code Content-Length}) or as soon as it passes the limit (chunked)
 * @param maxConnections         open connections in all; a connection over it is closed at once
 * @param maxConnectionsPerIp    open connections from one client address
 * @param requestsPerSecond      sustained requests per second per client address (token bucket); 0 turns the
 *                               limit off. Over it: 429 with {@code Retry-After}
 * @param burst                  requests a client address may make at once before the rate applies
 * @param headerTimeout          a connection must deliver a complete request header within this time of being
 *                               ready for one (accepted, TLS done, or the previous response sent); it is
 *                               also how long an idle keep-alive connection is kept
 * @param handshakeTimeout       a TLS handshake must finish within this time of the connection being accepted
 * @param idleTimeout            a connection with no traffic at all for this long (while no request of it is
 *                               being answered) is closed: a stalled body or a client that stopped reading
 * @param shutdownGrace          how long closing lets requests in progress finish
 */
public record HttpLimits(int maxHeaderBytes, int maxBodyBytes, int maxConnections, int maxConnectionsPerIp,
                         double requestsPerSecond, int burst, Duration headerTimeout, Duration handshakeTimeout,
                         Duration idleTimeout, Duration shutdownGrace) {
    public static final int DEFAULT_MAX_HEADER_BYTES = 16 * 1024;
    public static final int DEFAULT_MAX_CONNECTIONS = 10_000;
    public static final int DEFAULT_MAX_CONNECTIONS_PER_IP = 1_024;
    public static final Duration DEFAULT_HEADER_TIMEOUT = Duration.ofSeconds(10);
    public static final Duration DEFAULT_HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(60);
    public static final Duration DEFAULT_SHUTDOWN_GRACE = Duration.ofSeconds(5);

    public HttpLimits {
        Objects.requireNonNull(headerTimeout, "headerTimeout");
        Objects.requireNonNull(handshakeTimeout, "handshakeTimeout");
        Objects.requireNonNull(idleTimeout, "idleTimeout");
        Objects.requireNonNull(shutdownGrace, "shutdownGrace");
        if (maxHeaderBytes < 1024 || maxBodyBytes < 0 || maxConnections < 1 || maxConnectionsPerIp < 1) {
            throw new IllegalArgumentException("header limit must be at least 1 KiB, connection limits at least 1, body limit not negative");
        }
        if (requestsPerSecond < 0 || burst < 1) {
            throw new IllegalArgumentException("request rate must not be negative and burst at least 1");
        }
        for (Duration d : new Duration[] {headerTimeout, handshakeTimeout, idleTimeout}) {
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("timeouts must be positive");
            }
        }
        if (shutdownGrace.isNegative()) {
            throw new IllegalArgumentException("shutdownGrace cannot be negative");
        }
    }

    /** Defaults for a listener whose requests carry bodies of at most {@code maxBodyBytes}, rate-limited as given. */
    public static HttpLimits defaults(int maxBodyBytes, double requestsPerSecond, int burst) {
        return new HttpLimits(DEFAULT_MAX_HEADER_BYTES, maxBodyBytes, DEFAULT_MAX_CONNECTIONS, DEFAULT_MAX_CONNECTIONS_PER_IP,
                requestsPerSecond, burst, DEFAULT_HEADER_TIMEOUT, DEFAULT_HANDSHAKE_TIMEOUT, DEFAULT_IDLE_TIMEOUT,
                DEFAULT_SHUTDOWN_GRACE);
    }

    public HttpLimits withMaxBodyBytes(int bytes) {
        return new HttpLimits(maxHeaderBytes, bytes, maxConnections, maxConnectionsPerIp, requestsPerSecond, burst, headerTimeout,
                handshakeTimeout, idleTimeout, shutdownGrace);
    }

    public HttpLimits withConnections(int total, int perIp) {
        return new HttpLimits(maxHeaderBytes, maxBodyBytes, total, perIp, requestsPerSecond, burst, headerTimeout,
                handshakeTimeout, idleTimeout, shutdownGrace);
    }

    public HttpLimits withRate(double perSecond, int burstSize) {
        return new HttpLimits(maxHeaderBytes, maxBodyBytes, maxConnections, maxConnectionsPerIp, perSecond, burstSize, headerTimeout,
                handshakeTimeout, idleTimeout, shutdownGrace);
    }

    public HttpLimits withTimeouts(Duration header, Duration handshake, Duration idle) {
        return new HttpLimits(maxHeaderBytes, maxBodyBytes, maxConnections, maxConnectionsPerIp, requestsPerSecond, burst, header,
                handshake, idle, shutdownGrace);
    }

    public HttpLimits withShutdownGrace(Duration grace) {
        return new HttpLimits(maxHeaderBytes, maxBodyBytes, maxConnections, maxConnectionsPerIp, requestsPerSecond, burst, headerTimeout,
                handshakeTimeout, idleTimeout, grace);
    }
}
