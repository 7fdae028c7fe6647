package io.nkd.testsupport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nkd.dataurl.DataUrl;
import java.util.HexFormat;
import java.util.TreeSet;

/**
 * Semantic comparison of Ignition JSON as the conformance checker does it: key order never matters, and a
 * gzip-compressed data URL is compared by its decompressed payload (gzip bytes differ between zlib and Go).
 */
public final class JsonCompare {
    private JsonCompare() {
    }

    /** The first difference as "path: detail", or null when equal. */
    public static String firstDifference(JsonNode actual, JsonNode expected) {
        return diff(normalize(actual), normalize(expected), "$");
    }

    public static JsonNode normalize(JsonNode node) {
        if (node.isArray()) {
            var out = node.deepCopy();
            for (int i = 0; i < out.size(); i++) {
                ((com.fasterxml.jackson.databind.node.ArrayNode) out).set(i, normalize(node.get(i)));
            }
            return out;
        }
        if (!node.isObject()) {
            return node;
        }
        ObjectNode out = ((ObjectNode) node).objectNode();
        node.fields().forEachRemaining(e -> out.set(e.getKey(), normalize(e.getValue())));
        JsonNode src = out.get("source");
        if (src != null && src.isTextual() && src.asText().startsWith("data:")
                && "gzip".equals(out.path("compression").asText())) {
            byte[] payload = decodeDataUrl(src.asText());
            // user-declared compression on data that is not gzip: compare the raw bytes
            payload = DataUrl.gunzip(payload, 64 << 20).orElse(payload);
            out.put("source", "decoded-payload:" + HexFormat.of().formatHex(payload));
        }
        return out;
    }

    /** The bytes of a data URL, decoded as Ignition decodes it; a malformed one fails the test. */
    public static byte[] decodeDataUrl(String url) {
        try {
            return DataUrl.decode(url);
        } catch (DataUrl.MalformedException e) {
            throw new AssertionError("not a data URL Ignition would read (" + e.getMessage() + "): " + url, e);
        }
    }

    private static String diff(JsonNode a, JsonNode b, String path) {
        if (a.getNodeType() != b.getNodeType()) {
            return path + ": " + a + " != expected " + b;
        }
        if (a.isObject()) {
            TreeSet<String> keys = new TreeSet<>();
            a.fieldNames().forEachRemaining(keys::add);
            b.fieldNames().forEachRemaining(keys::add);
            for (String k : keys) {
                if (!a.has(k)) {
                    return path + "." + k + ": missing in actual";
                }
                if (!b.has(k)) {
                    return path + "." + k + ": unexpected in actual";
                }
                String d = diff(a.get(k), b.get(k), path + "." + k);
                if (d != null) {
                    return d;
                }
            }
            return null;
        }
        if (a.isArray()) {
            if (a.size() != b.size()) {
                return path + ": list length " + a.size() + " != expected " + b.size();
            }
            for (int i = 0; i < a.size(); i++) {
                String d = diff(a.get(i), b.get(i), path + "[" + i + "]");
                if (d != null) {
                    return d;
                }
            }
            return null;
        }
        return a.equals(b) ? null : path + ": " + a + " != expected " + b;
    }
}
