package io.nkd.importer;

import io.nkd.config.ImageCatalog;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which NestOS image the imported cluster runs. NKD's {@code kubernetes.releaseImageURL} is the NestOS image
 * with Kubernetes that nodes pivot to at first boot; {@code housekeeper.osImageURL} (older files) is the image of
 * the last upgrade. nkd wants a catalog release or an osImageURL pinned by digest:
 * <ul>
 *   <li>an image already in a catalog → {@code os.image: <release>};</li>
 *   <li>pinned by digest with a tag → a catalog entry {@code images/<cluster>-imported.yaml} (the tag gives
 *       the NestOS version, NestOS tags look like {@code 22.03-LTS-SP2.20230928.0-x86_64-k8s-v1.23.10});</li>
 *   <li>pinned by digest only → {@code os.osImageURL};</li>
 *   <li>a tag only → {@code os.osImageURL} with the tag, and a to-do (validation reports ImageNotPinned);</li>
 *   <li>no image → the catalog release shipping the cluster's Kubernetes version, if there is one.</li>
 * </ul>
 */
final class OsImages {
    /** The same rule as the config checks: {@code …@sha256:<64 lowercase hex>}. */
    static final Pattern PINNED = Pattern.compile("[^@\\s]+@sha256:[0-9a-f]{64}");
    private static final Pattern NESTOS_TAG = Pattern.compile("(.+?)-(x86_64|aarch64|amd64|arm64)(-k8s-(v?\\d+\\.\\d+\\.\\d+))?");

    /** spec.os, and the catalog file to write (null: none). */
    record Result(Map<String, Object> os, String catalogFile, String catalogText) {
    }

    private OsImages() {
    }

    static Result resolve(String ref, String refKey, String cluster, String version, String arch, String source, Ctx ctx) {
        Map<String, ImageCatalog.Release> catalog = ctx.options.catalog();
        if (ref != null && ref.contains("{")) {
            ctx.item(refKey, "the image reference still contains a placeholder ({tag} or similar), so it is not used",
                    "put the real NestOS image into the catalog and name it in spec.os.image");
            ref = null;
        }
        if (ref == null) {
            return fromCatalog(cluster, version, arch, refKey, catalog, ctx);
        }
        for (ImageCatalog.Release r : catalog.values()) {
            if (r.osImageURL().equals(ref)) {
                return new Result(Map.of("image", r.name()), null, null);
            }
        }
        String tag = tag(ref);
        if (PINNED.matcher(ref).matches() && tag != null) {
            Matcher m = NESTOS_TAG.matcher(tag);
            String osVersion = m.matches() ? m.group(1) : tag;
            String k8s = m.matches() && m.group(4) != null ? normalizeVersion(m.group(4)) : version;
            String name = cluster + "-imported";
            Map<String, Object> release = new LinkedHashMap<>();
            release.put("name", name);
            release.put("osImageURL", ref);
            release.put("osVersion", new YamlText.Quoted(osVersion));
            release.put("kubernetesVersion", k8s);
            release.put("arch", arch);
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("apiVersion", "nkd.io/v1alpha1");
            doc.put("kind", "ImageCatalog");
            doc.put("images", List.of(release));
            String text = YamlText.document(List.of("Imported from " + source + " by nkd import nkd-config: the NestOS "
                    + "release image of cluster " + cluster + " (" + refKey + ").", "Add newer releases here (pinned by "
                    + "digest) and name them in the cluster's spec.os.image to upgrade."), doc);
            return new Result(Map.of("image", name), "images/" + name + ".yaml", text);
        }
        if (!PINNED.matcher(ref).matches()) {
            ctx.item(refKey, "nkd rebases nodes to an image pinned by digest, so a moved tag can never change a node; "
                    + "this reference is only a tag, and nkd validate reports it (ImageNotPinned)",
                    "pin the OS image by digest: look it up (skopeo inspect docker://" + ref + ") and write "
                    + "spec.os.osImageURL as …@sha256:<digest>, or add a catalog release under images/");
        }
        return new Result(Map.of("osImageURL", ref), null, null);
    }

    private static Result fromCatalog(String cluster, String version, String arch, String refKey,
                                      Map<String, ImageCatalog.Release> catalog, Ctx ctx) {
        for (ImageCatalog.Release r : catalog.values()) {
            if (r.kubernetesVersion().equals(version) && r.arch().equals(arch)) {
                ctx.item(refKey, "NKD's file names no NestOS release image (NKD booted the image of the platform and "
                        + "kept it)", "the import chose the catalog release " + r.name() + ", which ships Kubernetes "
                        + version + "; check that it is the image you want");
                return new Result(Map.of("image", r.name()), null, null);
            }
        }
        String name = cluster + "-nestos";
        ctx.item(refKey, "NKD's file names no NestOS release image and no catalog release ships Kubernetes " + version
                + " for " + arch, "add a release named " + name + " (pinned by digest) to a catalog under images/, or "
                + "name an existing release in spec.os.image; nkd validate reports UnknownImage until then");
        return new Result(Map.of("image", name), null, null);
    }

    /** The tag of an image reference (between the last ':' after the last '/' and '@'), or null. */
    static String tag(String ref) {
        String noDigest = ref.contains("@") ? ref.substring(0, ref.indexOf('@')) : ref;
        int slash = noDigest.lastIndexOf('/');
        int colon = noDigest.lastIndexOf(':');
        return colon > slash && colon < noDigest.length() - 1 ? noDigest.substring(colon + 1) : null;
    }

    /** {@code 1.29.1} and {@code v1.29.1} → {@code v1.29.1}; null when it is not MAJOR.MINOR.PATCH. */
    static String normalizeVersion(String text) {
        Matcher m = Pattern.compile("[vV]?(\\d+)\\.(\\d+)\\.(\\d+)").matcher(text.strip());
        return m.matches() ? "v" + Integer.parseInt(m.group(1)) + "." + Integer.parseInt(m.group(2)) + "."
                + Integer.parseInt(m.group(3)) : null;
    }
}
