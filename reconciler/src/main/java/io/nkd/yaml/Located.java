package io.nkd.yaml;

import io.nkd.report.FieldPath;
import io.nkd.report.Location;
import java.util.Map;

/**
 * A value bound from a YAML file, with the location of every node by path so that later semantic checks can
 * point at the line the user wrote.
 */
public record Located<T>(T value, String file, Map<FieldPath, Location> locations) {
    /** The location of the path, or of its nearest ancestor that was written. */
    public Location at(FieldPath path) {
        for (FieldPath p = path; ; p = p.parent()) {
            Location l = locations.get(p);
            if (l != null || p.isRoot()) {
                return l;
            }
        }
    }
}
