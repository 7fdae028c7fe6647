package io.nkd.addons;

import io.nkd.report.Report;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Every object of a cluster's add-ons in apply order, the add-ons themselves, and the problems found reading them.
 *
 * @param objects in apply order: CustomResourceDefinitions, Namespaces, other cluster-scoped objects, the rest; each
 *                group in add-on order, then file order, then document order
 * @param addons  the add-ons in Git order (the implicit Housekeeper first)
 */
public record ManifestSet(List<ManifestObject> objects, List<Addon> addons, Report report) {
    public ManifestSet {
        objects = List.copyOf(objects);
        addons = List.copyOf(addons);
    }

    /** An add-on: its name, whether pruning is on, its files (in order) and how many objects they hold. */
    public record Addon(String name, boolean prune, List<String> files, int objects) {
        public Addon {
            files = List.copyOf(files);
        }
    }

    /** No errors: the set may be applied. */
    public boolean ok() {
        return !report.hasErrors();
    }

    /** Add-on name → prune, in order. */
    public Map<String, Boolean> pruneFlags() {
        return addons.stream().collect(Collectors.toMap(Addon::name, Addon::prune, (a, b) -> a, java.util.LinkedHashMap::new));
    }

    public List<ManifestObject> objectsOf(String addon) {
        return objects.stream().filter(o -> o.addon().equals(addon)).toList();
    }

    /**
     * A content digest of what would be applied (add-ons, their prune flags, every object in order, as JSON): the same
     * objects give the same digest whatever the files' comments and formatting, and any change to an object, the order
     * or a prune flag gives another. The daemon applies again when it changes.
     */
    public String digest() {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            for (Addon a : addons) {
                d.update(("addon " + a.name() + " prune=" + a.prune() + "\n").getBytes(StandardCharsets.UTF_8));
            }
            for (ManifestObject o : objects) {
                d.update((o.addon() + " " + o.json() + "\n").getBytes(StandardCharsets.UTF_8));
            }
            return "sha256:" + HexFormat.of().formatHex(d.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
