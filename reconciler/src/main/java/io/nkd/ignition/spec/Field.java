package io.nkd.ignition.spec;

import io.nkd.ignition.IgnitionVersion;

/**
 * One field of an object type.
 *
 * @param jsonName       the Ignition JSON name ({@code sizeMiB}); for Butane-only fields, the JSON-style
 *                       spelling of the Butane key
 * @param yamlName       the Butane YAML name ({@code size_mib})
 * @param type           what the field holds
 * @param since          first Ignition spec version with this field
 * @param nonPointerUntil Ignition versions before this one model the field as a Go non-pointer value, so
 *                       butane emits it even when absent (e.g. {@code links[].target} below 3.3.0); null when
 *                       always emitted (required names and paths, which Go never omits) is expressed by
 *                       {@link #alwaysEmitted}
 * @param alwaysEmitted  emitted (as its zero value) even when the input omits it: Go non-pointer strings
 * @param butaneSince    for Butane-only sugar fields, the first fcos spec that has it; null for Ignition fields
 */
public record Field(String jsonName, String yamlName, FieldType type, IgnitionVersion since,
                    IgnitionVersion nonPointerUntil, boolean alwaysEmitted, ButaneVersion butaneSince) {

    public boolean isButaneOnly() {
        return butaneSince != null;
    }

    /** Whether this field exists in the given Ignition spec (Ignition fields) or fcos spec (sugar). */
    public boolean existsIn(ButaneVersion butane) {
        return isButaneOnly() ? butane.atLeast(butaneSince) : existsIn(butane.ignition());
    }

    public boolean existsIn(IgnitionVersion ignition) {
        return !isButaneOnly() && ignition.atLeast(since);
    }

    /** Whether the output carries the field's zero value when the input omits it. */
    public boolean emittedWhenAbsent(IgnitionVersion ignition) {
        return alwaysEmitted || (nonPointerUntil != null && ignition.before(nonPointerUntil));
    }
}
