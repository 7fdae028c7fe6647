package io.nkd.server.http;

import java.util.Locale;

/**
 * Why a listener refused a connection or a request: the {@code reason} label of
 * {@code nkd_http_requests_rejected_total}.
 */
public enum Rejection {
    /** Over the listener's total connection limit: closed at once. */
    CONNECTION_LIMIT,
    /** Over the per-client-address connection limit: closed at once. */
    CONNECTION_LIMIT_PER_IP,
    /** Over the per-client-address request rate: 429. */
    RATE_LIMITED,
    /** Body over the limit: 413. */
    BODY_TOO_LARGE,
    /** Request line or headers over the limit: 414 or 431. */
    HEADERS_TOO_LARGE,
    /** Not parseable as HTTP: 400. */
    MALFORMED,
    /** No complete request header in time: closed. */
    HEADER_TIMEOUT,
    /** No complete TLS handshake in time: closed. */
    HANDSHAKE_TIMEOUT,
    /** A TLS handshake that failed (no common protocol or suite, not TLS at all): closed. */
    HANDSHAKE_FAILED,
    /** No traffic for the idle timeout: closed. */
    IDLE_TIMEOUT,
    /** Arrived while the listener was shutting down: 503. */
    SHUTTING_DOWN,
    /** An event stream whose reader stopped reading (its connection's write buffer filled up): closed. */
    STREAM_STALLED;

    /** The label value: lower case with underscores, as Prometheus labels are. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
