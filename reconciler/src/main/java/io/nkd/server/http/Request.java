package io.nkd.server.http;

import java.net.InetAddress;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One complete request as a handler sees it: the body is whole and within the listener's limit.
 *
 * @param method   as sent, upper case by convention ({@code GET}, {@code POST}, ...)
 * @param path     the raw (still percent-encoded) path, without the query
 * @param headers  names compared case-insensitively
 * @param remote   the client's address
 * @param protocol HTTP/1.1 or HTTP/2, as negotiated
 */
public record Request(String method, String path, Map<String, List<String>> headers, byte[] body, InetAddress remote,
                      Protocol protocol) {
    /** The protocol a request came over. */
    public enum Protocol { HTTP_1_1, HTTP_2 }

    public Request {
        headers = Collections.unmodifiableMap(headers);
    }

    /** The only value of a header; empty when absent or sent more than once. */
    public Optional<String> header(String name) {
        List<String> values = headers.get(name);
        return values == null || values.size() != 1 ? Optional.empty() : Optional.of(values.get(0));
    }

    /** Whether the header was sent at all (once or more). */
    public boolean has(String name) {
        List<String> values = headers.get(name);
        return values != null && !values.isEmpty();
    }

    @Override
    public byte[] body() {
        return body; // not copied: requests are handed to exactly one handler
    }

    @Override
    public String toString() {
        return "Request[" + method + " " + path + " from " + remote.getHostAddress() + ", " + body.length + " bytes]"; // never headers
    }
}
