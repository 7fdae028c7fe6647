package io.nkd.addons;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One add-on as Git (or nkd itself, for the Housekeeper) gives it.
 *
 * @param files the add-on's manifest files in apply order: repository path → contents
 */
public record AddonInput(String name, boolean prune, Map<String, byte[]> files) {
    public AddonInput {
        files = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(files));
    }
}
