package io.nkd.yaml;

import io.nkd.report.Entry;
import io.nkd.report.FieldPath;
import io.nkd.report.Location;
import io.nkd.report.Report;
import io.nkd.report.Severity;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * Binds YAML to immutable records, collecting every problem of a file in one pass: unknown keys (with a
 * "did you mean"), wrong types, missing required keys, each at its file, line and column. Records apply their
 * own defaults in their compact constructors (absent keys arrive as null); a constructor that rejects a value
 * with IllegalArgumentException becomes a located error with that message.
 */
public final class YamlBinder {
    private final String file;
    private final Report report;
    private final Map<FieldPath, Location> locations = new HashMap<>();

    private YamlBinder(String file, Report report) {
        this.file = file;
        this.report = report;
    }

    /** Parses and binds one YAML document; null value (and errors in the report) when it cannot be bound. */
    public static <T extends Record> Located<T> bind(String file, String text, Class<T> type, Report report) {
        YamlSource.Parsed parsed = YamlSource.parse(text);
        for (Entry e : parsed.report().entries()) {
            report.add(e.withFile(file));
        }
        if (!parsed.ok()) {
            return new Located<>(null, file, Map.of());
        }
        if (parsed.root() == null) {
            report.add(new Entry(Severity.ERROR, "EmptyFile", null, null, "the file is empty; it needs apiVersion, kind "
                    + "and the rest of a " + type.getSimpleName().replace("Document", "") + " definition", file));
            return new Located<>(null, file, Map.of());
        }
        return bind(file, parsed.root(), type, report);
    }

    public static <T extends Record> Located<T> bind(String file, Node root, Class<T> type, Report report) {
        YamlBinder binder = new YamlBinder(file, report);
        @SuppressWarnings("unchecked")
        T value = (T) binder.value(root, type, FieldPath.ROOT);
        return new Located<>(value, file, Collections.unmodifiableMap(binder.locations));
    }

    private Object value(Node node, Type type, FieldPath path) {
        if (node == null || (node instanceof ScalarNode s && Scalars.isNull(s))) {
            return null;
        }
        locations.put(path, YamlSource.location(node));
        Class<?> raw = rawClass(type);
        if (raw.isRecord()) {
            return record(node, raw, path);
        }
        if (List.class.isAssignableFrom(raw)) {
            return list(node, ((ParameterizedType) type).getActualTypeArguments()[0], path);
        }
        if (Map.class.isAssignableFrom(raw)) {
            return map(node, ((ParameterizedType) type).getActualTypeArguments()[1], path);
        }
        if (!(node instanceof ScalarNode scalar)) {
            return error(node, path, "expected " + describe(raw) + ", got " + (node instanceof MappingNode ? "a mapping" : "a list"));
        }
        return scalar(scalar, raw, path);
    }

    private Object scalar(ScalarNode s, Class<?> raw, FieldPath path) {
        String text = s.getValue();
        if (raw == String.class) {
            return text;
        }
        if (raw == Integer.class || raw == int.class || raw == Long.class || raw == long.class) {
            var v = Scalars.asInt(s);
            if (v.isEmpty()) {
                return error(s, path, "expected an integer, got \"" + abbreviate(text) + "\"");
            }
            if (raw == Integer.class || raw == int.class) {
                if (v.get() > Integer.MAX_VALUE || v.get() < Integer.MIN_VALUE) {
                    return error(s, path, "integer " + text + " is out of range");
                }
                return v.get().intValue();
            }
            return v.get();
        }
        if (raw == Boolean.class || raw == boolean.class) {
            var v = Scalars.asBool(s);
            return v.isPresent() ? v.get() : error(s, path, "expected true or false, got \"" + abbreviate(text) + "\"");
        }
        if (raw == Duration.class) {
            try {
                return GoDuration.parse(text);
            } catch (IllegalArgumentException e) {
                return error(s, path, e.getMessage());
            }
        }
        if (raw.isEnum()) {
            for (Object constant : raw.getEnumConstants()) {
                if (wire(constant).equals(text)) {
                    return constant;
                }
            }
            List<String> allowed = new ArrayList<>();
            for (Object constant : raw.getEnumConstants()) {
                allowed.add(wire(constant));
            }
            return error(s, path, "\"" + abbreviate(text) + "\" is not one of " + String.join(", ", allowed)
                    + Suggestions.didYouMean(text, allowed));
        }
        throw new IllegalStateException("unsupported config type " + raw);
    }

    private Object record(Node node, Class<?> type, FieldPath path) {
        if (!(node instanceof MappingNode map)) {
            return error(node, path, "expected a mapping (key: value), got " + (node instanceof SequenceNode ? "a list" : "a scalar"));
        }
        RecordComponent[] components = type.getRecordComponents();
        Map<String, RecordComponent> byKey = new LinkedHashMap<>();
        for (RecordComponent c : components) {
            byKey.put(c.getName(), c);
        }
        Object[] args = new Object[components.length];
        Map<String, Node> seen = new HashMap<>();
        boolean failed = false;
        for (NodeTuple t : map.getValue()) {
            if (!(t.getKeyNode() instanceof ScalarNode keyNode)) {
                error(t.getKeyNode(), path, "keys must be strings");
                failed = true;
                continue;
            }
            String key = keyNode.getValue();
            RecordComponent c = byKey.get(key);
            if (c == null) {
                report.add(new Entry(Severity.ERROR, "UnknownKey", path.key(key), YamlSource.location(keyNode),
                        "unknown key \"" + key + "\"" + Suggestions.didYouMean(key, byKey.keySet())
                                + " (allowed here: " + String.join(", ", byKey.keySet()) + ")", file));
                continue; // reported; the rest of the record is still bound so later checks run too
            }
            seen.put(key, t.getValueNode());
        }
        int errorsBefore = errorCount();
        for (int i = 0; i < components.length; i++) {
            RecordComponent c = components[i];
            Node v = seen.get(c.getName());
            Object bound = value(v, c.getGenericType(), path.key(c.getName()));
            if (bound == null && c.isAnnotationPresent(Required.class)) {
                if (v == null || v instanceof ScalarNode s && Scalars.isNull(s)) {
                    report.add(new Entry(Severity.ERROR, "MissingKey", path.key(c.getName()), YamlSource.location(node),
                            "missing required key \"" + c.getName() + "\"", file));
                }
                failed = true;
            }
            args[i] = bound != null ? bound : primitiveDefault(c.getType());
        }
        if (failed) {
            return null;
        }
        boolean childFailed = errorCount() > errorsBefore;
        try {
            Constructor<?> ctor = type.getDeclaredConstructor(
                    java.util.Arrays.stream(components).map(RecordComponent::getType).toArray(Class<?>[]::new));
            ctor.setAccessible(true);
            return ctor.newInstance(args);
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof IllegalArgumentException iae) {
                // a value already reported below often causes this; do not report the same mistake twice
                return childFailed ? null : error(node, path, iae.getMessage());
            }
            throw new IllegalStateException("cannot build " + type.getSimpleName(), e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot build " + type.getSimpleName(), e);
        }
    }

    private List<Object> list(Node node, Type element, FieldPath path) {
        if (!(node instanceof SequenceNode seq)) {
            error(node, path, "expected a list");
            return null;
        }
        List<Object> out = new ArrayList<>();
        int i = 0;
        for (Node item : seq.getValue()) {
            Object v = value(item, element, path.index(i++));
            if (v != null) {
                out.add(v);
            }
        }
        return List.copyOf(out);
    }

    private Map<String, Object> map(Node node, Type valueType, FieldPath path) {
        if (!(node instanceof MappingNode m)) {
            error(node, path, "expected a mapping (key: value)");
            return null;
        }
        Map<String, Object> out = new LinkedHashMap<>();
        for (NodeTuple t : m.getValue()) {
            if (t.getKeyNode() instanceof ScalarNode k) {
                Object v = value(t.getValueNode(), valueType, path.key(k.getValue()));
                if (v != null) {
                    out.put(k.getValue(), v);
                }
            }
        }
        return Collections.unmodifiableMap(out);
    }

    private int errorCount() {
        return (int) report.entries().stream().filter(Entry::isError).count();
    }

    private Object error(Node node, FieldPath path, String message) {
        report.add(new Entry(Severity.ERROR, "InvalidValue", path, YamlSource.location(node), message, file));
        return null;
    }

    private static Object primitiveDefault(Class<?> type) {
        if (type == int.class) {
            return 0;
        }
        if (type == long.class) {
            return 0L;
        }
        if (type == boolean.class) {
            return false;
        }
        return null;
    }

    static String wire(Object enumConstant) {
        return enumConstant instanceof WireEnum w ? w.wire() : enumConstant.toString().toLowerCase(java.util.Locale.ROOT);
    }

    private static Class<?> rawClass(Type type) {
        if (type instanceof Class<?> c) {
            return c;
        }
        return (Class<?>) ((ParameterizedType) type).getRawType();
    }

    private static String describe(Class<?> raw) {
        if (raw == String.class) {
            return "a string";
        }
        if (raw == Integer.class || raw == int.class || raw == Long.class || raw == long.class) {
            return "an integer";
        }
        if (raw == Boolean.class || raw == boolean.class) {
            return "true or false";
        }
        if (raw == Duration.class) {
            return "a duration like 10m or 1h30m";
        }
        return "a value";
    }

    private static String abbreviate(String s) {
        return s.length() > 40 ? s.substring(0, 40) + "…" : s;
    }
}
