package io.nkd.render;

import io.nkd.report.Report;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Everything rendered for one cluster: per-pool configs, per-node overlays, and problems (render fails on errors). */
public record RenderedCluster(String cluster, List<RenderedConfig> pools, List<RenderedConfig> nodes, Report report) {
    /** pool → {@code rendered-<pool>-<hash>}, sorted. */
    public Map<String, String> versions() {
        TreeMap<String, String> m = new TreeMap<>();
        pools.forEach(p -> m.put(p.name(), p.version()));
        return m;
    }

    public boolean ok() {
        return !report.hasErrors();
    }
}
