package io.nkd.plan;

import io.nkd.addons.HousekeeperAddon;
import io.nkd.addons.ManifestObject;
import io.nkd.addons.ManifestSet;
import io.nkd.config.AddonManifests;
import io.nkd.config.ClusterSpec;
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
 * Add-on changes, read with the daemon's own reader ({@link AddonManifests}): per add-on the objects added, changed
 * (their content differs) and removed. An add-on is applied when it is new or any of its objects, its manifest list, its
 * files or its prune flag changed; the Housekeeper (spec.housekeeper.enabled) is an add-on like the others, so a new
 * cluster lists it first. Changed files are shown as unified diffs; the files of a new add-on are listed, not printed
 * (a CNI manifest runs to thousands of lines). Invalid manifests never get here: they make the head invalid, and the plan
 * refuses it at their file:line:column.
 */
final class AddonPlanner {
    /** Objects named per add-on and kind of change in the reason; the JSON output lists them all. */
    private static final int LISTED = 12;

    private AddonPlanner() {
    }

    /** @param base the base spec and snapshot, or null when the cluster is new */
    static Optional<Action> changes(String cluster, ClusterSpec base, Snapshot baseFiles, ClusterSpec head, Snapshot headFiles) {
        ManifestSet before = base == null ? null : AddonManifests.read(cluster, base, baseFiles);
        ManifestSet after = AddonManifests.read(cluster, head, headFiles);
        Map<String, ManifestSet.Addon> beforeAddons = new LinkedHashMap<>();
        if (before != null) {
            before.addons().forEach(a -> beforeAddons.put(a.name(), a));
        }
        Map<String, ClusterSpec.Addon> beforeSpecs = byName(base);
        Map<String, ClusterSpec.Addon> headSpecs = byName(head);
        Map<String, ManifestObject> beforeObjects = new LinkedHashMap<>();
        if (before != null) {
            before.objects().forEach(o -> beforeObjects.put(o.key(), o));
        }
        Set<String> headKeys = new LinkedHashSet<>();
        after.objects().forEach(o -> headKeys.add(o.key()));
        List<String> apply = new ArrayList<>();
        List<String> removed = new ArrayList<>();
        List<String> reasons = new ArrayList<>();
        Set<String> files = new LinkedHashSet<>();
        List<Action.AddonObjects> objects = new ArrayList<>();
        StringBuilder diff = new StringBuilder();
        for (ManifestSet.Addon addon : after.addons()) {
            List<String> added = new ArrayList<>();
            List<String> changed = new ArrayList<>();
            for (ManifestObject o : after.objectsOf(addon.name())) {
                ManifestObject old = beforeObjects.get(o.key());
                if (old == null) {
                    added.add(o.describe());
                } else if (!old.json().equals(o.json()) || !old.addon().equals(o.addon())) {
                    changed.add(o.describe());
                }
            }
            ManifestSet.Addon old = beforeAddons.get(addon.name());
            List<String> gone = before == null || old == null ? List.of() : before.objectsOf(addon.name()).stream()
                    .filter(o -> !headKeys.contains(o.key())).map(ManifestObject::describe).toList();
            boolean housekeeper = addon.name().equals(HousekeeperAddon.NAME);
            Map<String, byte[]> now = housekeeper ? Map.of() : files(cluster, headSpecs.get(addon.name()), headFiles);
            Map<String, byte[]> then = housekeeper || old == null ? Map.of() : files(cluster, beforeSpecs.get(addon.name()), baseFiles);
            List<String> changedFiles = old == null ? List.of() : changedFiles(then, now);
            boolean listChanged = old != null && !housekeeper && !beforeSpecs.get(addon.name()).manifests().equals(headSpecs.get(addon.name()).manifests());
            boolean pruneChanged = old != null && old.prune() != addon.prune();
            if (old != null && added.isEmpty() && changed.isEmpty() && gone.isEmpty() && changedFiles.isEmpty() && !listChanged && !pruneChanged) {
                continue;
            }
            apply.add(addon.name());
            files.addAll(now.keySet());
            objects.add(new Action.AddonObjects(addon.name(), added, changed, gone, addon.prune()));
            String what = old == null ? (housekeeper ? "the Housekeeper (spec.housekeeper.enabled) of nkd " + HousekeeperAddon.nkdVersion()
                    + " is new" : "add-on " + addon.name() + " is new (" + String.join(", ", now.keySet()) + ")")
                    : "add-on " + addon.name() + (changedFiles.isEmpty() ? "" : ": manifests changed (" + String.join(", ", changedFiles) + ")")
                    + (listChanged ? ": its manifest list changed" : "") + (pruneChanged ? ": prune turned " + (addon.prune() ? "on" : "off") : "");
            reasons.add(what + objectList(added, changed, gone, addon.prune()));
            for (String f : changedFiles) {
                diff.append(UnifiedDiff.of(then.containsKey(f) ? "a/" + f : "/dev/null", now.containsKey(f) ? "b/" + f : "/dev/null",
                        lines(then.get(f)), lines(now.get(f))));
            }
        }
        Set<String> still = new LinkedHashSet<>(after.addons().stream().map(ManifestSet.Addon::name).toList());
        for (ManifestSet.Addon old : beforeAddons.values()) {
            if (still.contains(old.name())) {
                continue;
            }
            removed.add(old.name());
            List<String> gone = before.objectsOf(old.name()).stream().filter(o -> !headKeys.contains(o.key())).map(ManifestObject::describe).toList();
            objects.add(new Action.AddonObjects(old.name(), List.of(), List.of(), gone, old.prune()));
            reasons.add((old.name().equals(HousekeeperAddon.NAME) ? "the Housekeeper is no longer installed (spec.housekeeper.enabled: false)"
                    : "add-on " + old.name() + " is no longer listed in spec.addons") + objectList(List.of(), List.of(), gone, old.prune()));
        }
        if (apply.isEmpty() && removed.isEmpty()) {
            return Optional.empty();
        }
        String daemon = "applied with server-side apply (field manager nkd, conflicts forced: Git wins) once the cluster's API is up; "
                + "removed objects are pruned only with prune: true";
        return Optional.of(new Action.ApplyAddons(cluster, apply, removed, List.copyOf(files), objects, diff.toString(),
                DaemonEffects.configs(head), DaemonEffects.configsReason(head, String.join("; ", reasons) + "; " + daemon)));
    }

    /** {@code : + Namespace calico-system, ~ Deployment x/y, - ConfigMap a/b (pruned)} with at most {@link #LISTED} of each. */
    private static String objectList(List<String> added, List<String> changed, List<String> gone, boolean prune) {
        List<String> parts = new ArrayList<>();
        if (!added.isEmpty()) {
            parts.add("+ " + names(added));
        }
        if (!changed.isEmpty()) {
            parts.add("~ " + names(changed));
        }
        if (!gone.isEmpty()) {
            parts.add("- " + names(gone) + (prune ? " (pruned: prune is true)" : " (left running: prune is off)"));
        }
        return parts.isEmpty() ? "" : ": " + String.join("; ", parts);
    }

    private static String names(List<String> objects) {
        return String.join(", ", objects.subList(0, Math.min(LISTED, objects.size())))
                + (objects.size() > LISTED ? " and " + (objects.size() - LISTED) + " more" : "");
    }

    /** The manifest files an add-on refers to, as the daemon reads them. */
    private static Map<String, byte[]> files(String cluster, ClusterSpec.Addon addon, Snapshot snapshot) {
        return addon == null ? Map.of() : AddonManifests.files(cluster, addon, snapshot, null);
    }

    private static List<String> changedFiles(Map<String, byte[]> then, Map<String, byte[]> now) {
        Set<String> all = new LinkedHashSet<>(then.keySet());
        all.addAll(now.keySet());
        return all.stream().filter(f -> !Arrays.equals(then.get(f), now.get(f))).sorted().toList();
    }

    private static List<String> lines(byte[] file) {
        return file == null ? List.of() : UnifiedDiff.lines(Redactor.redact(SecretValues.redact(new String(file, StandardCharsets.UTF_8))));
    }

    private static Map<String, ClusterSpec.Addon> byName(ClusterSpec spec) {
        Map<String, ClusterSpec.Addon> m = new LinkedHashMap<>();
        if (spec != null) {
            spec.addons().forEach(a -> m.put(a.name(), a));
        }
        return m;
    }
}
