package io.nkd.server.http;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A complete response: status, headers (besides Content-Length, which the listener sets) and body; or, with a
 * {@link Stream}, a header followed by a body written piece by piece (Server-Sent Events).
 *
 * @param stream null for a complete response
 */
public record Response(int status, Map<String, String> headers, byte[] body, Stream stream) {
    public Response {
        headers = Map.copyOf(headers);
    }

    public Response(int status, Map<String, String> headers, byte[] body) {
        this(status, headers, body, null);
    }

    /** A 200 whose body {@code stream} writes until it or the client ends it. */
    public static Response streaming(String contentType, Stream stream) {
        return new Response(200, Map.of("Content-Type", contentType), new byte[0], java.util.Objects.requireNonNull(stream, "stream"));
    }

    public static Response of(int status, String contentType, byte[] body) {
        return new Response(status, Map.of("Content-Type", contentType), body);
    }

    /** A short plain-text answer (a reason a person can read), ending in a newline. */
    public static Response text(int status, String text) {
        return of(status, "text/plain; charset=utf-8", (text.endsWith("\n") ? text : text + "\n").getBytes(StandardCharsets.UTF_8));
    }

    /** The same response with one more header. */
    public Response with(String name, String value) {
        Map<String, String> h = new LinkedHashMap<>(headers);
        h.put(name, value);
        return new Response(status, h, body, stream);
    }

    @Override
    public byte[] body() {
        return body; // not copied: written once, by the listener
    }
}
