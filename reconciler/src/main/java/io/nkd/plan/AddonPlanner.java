package io.nkd.plan;

import io.nkd.config.ClusterSpec;
import io.nkd.config.ConfigLoader;
import io.nkd.config.Snapshot;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Add-on changes: an add-on is applied when it is new, or when its manifest list or any of its manifest files
 * changed; an add-on no longer listed is reported as removed. Changed files are shown as unified diffs; the
 * files of a new add-on are listed, not printed (a CNI manifest runs to thousands of lines).
 */
final class AddonPlanner {
    private AddonPlanner() {
    }

    /** @param base the base spec and snapshot, or null when the cluster is new */
    static Optional<Action> changes(String cluster, ClusterSpec base, Snapshot baseFiles, ClusterSpec head, Snapshot headFiles) {
        Map<String, ClusterSpec.Addon> before = byName(base);
        List<String> apply = new ArrayList<>();
        List<String> removed = new ArrayList<>();
        List<String> reasons = new ArrayList<>();
        Set<String> files = new LinkedHashSet<>();
        StringBuilder diff = new StringBuilder();
        for (ClusterSpec.Addon addon : head.addons()) {
            Map<String, byte[]> now = files(cluster, addon, headFiles);
            ClusterSpec.Addon old = before.get(addon.name());
            if (old == null) {
                apply.add(addon.name());
                files.addAll(now.keySet());
                reasons.add("add-on " + addon.name() + " is new (" + String.join(", ", now.keySet()) + ")");
                continue;
            }
            Map<String, byte[]> then = files(cluster, old, baseFiles);
            List<String> changed = changedFiles(then, now);
            if (!changed.isEmpty() || !old.manifests().equals(addon.manifests())) {
                apply.add(addon.name());
                files.addAll(now.keySet());
                reasons.add("add-on " + addon.name() + (changed.isEmpty() ? ": its manifest list changed"
                        : ": manifests changed (" + String.join(", ", changed) + ")"));
                for (String f : changed) {
                    diff.append(UnifiedDiff.of(then.containsKey(f) ? "a/" + f : "/dev/null", now.containsKey(f) ? "b/" + f : "/dev/null",
                            lines(then.get(f)), lines(now.get(f))));
                }
            }
        }
        Set<String> still = new LinkedHashSet<>(head.addons().stream().map(ClusterSpec.Addon::name).toList());
        for (String name : before.keySet()) {
            if (!still.contains(name)) {
                removed.add(name);
                reasons.add("add-on " + name + " is no longer listed in spec.addons");
            }
        }
        if (apply.isEmpty() && removed.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new Action.ApplyAddons(cluster, apply, removed, List.copyOf(files), diff.toString(),
                String.join("; ", reasons) + "; NOT applied: nkd does not apply add-on manifests yet (the Housekeeper will), "
                        + "so apply " + (apply.isEmpty() ? "or remove them" : "them") + " yourself, e.g. kubectl apply -f "
                        + ConfigLoader.CLUSTERS + "/" + cluster + "/manifests/<file>"));
    }

    /** The manifest files an add-on refers to (files, or every file below a directory), in path order. */
    private static Map<String, byte[]> files(String cluster, ClusterSpec.Addon addon, Snapshot snapshot) {
        String dir = ConfigLoader.CLUSTERS + "/" + cluster + "/manifests/";
        Map<String, byte[]> files = new LinkedHashMap<>();
        for (String ref : addon.manifests()) {
            String path = dir + ref;
            if (snapshot.files().containsKey(path)) {
                files.put(path, snapshot.files().get(path));
            } else {
                snapshot.under(path).forEach(f -> files.put(f, snapshot.files().get(f)));
            }
        }
        return files;
    }

    private static List<String> changedFiles(Map<String, byte[]> then, Map<String, byte[]> now) {
        Set<String> all = new LinkedHashSet<>(then.keySet());
        all.addAll(now.keySet());
        return all.stream().filter(f -> !Arrays.equals(then.get(f), now.get(f))).sorted().toList();
    }

    private static List<String> lines(byte[] file) {
        return file == null ? List.of() : UnifiedDiff.lines(Redactor.redact(new String(file, StandardCharsets.UTF_8)));
    }

    private static Map<String, ClusterSpec.Addon> byName(ClusterSpec spec) {
        Map<String, ClusterSpec.Addon> m = new LinkedHashMap<>();
        if (spec != null) {
            spec.addons().forEach(a -> m.put(a.name(), a));
        }
        return m;
    }
}
