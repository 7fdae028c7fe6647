package io.nkd.butane;

import io.nkd.ignition.spec.IgnitionSpec;
import io.nkd.report.FieldPath;
import io.nkd.report.Location;
import java.util.HashMap;
import java.util.Map;

/**
 * Ties output (Ignition JSON) paths to the Butane YAML path and location they came from, so that a
 * problem found in the generated Ignition config is reported where the user can fix it.
 */
public final class SourceMap {
    /** Where an output node came from. */
    public record Origin(FieldPath yamlPath, Location location) {
    }

    private final Map<FieldPath, Origin> byOutputPath = new HashMap<>();
    private final Map<FieldPath, Location> byYamlPath = new HashMap<>();

    public void put(FieldPath outputPath, FieldPath yamlPath, Location location) {
        byOutputPath.put(outputPath, new Origin(yamlPath, location));
        byYamlPath.putIfAbsent(yamlPath, location);
    }

    /** Blames an output node on an input node (generated content). */
    public void put(FieldPath outputPath, Origin origin) {
        byOutputPath.put(outputPath, origin);
    }

    public Location locationOfYaml(FieldPath yamlPath) {
        for (FieldPath p = yamlPath; ; p = p.parent()) {
            Location l = byYamlPath.get(p);
            if (l != null || p.isRoot()) {
                return l;
            }
        }
    }

    /**
     * The origin of an output path: its own entry, or its nearest recorded ancestor's with the rest of the
     * path appended in YAML spelling (a key the user did not write is still named precisely).
     */
    public Origin origin(FieldPath outputPath) {
        for (FieldPath p = outputPath; ; p = p.parent()) {
            Origin o = byOutputPath.get(p);
            if (o != null) {
                if (p.size() == outputPath.size()) {
                    return o;
                }
                FieldPath yaml = o.yamlPath();
                for (Object element : outputPath.elements().subList(p.size(), outputPath.size())) {
                    yaml = element instanceof Integer i ? yaml.index(i) : yaml.key(IgnitionSpec.yamlName((String) element));
                }
                Location own = locationOfYaml(yaml);
                return new Origin(yaml, own != null ? own : o.location());
            }
            if (p.isRoot()) {
                return new Origin(outputPath, null);
            }
        }
    }
}
