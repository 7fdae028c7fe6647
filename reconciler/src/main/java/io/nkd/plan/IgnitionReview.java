package io.nkd.plan;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.nkd.dataurl.DataUrl;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An Ignition config as a reviewer reads it: pretty JSON (two-space indent, {@code name}/{@code path} first in
 * each object) where every {@code data:} URL is decoded, gunzipped and shown as its text, one {@code | } line per
 * line, and other multi-line strings (unit contents) likewise; binary contents appear as their size and
 * SHA-256. The {@code compression} of a decoded data URL is left out (butane picks it by size, so it flips when a
 * file grows) and modes are shown in octal too. Commas are left out: they mean nothing to a reader and would mark
 * the previous line as changed whenever an entry is appended. Everything passes through {@link Redactor}. This is
 * for diffs, not machines.
 */
final class IgnitionReview {
    private static final List<String> FIRST_KEYS = List.of("name", "path");
    private static final String PLACEHOLDER_PREFIX = "<nkd-secret:";
    /** Decompressed contents beyond this are not shown (a plan is for reading, and gzip bombs exist). */
    private static final int MAX_DECODED_BYTES = 16 * 1024 * 1024;

    private final List<String> lines = new ArrayList<>();

    private IgnitionReview() {
    }

    static List<String> lines(JsonNode config) {
        IgnitionReview review = new IgnitionReview();
        review.value(config, "", "", null);
        return List.copyOf(review.lines);
    }

    /** Appends {@code prefix} + the value at {@code indent}; {@code parent} is the object holding it, if any. */
    private void value(JsonNode node, String indent, String prefix, JsonNode parent) {
        if (node.isObject()) {
            if (node.isEmpty()) {
                lines.add(indent + prefix + "{}");
                return;
            }
            lines.add(indent + prefix + "{");
            for (Map.Entry<String, JsonNode> field : ordered(node)) {
                String key = field.getKey();
                field(key, field.getValue(), indent + "  ", node);
            }
            lines.add(indent + "}");
        } else if (node.isArray()) {
            if (node.isEmpty()) {
                lines.add(indent + prefix + "[]");
                return;
            }
            lines.add(indent + prefix + "[");
            node.forEach(element -> value(element, indent + "  ", "", node));
            lines.add(indent + "]");
        } else if (node.isTextual()) {
            text(node.asText(), indent, prefix, parent);
        } else {
            lines.add(indent + prefix + node);
        }
    }

    private void field(String key, JsonNode value, String indent, JsonNode object) {
        String prefix = quote(key) + ": ";
        if (key.equals("compression") && DataUrl.isDataUrl(object.path("source").asText(""))) {
            return; // the decoded contents are shown; how butane chose to encode them is noise in a diff
        }
        if (key.equals("passwordHash") && value.isTextual() && !value.asText().startsWith(PLACEHOLDER_PREFIX)) {
            lines.add(indent + prefix + quote("<redacted: password hash>"));
        } else if (key.equals("mode") && value.isInt()) {
            lines.add(indent + prefix + value.asInt() + " (0" + Integer.toOctalString(value.asInt()) + ")");
        } else {
            value(value, indent, prefix, object);
        }
    }

    private void text(String s, String indent, String prefix, JsonNode parent) {
        if (DataUrl.isDataUrl(s)) {
            String compression = parent == null ? "" : parent.path("compression").asText("");
            byte[] bytes;
            try {
                bytes = DataUrl.decode(s);
            } catch (DataUrl.MalformedException e) {
                lines.add(indent + prefix + "<undecodable data URL: " + e.getMessage() + ", sha256 " + Redactor.sha256(s) + ">");
                return;
            }
            if ("gzip".equals(compression)) {
                Optional<byte[]> plain = DataUrl.gunzip(bytes, MAX_DECODED_BYTES);
                if (plain.isEmpty()) {
                    lines.add(indent + prefix + "<gzip data that does not decompress (or is over " + MAX_DECODED_BYTES
                            + " bytes), sha256 " + Redactor.sha256(s) + ">");
                    return;
                }
                bytes = plain.get();
            }
            String text = utf8Text(bytes);
            if (text == null) {
                lines.add(indent + prefix + "<data URL, binary: " + bytes.length + " bytes, sha256 "
                        + Redactor.sha256(bytes) + ">");
            } else {
                block(text, indent, prefix + "<data URL, decoded>");
            }
        } else if (s.indexOf('\n') >= 0) {
            block(s, indent, prefix + "<text>");
        } else {
            lines.add(indent + prefix + quote(Redactor.redact(s)));
        }
    }

    private void block(String text, String indent, String header) {
        if (text.isEmpty()) {
            lines.add(indent + header + " (empty)");
            return;
        }
        lines.add(indent + header);
        String safe = Redactor.redact(text);
        safe.lines().forEach(l -> lines.add(indent + "  | " + l));
        if (!safe.endsWith("\n")) {
            lines.add(indent + "  \\ (no newline at end)");
        }
    }

    /** The text of bytes that are UTF-8 without control characters other than tab, newline, CR and form feed. */
    private static String utf8Text(byte[] bytes) {
        try {
            String s = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                if (c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f') {
                    return null;
                }
            }
            return s;
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    private static List<Map.Entry<String, JsonNode>> ordered(JsonNode object) {
        List<Map.Entry<String, JsonNode>> first = new ArrayList<>();
        List<Map.Entry<String, JsonNode>> rest = new ArrayList<>();
        for (Map.Entry<String, JsonNode> e : object.properties()) {
            (FIRST_KEYS.contains(e.getKey()) ? first : rest).add(e);
        }
        first.sort(Map.Entry.comparingByKey(java.util.Comparator.comparingInt(FIRST_KEYS::indexOf)));
        first.addAll(rest);
        return first;
    }

    private static String quote(String s) {
        return new TextNode(s).toString();
    }
}
