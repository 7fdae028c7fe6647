package io.nkd.infra.openstack;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nkd.infra.ProviderException;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.regex.Pattern;
import org.openstack4j.api.exceptions.ConnectionException;
import org.openstack4j.api.exceptions.OS4JException;
import org.openstack4j.api.exceptions.ResponseException;
import org.openstack4j.model.common.ActionResponse;

/**
 * OpenStack's answers as {@link ProviderException}s: the kind from the HTTP status and the service's own words
 * (Nova's {@code {"forbidden": {"message": …}}}, Neutron's {@code NeutronError}, Keystone's {@code error}), which
 * are kept as they are for status. Requests nkd sends carry user data and passwords; nothing here quotes a request.
 */
final class Failures {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern QUOTA = Pattern.compile("(?i)quota exceeded|exceeds?\\b.*\\bquota|over ?quota|quota.*exceeded");
    private static final Pattern NO_HOST = Pattern.compile("(?i)no valid host");

    private Failures() {
    }

    /** The kind of an HTTP failure, the message deciding where the status does not (a quota is a 403 or a 409). */
    static ProviderException.Kind kind(int status, String message) {
        String m = message == null ? "" : message;
        if (QUOTA.matcher(m).find()) {
            return ProviderException.Kind.QUOTA_EXCEEDED;
        }
        if (NO_HOST.matcher(m).find()) {
            return ProviderException.Kind.NO_VALID_HOST;
        }
        if (status == 401 || status == 403) {
            return ProviderException.Kind.UNAUTHORIZED;
        }
        if (status == 404) {
            return ProviderException.Kind.NOT_FOUND;
        }
        if (status == 409) {
            return ProviderException.Kind.CONFLICT;
        }
        if (status == 413) {
            return ProviderException.Kind.QUOTA_EXCEEDED; // Nova's OverLimit
        }
        if (status >= 500) {
            return ProviderException.Kind.SERVER_ERROR;
        }
        if (status == 0) {
            return ProviderException.Kind.UNREACHABLE;
        }
        return ProviderException.Kind.OTHER;
    }

    /** What an openstack4j call threw, while nkd was {@code doing} something (e.g. "creating server lab-worker-1"). */
    static ProviderException of(String doing, RuntimeException e) {
        if (e instanceof ProviderException p) {
            return p;
        }
        if (e instanceof ConnectionException c) {
            return new ProviderException(ProviderException.Kind.UNREACHABLE, "OpenStack unreachable while " + doing + ": "
                    + text(c.getMessage()), null, e);
        }
        if (e instanceof ResponseException r) {
            String message = text(r.getMessage());
            return new ProviderException(kind(r.getStatus(), message), "OpenStack refused " + doing + " (HTTP " + r.getStatus()
                    + "): " + message, message, e);
        }
        if (e instanceof OS4JException) {
            return new ProviderException(ProviderException.Kind.OTHER, "OpenStack client failed while " + doing + ": "
                    + text(e.getMessage()), null, e);
        }
        throw e;
    }

    /** A failed openstack4j action (a delete). */
    static ProviderException of(String doing, ActionResponse r) {
        String message = text(r.getFault());
        return new ProviderException(kind(r.getCode(), message), "OpenStack refused " + doing + " (HTTP " + r.getCode() + "): "
                + message, message);
    }

    /** The message of an OpenStack error body, or the body itself (shortened) when it has none. */
    static String messageOf(byte[] body) {
        if (body == null || body.length == 0) {
            return "(no message)";
        }
        try {
            JsonNode tree = JSON.readTree(body);
            String m = find(tree, 0);
            if (m != null) {
                return m;
            }
        } catch (java.io.IOException e) {
            // not JSON: an HTML error page of a proxy, shown shortened below
        }
        String s = new String(body, StandardCharsets.UTF_8).strip();
        return s.length() > 300 ? s.substring(0, 300) + "…" : s;
    }

    /** {@code message} of the body's error object: Nova and Keystone nest it one level, Neutron under NeutronError. */
    private static String find(JsonNode node, int depth) {
        if (node == null || !node.isObject() || depth > 2) {
            return null;
        }
        if (node.path("message").isTextual()) {
            return node.path("message").asText();
        }
        for (Iterator<JsonNode> it = node.elements(); it.hasNext(); ) {
            String m = find(it.next(), depth + 1);
            if (m != null) {
                return m;
            }
        }
        return null;
    }

    private static String text(String s) {
        return s == null || s.isBlank() ? "(no message)" : s.strip();
    }
}
