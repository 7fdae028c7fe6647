package io.nkd.ignition.merge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nkd.report.FieldPath;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One run of Ignition's merge over two JSON trees (coreos/ignition {@code config/merge/merge.go}),
 * recording origins as it goes. Objects merge field by field; a scalar set by the child wins;
 * lists merge by {@link MergeSchema}. Output follows Go's marshaling with omitempty: JSON nulls
 * (nil pointers), empty lists and empty objects are left out, except the top-level {@code ignition}.
 */
final class TreeMerge {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private final MergeSchema schema;
    private final Transcript.Builder transcript = new Transcript.Builder();

    TreeMerge(MergeSchema schema) {
        this.schema = schema;
    }

    MergeResult run(JsonNode parent, JsonNode child) {
        ObjectNode p = parent != null && parent.isObject() ? (ObjectNode) parent : NODES.objectNode();
        ObjectNode c = child != null && child.isObject() ? (ObjectNode) child : NODES.objectNode();
        ObjectNode merged = mergeObjects(p, FieldPath.ROOT, c, FieldPath.ROOT, FieldPath.ROOT, "");
        return new MergeResult(merged, transcript.build());
    }

    /** Both inputs have the object: the result is the child's entry, with fields from either. */
    private ObjectNode mergeObjects(ObjectNode p, FieldPath pPath, ObjectNode c, FieldPath cPath, FieldPath out, String at) {
        transcript.record(out, Side.CHILD, cPath);
        ObjectNode result = NODES.objectNode();
        Set<String> keys = new LinkedHashSet<>();
        p.fieldNames().forEachRemaining(keys::add);
        c.fieldNames().forEachRemaining(keys::add);
        for (String key : keys) {
            JsonNode pv = present(p.get(key));
            JsonNode cv = present(c.get(key));
            String fieldAt = at.isEmpty() ? key : at + "." + key;
            FieldPath pField = pPath.key(key);
            FieldPath cField = cPath.key(key);
            FieldPath outField = out.key(key);
            JsonNode value;
            if ((pv != null && pv.isArray() && (cv == null || cv.isArray())) || (cv != null && cv.isArray() && pv == null)) {
                value = mergeLists(p, pPath, c, cPath, out, at, key);
            } else if (pv != null && pv.isObject() && cv != null && cv.isObject()) {
                if (isEmpty(cv) && !schema.hasNonPointerBelow(fieldAt)) {
                    value = take(pv, Side.PARENT, pField, outField);
                } else if (isEmpty(pv)) {
                    value = take(cv, Side.CHILD, cField, outField);
                } else {
                    value = mergeObjects((ObjectNode) pv, pField, (ObjectNode) cv, cField, outField, fieldAt);
                }
            } else if (cv != null) {
                value = take(cv, Side.CHILD, cField, outField);
            } else if (pv != null && !schema.isNonPointer(fieldAt)) {
                value = take(pv, Side.PARENT, pField, outField);
            } else {
                value = null; // nothing, or a Go non-pointer the child left at its zero value
            }
            if (value != null && (!isEmpty(value) || (at.isEmpty() && key.equals("ignition")))) {
                result.set(key, value);
            }
        }
        return result;
    }

    /** The list {@code key} of two objects being merged. */
    private ArrayNode mergeLists(ObjectNode p, FieldPath pPath, ObjectNode c, FieldPath cPath, FieldPath out, String at,
                                 String key) {
        String listAt = at.isEmpty() ? key : at + "." + key;
        List<JsonNode> parentList = elements(p.get(key));
        List<JsonNode> childList = elements(c.get(key));
        FieldPath pList = pPath.key(key);
        FieldPath cList = cPath.key(key);
        FieldPath outList = out.key(key);
        ArrayNode result = NODES.arrayNode();
        transcript.record(outList, childList.isEmpty() ? Side.PARENT : Side.CHILD,
                childList.isEmpty() ? pList : cList);

        if (schema.isConcatenated(listAt)) {
            for (int i = 0; i < parentList.size(); i++) {
                result.add(take(parentList.get(i), Side.PARENT, pList.index(i), outList.index(result.size())));
            }
            for (int i = 0; i < childList.size(); i++) {
                result.add(take(childList.get(i), Side.CHILD, cList.index(i), outList.index(result.size())));
            }
            return result;
        }

        // the child's entries by key across the whole key space; a later entry shadows an earlier one
        Map<String, ChildEntry> childByKey = new HashMap<>();
        for (String sibling : schema.keySpace(at, key)) {
            List<JsonNode> siblingList = elements(c.get(sibling));
            String siblingAt = at.isEmpty() ? sibling : at + "." + sibling;
            for (int i = 0; i < siblingList.size(); i++) {
                childByKey.put(schema.key(siblingAt, siblingList.get(i)), new ChildEntry(sibling, i));
            }
        }
        Set<String> parentKeys = new HashSet<>();
        parentList.forEach(e -> parentKeys.add(schema.key(listAt, e)));

        for (int i = 0; i < parentList.size(); i++) {
            JsonNode pe = parentList.get(i);
            ChildEntry match = childByKey.get(schema.key(listAt, pe));
            FieldPath outEntry = outList.index(result.size());
            if (match == null) {
                result.add(take(pe, Side.PARENT, pList.index(i), outEntry));
            } else if (match.list().equals(key)) {
                JsonNode ce = childList.get(match.index());
                FieldPath cEntry = cList.index(match.index());
                if (ce.isObject() && pe.isObject()) {
                    // a child header without a value removes the parent's header of that name
                    if (key.equals("httpHeaders") && present(ce.get("value")) == null) {
                        continue;
                    }
                    result.add(mergeObjects((ObjectNode) pe, pList.index(i), (ObjectNode) ce, cEntry, outEntry,
                            listAt + ".*"));
                } else {
                    result.add(take(ce, Side.CHILD, cEntry, outEntry));
                }
            }
            // else: the child has this key in a sibling list, where its entry is appended instead
        }
        for (int i = 0; i < childList.size(); i++) {
            JsonNode ce = childList.get(i);
            if (!parentKeys.contains(schema.key(listAt, ce))) {
                result.add(take(ce, Side.CHILD, cList.index(i), outList.index(result.size())));
            }
        }
        return result;
    }

    private record ChildEntry(String list, int index) {
    }

    /** A subtree taken whole from one input: copied (inputs are never shared or modified) and recorded. */
    private JsonNode take(JsonNode value, Side side, FieldPath from, FieldPath to) {
        transcript.record(to, side, from);
        return normalized(value);
    }

    /** A deep copy without nulls, empty lists and empty objects in object fields (Go's omitempty). */
    private static JsonNode normalized(JsonNode node) {
        if (node.isObject()) {
            ObjectNode copy = NODES.objectNode();
            Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> field = fields.next();
                JsonNode value = present(field.getValue());
                if (value != null) {
                    JsonNode v = normalized(value);
                    if (!isEmpty(v)) {
                        copy.set(field.getKey(), v);
                    }
                }
            }
            return copy;
        }
        if (node.isArray()) {
            ArrayNode copy = NODES.arrayNode();
            node.forEach(e -> copy.add(normalized(e)));
            return copy;
        }
        return node.deepCopy();
    }

    private static boolean isEmpty(JsonNode node) {
        return (node.isObject() || node.isArray()) && node.isEmpty();
    }

    /** JSON null is Go's nil pointer: the same as absent. */
    private static JsonNode present(JsonNode node) {
        return node == null || node.isNull() || node.isMissingNode() ? null : node;
    }

    private static List<JsonNode> elements(JsonNode list) {
        List<JsonNode> out = new ArrayList<>();
        if (list != null && list.isArray()) {
            list.forEach(out::add);
        }
        return out;
    }
}
