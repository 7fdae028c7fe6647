package io.nkd.butane;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;

/** Small, null-safe navigation over Jackson trees for the desugaring steps. */
final class JsonTrees {
    static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private JsonTrees() {
    }

    static ObjectNode obj(JsonNode parent, String key) {
        JsonNode n = parent == null ? null : parent.get(key);
        return n instanceof ObjectNode o ? o : null;
    }

    /** The object at {@code key}, created when missing. */
    static ObjectNode objAt(ObjectNode parent, String key) {
        JsonNode n = parent.get(key);
        if (n instanceof ObjectNode o) {
            return o;
        }
        return parent.putObject(key);
    }

    static ArrayNode arrAt(ObjectNode parent, String key) {
        JsonNode n = parent.get(key);
        if (n instanceof ArrayNode a) {
            return a;
        }
        return parent.putArray(key);
    }

    /** The elements of the list at {@code key} that are objects (an absent list is empty). */
    static List<ObjectNode> objects(JsonNode parent, String key) {
        List<ObjectNode> out = new ArrayList<>();
        JsonNode n = parent == null ? null : parent.get(key);
        if (n instanceof ArrayNode a) {
            for (JsonNode e : a) {
                out.add(e instanceof ObjectNode o ? o : null);
            }
        }
        return out;
    }

    static List<String> strings(JsonNode parent, String key) {
        List<String> out = new ArrayList<>();
        JsonNode n = parent == null ? null : parent.get(key);
        if (n instanceof ArrayNode a) {
            a.forEach(e -> out.add(e.asText()));
        }
        return out;
    }

    static String text(JsonNode parent, String key) {
        JsonNode n = parent == null ? null : parent.get(key);
        return n != null && n.isTextual() ? n.asText() : null;
    }

    static Integer integer(JsonNode parent, String key) {
        JsonNode n = parent == null ? null : parent.get(key);
        return n != null && n.isInt() ? n.asInt() : null;
    }

    static boolean isTrue(JsonNode parent, String key) {
        JsonNode n = parent == null ? null : parent.get(key);
        return n != null && n.isBoolean() && n.asBoolean();
    }

    static boolean notEmpty(String s) {
        return s != null && !s.isEmpty();
    }
}
