package io.nkd.ignition.merge;

import com.fasterxml.jackson.databind.JsonNode;
import io.nkd.ignition.spec.IgnitionVersion;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * What Ignition's reflective merge learns from its Go types, restated for the JSON tree: which lists
 * are concatenated ({@code IgnoreDuplicates}), how keyed-list entries are identified ({@code Key()}),
 * which lists share a key space ({@code MergedKeys}) and which scalars are Go non-pointers (always
 * taken from the child). Lists are named by their path with indexes replaced by {@code *}, for
 * example {@code storage.disks.*.partitions}.
 */
final class MergeSchema {
    /** Lists whose entries are simply concatenated, parent's first. */
    private static final Set<String> CONCATENATED = Set.of("storage.files.*.append",
            "storage.filesystems.*.options", "storage.filesystems.*.mountOptions", "storage.luks.*.options",
            "storage.raid.*.options");

    /** Key functions of the keyed lists of objects; lists of strings are keyed by the string. */
    private static final Map<String, Function<JsonNode, String>> KEYS = Map.ofEntries(
            Map.entry("ignition.config.merge", byField("source")),
            Map.entry("ignition.security.tls.certificateAuthorities", byField("source")),
            Map.entry("storage.disks", byField("device")),
            Map.entry("storage.disks.*.partitions", MergeSchema::partitionKey),
            Map.entry("storage.raid", byField("name")),
            Map.entry("storage.filesystems", byField("device")),
            Map.entry("storage.files", byField("path")),
            Map.entry("storage.directories", byField("path")),
            Map.entry("storage.links", byField("path")),
            Map.entry("storage.luks", byField("name")),
            Map.entry("storage.luks.*.clevis.tang", byField("url")),
            Map.entry("systemd.units", byField("name")),
            Map.entry("systemd.units.*.dropins", byField("name")),
            Map.entry("passwd.users", byField("name")),
            Map.entry("passwd.groups", byField("name")));

    /** Lists that share one key space, by the path of the object holding them. */
    private static final Map<String, List<String>> SHARED = Map.of(
            "storage", List.of("directories", "files", "links"),
            "kernelArguments", List.of("shouldExist", "shouldNotExist"));

    private final Set<String> nonPointerScalars;

    private MergeSchema(Set<String> nonPointerScalars) {
        this.nonPointerScalars = nonPointerScalars;
    }

    static MergeSchema forVersion(IgnitionVersion version) {
        if (version.atLeast(IgnitionVersion.V3_3_0)) {
            return new MergeSchema(Set.of("ignition.version"));
        }
        // before 3.3.0 these were plain Go strings (ignition v2.11.0 made them pointers)
        return new MergeSchema(Set.of("ignition.version", "storage.links.*.target", "storage.raid.*.level",
                "storage.luks.*.clevis.custom.config", "storage.luks.*.clevis.custom.pin"));
    }

    boolean isConcatenated(String listPath) {
        return CONCATENATED.contains(listPath);
    }

    /** A Go non-pointer scalar: the child's value (or its absence) always wins. */
    boolean isNonPointer(String fieldPath) {
        return nonPointerScalars.contains(fieldPath);
    }

    /** Whether a non-pointer scalar sits below {@code objectPath}, so an empty child object still matters. */
    boolean hasNonPointerBelow(String objectPath) {
        return nonPointerScalars.stream().anyMatch(p -> p.startsWith(objectPath + "."));
    }

    /** The lists (by field name) that share a key space with {@code field} of the object at {@code ownerPath}. */
    List<String> keySpace(String ownerPath, String field) {
        List<String> shared = SHARED.get(ownerPath);
        return shared != null && shared.contains(field) ? shared : List.of(field);
    }

    /**
     * An entry's key. Strings are their own key; HTTP headers (anywhere) are keyed by name; objects in a
     * list Ignition does not have are keyed by their whole content, so only identical entries match.
     */
    String key(String listPath, JsonNode entry) {
        if (entry.isTextual()) {
            return entry.asText();
        }
        if (!entry.isObject()) {
            return entry.toString();
        }
        if (listPath.endsWith("httpHeaders")) {
            return text(entry.get("name"));
        }
        Function<JsonNode, String> key = KEYS.get(listPath);
        return key != null ? key.apply(entry) : entry.toString();
    }

    private static Function<JsonNode, String> byField(String field) {
        return entry -> text(entry.get(field));
    }

    /** A Go non-pointer string reads "" when absent; a nil pointer key (Resource.source) is "" too. */
    private static String text(JsonNode node) {
        return node != null && node.isTextual() ? node.asText() : "";
    }

    /** Partitions are identified by number when it is set, otherwise by label. */
    private static String partitionKey(JsonNode partition) {
        JsonNode number = partition.get("number");
        if (number != null && number.isIntegralNumber() && number.asLong() != 0) {
            return "number:" + number.asLong();
        }
        JsonNode label = partition.get("label");
        return label != null && label.isTextual() ? "label:" + label.asText() : "";
    }
}
