package io.nkd.ignition.validate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import io.nkd.report.FieldPath;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A position in the config tree: a node and the path that reaches it. The accessors read fields the
 * way Ignition's Go structs see them: JSON {@code null} is a nil pointer, and a value of the wrong
 * JSON type is treated as absent, because type errors are another component's report and a wrong
 * type must never make a rule throw.
 */
record JsonCursor(JsonNode node, FieldPath path) {

    static JsonCursor root(JsonNode node) {
        return new JsonCursor(node == null ? MissingNode.getInstance() : node, FieldPath.ROOT);
    }

    JsonCursor field(String key) {
        JsonNode child = node.isObject() ? node.get(key) : null;
        return new JsonCursor(child == null ? MissingNode.getInstance() : child, path.key(key));
    }

    /** The field is there and not JSON null (a Go pointer that is not nil). */
    boolean has(String key) {
        JsonNode child = node.isObject() ? node.get(key) : null;
        return child != null && !child.isNull() && !child.isMissingNode();
    }

    boolean isObject() {
        return node.isObject();
    }

    Optional<String> string(String key) {
        JsonNode child = node.isObject() ? node.get(key) : null;
        return child != null && child.isTextual() ? Optional.of(child.asText()) : Optional.empty();
    }

    /** Go's {@code util.NotEmpty} on a {@code *string}. */
    boolean notEmpty(String key) {
        return string(key).map(s -> !s.isEmpty()).orElse(false);
    }

    /** Go's {@code util.NilOrEmpty} on a {@code *string}. */
    boolean nilOrEmpty(String key) {
        return !notEmpty(key);
    }

    /** The string a non-pointer Go string field holds: "" when absent. */
    String stringOrEmpty(String key) {
        return string(key).orElse("");
    }

    /**
     * A Go non-pointer string field for a check: "" when absent or null, the text when it is a string,
     * and empty when it holds another JSON type (the check is skipped rather than misreported).
     */
    Optional<String> plainString(String key) {
        JsonNode child = node.isObject() ? node.get(key) : null;
        if (child == null || child.isNull()) {
            return Optional.of("");
        }
        return child.isTextual() ? Optional.of(child.asText()) : Optional.empty();
    }

    Optional<Long> integer(String key) {
        JsonNode child = node.isObject() ? node.get(key) : null;
        if (child != null && child.isIntegralNumber() && child.canConvertToLong()) {
            return Optional.of(child.longValue());
        }
        return Optional.empty();
    }

    boolean isTrue(String key) {
        JsonNode child = node.isObject() ? node.get(key) : null;
        return child != null && child.isBoolean() && child.booleanValue();
    }

    boolean isFalse(String key) {
        JsonNode child = node.isObject() ? node.get(key) : null;
        return child != null && child.isBoolean() && !child.booleanValue();
    }

    /** Every element of the array field (of any JSON type), each with its own path. */
    List<JsonCursor> elements(String key) {
        JsonCursor list = field(key);
        List<JsonCursor> out = new ArrayList<>();
        if (list.node.isArray()) {
            for (int i = 0; i < list.node.size(); i++) {
                out.add(new JsonCursor(list.node.get(i), list.path.index(i)));
            }
        }
        return out;
    }

    /** The object elements of the array field; elements of another type are skipped. */
    List<JsonCursor> objects(String key) {
        return elements(key).stream().filter(JsonCursor::isObject).toList();
    }

    /** Number of elements of the array field (0 when absent or not an array). */
    int length(String key) {
        JsonNode child = node.isObject() ? node.get(key) : null;
        return child != null && child.isArray() ? child.size() : 0;
    }

    /** This node's text when it is a JSON string. */
    Optional<String> text() {
        return node.isTextual() ? Optional.of(node.asText()) : Optional.empty();
    }
}
