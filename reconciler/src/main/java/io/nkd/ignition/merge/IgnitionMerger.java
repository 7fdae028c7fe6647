package io.nkd.ignition.merge;

import com.fasterxml.jackson.databind.JsonNode;
import io.nkd.ignition.spec.IgnitionVersion;

/**
 * Ignition's config merge ({@code config/merge/merge.go} of coreos/ignition v2.26.0) on JSON trees:
 * what Ignition does with {@code ignition.config.merge} and what {@code nkd ignition merge} offers.
 * The child overrides the parent:
 * <ul>
 *   <li>objects merge field by field; a field the child sets (even to {@code false}, {@code 0} or
 *       {@code ""}) replaces the parent's; {@code ignition.version} always comes from the child;</li>
 *   <li>keyed lists (units by name, files by path, ...) merge entries with the same key in the parent's
 *       position, keep the parent's other entries and append the child's new ones in child order;
 *       files, directories and links share one key space, as do the two kernel-argument lists;</li>
 *   <li>{@code files[].append}, filesystem and LUKS/RAID {@code options} lists are concatenated;</li>
 *   <li>lists of strings are merged as sets; HTTP headers by name, and a child header without a value
 *       removes the parent's.</li>
 * </ul>
 */
public final class IgnitionMerger {
    private IgnitionMerger() {
    }

    /** Ignition's config merge: child overrides parent. Inputs are the same spec version; neither is modified. */
    public static MergeResult merge(JsonNode parent, JsonNode child) {
        IgnitionVersion version = versionOf(child);
        if (version == null) {
            version = versionOf(parent);
        }
        MergeSchema schema = MergeSchema.forVersion(version == null ? IgnitionVersion.latest() : version);
        return new TreeMerge(schema).run(parent, child);
    }

    private static IgnitionVersion versionOf(JsonNode config) {
        if (config == null) {
            return null;
        }
        return IgnitionVersion.parse(config.path("ignition").path("version").asText()).orElse(null);
    }
}
