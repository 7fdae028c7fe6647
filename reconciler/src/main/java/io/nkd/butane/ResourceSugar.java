package io.nkd.butane;

import static io.nkd.butane.JsonTrees.JSON;
import static io.nkd.butane.JsonTrees.text;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nkd.butane.Butane.Translation;
import io.nkd.butane.LocalFiles.LocalFileException;
import io.nkd.ignition.spec.ButaneVersion;
import io.nkd.ignition.spec.IgnitionSpec;
import io.nkd.ignition.spec.IgnitionVersion;
import io.nkd.ignition.validate.IgnitionValidator;
import io.nkd.report.Entry;
import io.nkd.report.FieldPath;
import io.nkd.report.Location;
import io.nkd.report.Severity;
import java.nio.charset.StandardCharsets;

/**
 * Desugars embedded contents: {@code inline}/{@code local} resources become data URLs, {@code contents_local}
 * of units and dropins becomes {@code contents}, {@code ssh_authorized_keys_local} becomes keys.
 */
final class ResourceSugar {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private ResourceSugar() {
    }

    static void apply(Translation t) {
        SpecWalk.walk(t.config, IgnitionSpec.CONFIG, FieldPath.ROOT, (node, type, path) -> {
            switch (type.name()) {
                case "Resource", "FileResource" -> resource(t, node, path, "FileResource".equals(type.name()));
                case "Unit", "Dropin" -> contentsLocal(t, node, path);
                case "PasswdUser" -> sshKeysLocal(t, node, path);
                default -> {
                }
            }
        });
    }

    private static void resource(Translation t, ObjectNode r, FieldPath path, boolean fileContents) {
        String key = r.has("inline") ? "inline" : r.has("local") ? "local" : null;
        if (key == null) {
            return;
        }
        JsonNode value = r.remove(key);
        if (r.has("inline") || r.has("local") || r.has("source")) {
            r.remove("inline");
            r.remove("local");
            return; // reported by SourceChecks
        }
        byte[] data;
        if (key.equals("inline")) {
            data = value.asText().getBytes(StandardCharsets.UTF_8);
        } else {
            try {
                data = t.localFiles.read(value.asText());
            } catch (LocalFileException e) {
                t.at(Severity.ERROR, e.code(), path.key(key), e.getMessage());
                return;
            }
        }
        if (isEmbeddedConfig(path)) {
            checkEmbeddedConfig(t, data, path.key(key));
        }
        boolean allowCompression = !(t.version == ButaneVersion.FCOS_1_0_0);
        String userCompression = text(r, "compression");
        DataUrls.Encoded encoded = DataUrls.encode(data, userCompression, allowCompression);
        SourceMap.Origin origin = t.sourceMap.origin(path.key(key));
        r.put("source", encoded.url());
        t.sourceMap.put(path.key("source"), origin);
        if (encoded.compression() != null && (fileContents || t.ignition().atLeast(IgnitionVersion.V3_1_0))) {
            r.put("compression", encoded.compression());
            t.sourceMap.put(path.key("compression"), origin);
        }
    }

    private static boolean isEmbeddedConfig(FieldPath path) {
        return path.startsWith(FieldPath.of("ignition", "config"));
    }

    /** fcos 1.5+: an embedded config of the output's own spec version must itself be valid. */
    private static void checkEmbeddedConfig(Translation t, byte[] data, FieldPath at) {
        if (!t.version.atLeast(ButaneVersion.FCOS_1_5_0) || at.last().equals("local")) {
            return; // butane validates only inline configs, from fcos 1.5.0
        }
        JsonNode embedded;
        try {
            embedded = MAPPER.readTree(data);
        } catch (java.io.IOException e) {
            var loc = e instanceof JsonProcessingException jpe ? jpe.getLocation() : null;
            String msg = e instanceof JsonProcessingException jpe ? jpe.getOriginalMessage() : e.getMessage();
            Location l = loc != null && loc.getLineNr() > 0 ? new Location(loc.getLineNr(), Math.max(1, loc.getColumnNr())) : null;
            t.report.add(new Entry(Severity.ERROR, "ErrEmbeddedConfigSyntax", null, l,
                    "embedded Ignition config: " + goStyleSyntaxError(data, msg)));
            t.at(Severity.ERROR, "ErrInvalid", at, ButaneMessages.INVALID_EMBEDDED_CONFIG);
            return;
        }
        String v = text(JsonTrees.obj(embedded, "ignition"), "version");
        if (v == null || !v.equals(t.ignition().text())) {
            return; // butane skips configs of other versions
        }
        var problems = IgnitionValidator.validate(embedded, t.ignition());
        if (problems.hasErrors()) {
            for (Entry e : problems.entries()) {
                t.report.add(new Entry(e.severity(), e.code(), null, null, "embedded Ignition config at " + e.path()
                        + ": " + e.message()));
            }
            t.at(Severity.ERROR, "ErrInvalid", at, ButaneMessages.INVALID_EMBEDDED_CONFIG);
        }
    }

    /** Go's wording for the most common JSON mistake (not JSON at all), which users search for. */
    private static String goStyleSyntaxError(byte[] data, String fallback) {
        String text = new String(data, StandardCharsets.UTF_8).strip();
        if (!text.isEmpty() && "{[\"-0123456789tfn".indexOf(text.charAt(0)) < 0) {
            return "invalid character '" + text.charAt(0) + "' looking for beginning of value";
        }
        return fallback;
    }

    private static void contentsLocal(Translation t, ObjectNode unit, FieldPath path) {
        JsonNode local = unit.remove("contents_local");
        if (local == null || local.asText().isEmpty()) {
            return;
        }
        try {
            byte[] data = t.localFiles.read(local.asText());
            unit.put("contents", new String(data, StandardCharsets.UTF_8));
            t.sourceMap.put(path.key("contents"), t.sourceMap.origin(path.key("contents_local")));
        } catch (LocalFileException e) {
            t.at(Severity.ERROR, e.code(), path.key("contents_local"), e.getMessage());
        }
    }

    private static void sshKeysLocal(Translation t, ObjectNode user, FieldPath path) {
        JsonNode files = user.remove("ssh_authorized_keys_local");
        if (files == null || files.isEmpty()) {
            return;
        }
        FieldPath localPath = path.key("ssh_authorized_keys_local");
        if (!t.localFiles.configured()) {
            t.at(Severity.ERROR, "ErrNoFilesDir", localPath, ButaneMessages.NO_FILES_DIR);
            return;
        }
        ArrayNode keys = user.has("sshAuthorizedKeys") ? (ArrayNode) user.get("sshAuthorizedKeys") : JSON.arrayNode();
        for (int i = 0; i < files.size(); i++) {
            try {
                String text = new String(t.localFiles.read(files.get(i).asText()), StandardCharsets.UTF_8);
                for (String line : text.split("\r?\n", -1)) {
                    if (!line.isEmpty()) {
                        t.sourceMap.put(path.key("sshAuthorizedKeys").index(keys.size()), t.sourceMap.origin(localPath.index(i)));
                        keys.add(line);
                    }
                }
            } catch (LocalFileException e) {
                t.at(Severity.ERROR, e.code(), localPath.index(i), e.getMessage());
            }
        }
        if (!keys.isEmpty()) {
            user.set("sshAuthorizedKeys", keys);
        }
    }
}
