package io.nkd.ignition.spec;


/**
 * One field of an object type.
 *
 * @param jsonName        the Ignition JSON name ({@code sizeMiB}); for Butane-only sugar, the YAML key
 * @param yamlName        the Butane YAML key ({@code size_mib})
 * @param type            what the field holds
 * @param since           the first Ignition spec version with this field
 * @param nonPointerUntil below this Ignition version the field is a Go non-pointer, so it is emitted even
 *                        when absent (links[].target and raid[].level below 3.3.0); null if never
 * @param alwaysEmitted   a Go non-pointer in every version (names, paths, devices): emitted even when absent
 * @param butaneSince     for Butane-only sugar, the first fcos version that has it; null for Ignition fields
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
