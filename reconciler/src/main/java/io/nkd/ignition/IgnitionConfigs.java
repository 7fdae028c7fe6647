package io.nkd.ignition;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nkd.ignition.spec.Field;
import io.nkd.ignition.spec.FieldType;
import io.nkd.ignition.spec.FieldType.ListOf;
import io.nkd.ignition.spec.FieldType.Scalar;
import io.nkd.ignition.spec.IgnitionSpec;
import io.nkd.ignition.spec.IgnitionVersion;
import io.nkd.ignition.spec.ObjectType;
import io.nkd.ignition.validate.IgnitionValidator;
import io.nkd.report.Entry;
import io.nkd.report.FieldPath;
import io.nkd.report.Location;
import io.nkd.report.Report;
import io.nkd.report.Severity;
import java.io.IOException;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * Reads Ignition JSON the way Ignition does: the version decides the spec, unknown keys are warnings,
 * wrong types are errors, then Ignition's semantic rules apply. Every entry carries the JSON line and column.
 */
public final class IgnitionConfigs {
    private static final JsonFactory FACTORY = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(200).build())
            .build();
    private static final ObjectMapper MAPPER = new ObjectMapper(FACTORY);

    private IgnitionConfigs() {
    }

    /** The parsed config (null on a syntax or version error), its version and every problem, located. */
    public record Parsed(ObjectNode config, IgnitionVersion version, Report report) {
        public boolean ok() {
            return config != null && !report.hasErrors();
        }
    }

    /** Parses JSON, keeping nothing but the tree (for merge, which accepts any shape). */
    public static JsonNode readTree(String json) throws JsonProcessingException {
        return MAPPER.readTree(json);
    }

    public static Parsed parseAndValidate(String json) {
        Report report = new Report();
        Map<FieldPath, Location> locations = new HashMap<>();
        JsonNode tree;
        try {
            locate(json, locations);
            tree = MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            JsonLocation l = e.getLocation();
            report.add(new Entry(Severity.ERROR, "ErrJsonSyntax", null,
                    l != null && l.getLineNr() > 0 ? new Location(l.getLineNr(), Math.max(1, l.getColumnNr())) : null,
                    "invalid JSON: " + e.getOriginalMessage()));
            return new Parsed(null, null, report);
        } catch (IOException e) {
            report.error("ErrJsonSyntax", null, "cannot read config: " + e.getMessage());
            return new Parsed(null, null, report);
        }
        if (!(tree instanceof ObjectNode config)) {
            report.error("ErrNotAnObject", FieldPath.ROOT, "an Ignition config must be a JSON object");
            return new Parsed(null, null, report);
        }
        JsonNode v = config.path("ignition").path("version");
        IgnitionVersion version = v.isTextual() ? IgnitionVersion.parse(v.asText()).orElse(null) : null;
        if (version == null) {
            report.add(new Entry(Severity.ERROR, "ErrUnknownVersion", FieldPath.of("ignition", "version"),
                    locations.get(FieldPath.of("ignition", "version")),
                    v.isMissingNode() ? "ignition.version is required"
                            : "unsupported config version " + v + "; nkd reads spec 3.0.0 to 3.6.0"));
            return new Parsed(null, null, report);
        }
        Report structural = new Report();
        checkShape(config, IgnitionSpec.CONFIG, FieldPath.ROOT, version, structural);
        Report all = structural.hasErrors() ? structural : structural.addAll(IgnitionValidator.validate(config, version));
        for (Entry e : all.entries()) {
            report.add(e.location() != null || e.path() == null ? e : e.withLocation(nearest(locations, e.path())));
        }
        return new Parsed(config, version, report);
    }

    private static Location nearest(Map<FieldPath, Location> locations, FieldPath path) {
        for (FieldPath p = path; ; p = p.parent()) {
            Location l = locations.get(p);
            if (l != null || p.isRoot()) {
                return l;
            }
        }
    }

    /** Unknown keys (warnings) and type mismatches (errors) against the spec of this version. */
    private static void checkShape(JsonNode node, FieldType type, FieldPath path, IgnitionVersion version, Report report) {
        if (node.isNull()) {
            return;
        }
        if (type instanceof ObjectType ot) {
            if (!node.isObject()) {
                report.error("ErrType", path, "expected an object, got " + node.getNodeType().toString().toLowerCase());
                return;
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                Field f = ot.byJsonName(e.getKey());
                if (f == null || !f.existsIn(version)) {
                    report.warning("ErrUnknownKey", path.key(e.getKey()), "Config has unrecognized key: " + e.getKey());
                } else {
                    checkShape(e.getValue(), f.type(), path.key(e.getKey()), version, report);
                }
            }
        } else if (type instanceof ListOf list) {
            if (!node.isArray()) {
                report.error("ErrType", path, "expected a list, got " + node.getNodeType().toString().toLowerCase());
                return;
            }
            for (int i = 0; i < node.size(); i++) {
                checkShape(node.get(i), list.element(), path.index(i), version, report);
            }
        } else {
            boolean ok = switch ((Scalar) type) {
                case STRING -> node.isTextual();
                case INT -> node.isIntegralNumber() && node.canConvertToInt();
                case BOOL -> node.isBoolean();
            };
            if (!ok) {
                report.error("ErrType", path, "expected " + type.describe() + ", got " + node);
            }
        }
    }

    /** Records the location of every value by path, from a streaming pass over the text. */
    private static void locate(String json, Map<FieldPath, Location> out) throws IOException {
        try (JsonParser p = FACTORY.createParser(json)) {
            locateValue(p, p.nextToken(), FieldPath.ROOT, out);
        }
    }

    private static void locateValue(JsonParser p, JsonToken token, FieldPath path, Map<FieldPath, Location> out) throws IOException {
        if (token == null) {
            return;
        }
        JsonLocation l = p.currentTokenLocation();
        out.put(path, new Location(Math.max(1, l.getLineNr()), Math.max(1, l.getColumnNr())));
        if (token == JsonToken.START_OBJECT) {
            for (JsonToken t = p.nextToken(); t == JsonToken.FIELD_NAME; t = p.nextToken()) {
                String name = p.currentName();
                locateValue(p, p.nextToken(), path.key(name), out);
            }
        } else if (token == JsonToken.START_ARRAY) {
            int i = 0;
            for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY && t != null; t = p.nextToken()) {
                locateValue(p, t, path.index(i++), out);
            }
        }
    }
}
