package io.nkd.butane;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nkd.ignition.spec.ButaneVersion;
import io.nkd.ignition.spec.Field;
import io.nkd.ignition.spec.FieldType;
import io.nkd.ignition.spec.FieldType.ListOf;
import io.nkd.ignition.spec.FieldType.Scalar;
import io.nkd.ignition.spec.ObjectType;
import io.nkd.report.Entry;
import io.nkd.report.FieldPath;
import io.nkd.report.Report;
import io.nkd.report.Severity;
import io.nkd.yaml.Scalars;
import io.nkd.yaml.YamlSource;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * Reads a Butane YAML tree into an Ignition-shaped JSON tree, guided by {@link io.nkd.ignition.spec.IgnitionSpec}:
 * YAML names become JSON names, scalars are typed as go-yaml types them, unknown keys and keys from a newer
 * spec become "unused key" warnings, type mismatches become errors. Sugar fields stay in the tree under
 * their YAML names for the desugaring steps to consume. Every node's origin goes into the {@link SourceMap}.
 */
final class SchemaWalker {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private final ButaneVersion version;
    private final Report report;
    private final SourceMap sourceMap;
    /** Keys that are read elsewhere and must not be reported as unused, per object path. */
    private final Map<FieldPath, Set<String>> consumedKeys = new HashMap<>();

    SchemaWalker(ButaneVersion version, Report report, SourceMap sourceMap) {
        this.version = version;
        this.report = report;
        this.sourceMap = sourceMap;
    }

    void consume(FieldPath yamlObjectPath, Set<String> keys) {
        consumedKeys.put(yamlObjectPath, keys);
    }

    /** Walks an object; returns null when it is absent or empty (Go's omitempty drops empty structs). */
    ObjectNode object(Node node, ObjectType type, FieldPath yamlPath, FieldPath jsonPath, boolean keepEmpty) {
        if (isNull(node)) {
            return keepEmpty ? JSON.objectNode() : null;
        }
        if (!(node instanceof MappingNode map)) {
            typeError(node, yamlPath, type);
            return null;
        }
        sourceMap.put(jsonPath, yamlPath, YamlSource.location(node));
        Map<String, JsonNode> values = new HashMap<>();
        Set<String> consumed = consumedKeys.getOrDefault(yamlPath, Set.of());
        for (NodeTuple t : map.getValue()) {
            if (!(t.getKeyNode() instanceof ScalarNode keyNode)) {
                report.add(new Entry(Severity.ERROR, "YamlKeyType", yamlPath, YamlSource.location(t.getKeyNode()),
                        "mapping keys must be strings"));
                continue;
            }
            String key = keyNode.getValue();
            FieldPath childYaml = yamlPath.key(key);
            if (consumed.contains(key)) {
                continue;
            }
            Field field = type.byYamlName(key);
            if (field == null || !field.existsIn(version) || isIgnitionVersionKey(type, field)) {
                report.add(new Entry(Severity.WARNING, "UnusedKey", childYaml, YamlSource.location(keyNode),
                        "unused key " + key));
                continue;
            }
            String outName = field.jsonName();
            JsonNode value = value(t.getValueNode(), field.type(), childYaml, jsonPath.key(outName));
            if (value != null) {
                values.put(outName, value);
            }
        }
        ObjectNode out = JSON.objectNode();
        for (Field f : type.fields()) {
            JsonNode v = values.get(f.jsonName());
            if (v != null) {
                out.set(f.jsonName(), v);
            } else if (!f.isButaneOnly() && f.existsIn(version.ignition()) && f.emittedWhenAbsent(version.ignition())
                    && !isIgnitionVersionKey(type, f)) {
                out.set(f.jsonName(), zero(f.type()));
            }
        }
        return out.isEmpty() && !keepEmpty ? null : out;
    }

    private static boolean isIgnitionVersionKey(ObjectType type, Field field) {
        // Butane derives ignition.version from its own version header; it is not a key users may set.
        return "Ignition".equals(type.name()) && "version".equals(field.jsonName());
    }

    private JsonNode value(Node node, FieldType type, FieldPath yamlPath, FieldPath jsonPath) {
        if (type instanceof ObjectType ot) {
            return object(node, ot, yamlPath, jsonPath, false);
        }
        if (type instanceof ListOf list) {
            return list(node, list, yamlPath, jsonPath);
        }
        if (isNull(node)) {
            return null;
        }
        if (!(node instanceof ScalarNode scalar)) {
            typeError(node, yamlPath, type);
            return null;
        }
        sourceMap.put(jsonPath, yamlPath, YamlSource.location(node));
        return scalar(scalar, (Scalar) type, yamlPath);
    }

    private JsonNode scalar(ScalarNode scalar, Scalar type, FieldPath yamlPath) {
        switch (type) {
            case STRING:
                return JSON.textNode(Scalars.asString(scalar));
            case INT: {
                var v = Scalars.asInt(scalar);
                if (v.isEmpty() || v.get() > Integer.MAX_VALUE || v.get() < Integer.MIN_VALUE) {
                    typeError(scalar, yamlPath, type);
                    return null;
                }
                return JSON.numberNode(v.get().intValue());
            }
            case BOOL: {
                var v = Scalars.asBool(scalar);
                if (v.isEmpty()) {
                    typeError(scalar, yamlPath, type);
                    return null;
                }
                return JSON.booleanNode(v.get());
            }
            default:
                throw new IllegalStateException(type.toString());
        }
    }

    private ArrayNode list(Node node, ListOf type, FieldPath yamlPath, FieldPath jsonPath) {
        if (isNull(node)) {
            return null;
        }
        if (!(node instanceof SequenceNode seq)) {
            typeError(node, yamlPath, type);
            return null;
        }
        sourceMap.put(jsonPath, yamlPath, YamlSource.location(node));
        ArrayNode out = JSON.arrayNode();
        int i = 0;
        for (Node item : seq.getValue()) {
            FieldPath itemYaml = yamlPath.index(i);
            FieldPath itemJson = jsonPath.index(i);
            JsonNode v;
            if (type.element() instanceof ObjectType ot) {
                v = object(item, ot, itemYaml, itemJson, true);
            } else if (isNull(item)) {
                v = zero(type.element());
                sourceMap.put(itemJson, itemYaml, YamlSource.location(item));
            } else {
                v = value(item, type.element(), itemYaml, itemJson);
            }
            out.add(v == null ? zero(type.element()) : v);
            i++;
        }
        return out.isEmpty() ? null : out;
    }

    private static JsonNode zero(FieldType type) {
        if (type instanceof ObjectType) {
            return JSON.objectNode();
        }
        if (type instanceof ListOf) {
            return JSON.arrayNode();
        }
        return switch ((Scalar) type) {
            case STRING -> JSON.textNode("");
            case INT -> JSON.numberNode(0);
            case BOOL -> JSON.booleanNode(false);
        };
    }

    static boolean isNull(Node node) {
        return node == null || (node instanceof ScalarNode s && Scalars.isNull(s));
    }

    private void typeError(Node node, FieldPath yamlPath, FieldType expected) {
        String got;
        if (node instanceof MappingNode) {
            got = "an object";
        } else if (node instanceof SequenceNode) {
            got = "a list";
        } else {
            String v = ((ScalarNode) node).getValue();
            got = "\"" + (v.length() > 40 ? v.substring(0, 40) + "…" : v) + "\"";
        }
        report.add(new Entry(Severity.ERROR, "TypeMismatch", yamlPath, YamlSource.location(node),
                "expected " + article(expected.describe()) + ", got " + got));
    }

    private static String article(String noun) {
        return (noun.startsWith("a") || noun.startsWith("i") || noun.startsWith("o") ? "an " : "a ") + noun;
    }
}
