package io.nkd.config;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nkd.yaml.Doc;
import io.nkd.yaml.Required;
import io.nkd.yaml.WireEnum;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * JSON Schemas (draft 2020-12) of the config repository's documents, generated from the same records the
 * loader binds, so the schemas editors use can never drift from what nkd reads. repo-layout/schema/ holds
 * the generated files; a test fails when they differ from this output.
 */
public final class JsonSchemas {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    /** The documents with a schema: file name → root record. */
    public static final Map<String, Class<? extends Record>> DOCUMENTS = Map.of(
            "cluster.schema.json", ClusterDocument.class,
            "image-catalog.schema.json", ImageCatalog.class);

    private JsonSchemas() {
    }

    public static ObjectNode generate(String fileName) {
        Class<? extends Record> type = DOCUMENTS.get(fileName);
        ObjectNode root = JSON.objectNode();
        root.put("$schema", "https://json-schema.org/draft/2020-12/schema");
        root.put("$id", "https://nkd.io/schema/v1alpha1/" + fileName);
        root.put("title", type.getSimpleName().replace("Document", ""));
        ObjectNode body = schema(type);
        body.fields().forEachRemaining(e -> root.set(e.getKey(), e.getValue()));
        return root;
    }

    private static ObjectNode schema(Type type) {
        Class<?> raw = type instanceof ParameterizedType p ? (Class<?>) p.getRawType() : (Class<?>) type;
        ObjectNode s = JSON.objectNode();
        if (raw.isRecord()) {
            s.put("type", "object");
            doc(raw.getAnnotation(Doc.class), s);
            ObjectNode props = s.putObject("properties");
            ArrayNode required = JSON.arrayNode();
            for (RecordComponent c : raw.getRecordComponents()) {
                ObjectNode p = schema(c.getGenericType());
                doc(c.getAnnotation(Doc.class), p);
                props.set(c.getName(), p);
                if (c.isAnnotationPresent(Required.class)) {
                    required.add(c.getName());
                }
            }
            if (!required.isEmpty()) {
                s.set("required", required);
            }
            s.put("additionalProperties", false);
        } else if (List.class.isAssignableFrom(raw)) {
            s.put("type", "array");
            s.set("items", schema(((ParameterizedType) type).getActualTypeArguments()[0]));
        } else if (Map.class.isAssignableFrom(raw)) {
            s.put("type", "object");
            s.set("additionalProperties", schema(((ParameterizedType) type).getActualTypeArguments()[1]));
        } else if (raw.isEnum()) {
            s.put("type", "string");
            ArrayNode values = s.putArray("enum");
            for (Object constant : raw.getEnumConstants()) {
                values.add(constant instanceof WireEnum w ? w.wire() : constant.toString().toLowerCase(java.util.Locale.ROOT));
            }
        } else if (raw == String.class) {
            s.put("type", "string");
        } else if (raw == Integer.class || raw == int.class || raw == Long.class || raw == long.class) {
            s.put("type", "integer");
        } else if (raw == Boolean.class || raw == boolean.class) {
            s.put("type", "boolean");
        } else if (raw == Duration.class) {
            s.put("type", "string");
            s.put("pattern", "^([0-9]+(ms|h|m|s))+$");
        } else {
            throw new IllegalStateException("no schema for " + raw);
        }
        return s;
    }

    private static void doc(Doc doc, ObjectNode s) {
        if (doc == null) {
            return;
        }
        s.put("description", doc.value());
        if (!doc.example().isEmpty()) {
            s.putArray("examples").add(doc.example());
        }
    }
}
