package io.nkd.config;

import io.nkd.addons.AddonInput;
import io.nkd.addons.HousekeeperAddon;
import io.nkd.addons.ManifestSet;
import io.nkd.addons.Manifests;
import io.nkd.report.Entry;
import io.nkd.report.Report;
import io.nkd.report.Severity;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A cluster's add-ons read from a snapshot: the implicit Housekeeper first (when {@code spec.housekeeper.enabled}), then
 * {@code spec.addons} in Git order, each reference a file or every YAML/JSON file below a directory of
 * {@code clusters/<name>/manifests/}. The one reading that validation, {@code nkd plan} and the daemon share.
 */
public final class AddonManifests {
    private AddonManifests() {
    }

    public static ManifestSet read(String cluster, ClusterSpec spec, Snapshot snapshot) {
        List<AddonInput> inputs = new ArrayList<>();
        if (spec.housekeeper().enabled()) {
            inputs.add(HousekeeperAddon.input(spec.housekeeper().operatorImage(), spec.housekeeper().agentImage()));
        }
        Report stray = new Report();
        for (ClusterSpec.Addon addon : spec.addons()) {
            inputs.add(new AddonInput(addon.name(), addon.prune(), files(cluster, addon, snapshot, stray)));
        }
        ManifestSet set = Manifests.read(inputs);
        set.report().addAll(stray);
        return set;
    }

    /** The files of an add-on in order: each reference as listed, a directory's YAML and JSON files in path order. */
    public static Map<String, byte[]> files(String cluster, ClusterSpec.Addon addon, Snapshot snapshot, Report report) {
        String dir = ConfigLoader.CLUSTERS + "/" + cluster + "/manifests/";
        Map<String, byte[]> files = new LinkedHashMap<>();
        for (String ref : addon.manifests()) {
            String path = dir + ref;
            if (snapshot.files().containsKey(path)) {
                files.put(path, snapshot.files().get(path));
                continue;
            }
            for (String f : snapshot.under(path)) {
                if (f.endsWith(".yaml") || f.endsWith(".yml") || f.endsWith(".json")) {
                    files.put(f, snapshot.files().get(f));
                } else if (report != null) {
                    report.add(new Entry(Severity.WARNING, "StrayFile", null, null, "ignored: add-on " + addon.name()
                            + " takes the .yaml, .yml and .json files of " + path, f));
                }
            }
        }
        return files;
    }
}
