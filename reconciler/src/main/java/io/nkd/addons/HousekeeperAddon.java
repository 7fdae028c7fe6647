package io.nkd.addons;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The in-cluster Housekeeper as an add-on: the manifests of {@code templates/housekeeper/} shipped in nkd's jar, with
 * the images of {@code spec.housekeeper} (or nkd's own version of the image) and a version label on every object. It
 * is the implicit first add-on of every cluster with {@code spec.housekeeper.enabled} (the default): it changes with
 * nkd's version, so upgrading nkd applies the matching Housekeeper.
 */
public final class HousekeeperAddon {
    /** The add-on's name; no add-on in Git may take it. */
    public static final String NAME = "housekeeper";
    /** The image the templates name, replaced by the cluster's (or the default). */
    static final String TEMPLATE_IMAGE = "nkd-housekeeper:latest";
    /** The default image's repository: tagged with nkd's version. */
    public static final String DEFAULT_REPOSITORY = "nkd-housekeeper";
    /** On every object of the add-on: the nkd version whose Housekeeper it is. */
    public static final String VERSION_LABEL = "app.kubernetes.io/version";
    /** On every object of the add-on: who applies it. */
    public static final String MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";
    static final List<String> FILES = List.of("00-namespace.yaml", "10-crd-updates.housekeeper.io.yaml", "20-rbac-operator.yaml",
            "21-rbac-agent.yaml", "30-operator.yaml", "31-agent.yaml");

    private HousekeeperAddon() {
    }

    /** nkd's version as the build wrote it into the jar, or {@code dev} when running from classes (tests, the IDE). */
    public static String nkdVersion() {
        String v = HousekeeperAddon.class.getPackage().getImplementationVersion();
        return v == null || v.isBlank() ? "dev" : v;
    }

    /** {@code nkd-housekeeper:<nkd version>}: the image built from this nkd's own sources. */
    public static String defaultImage() {
        return DEFAULT_REPOSITORY + ":" + nkdVersion();
    }

    /**
     * The add-on for a cluster.
     *
     * @param operatorImage the cluster's {@code spec.housekeeper.operatorImage}, or null for the default
     * @param agentImage    the cluster's {@code spec.housekeeper.agentImage}, or null for the default
     */
    public static AddonInput input(String operatorImage, String agentImage) {
        Map<String, byte[]> files = new LinkedHashMap<>();
        for (String f : FILES) {
            String text = resource("templates/housekeeper/" + f);
            if (f.startsWith("30-") || f.startsWith("31-")) {
                String image = f.startsWith("30-") ? operatorImage : agentImage;
                // a JSON string is a valid YAML scalar, so the image is inserted quoted whatever it contains
                text = text.replace("image: " + TEMPLATE_IMAGE, "image: " + io.nkd.yaml.Quoting.doubleQuoted(image == null ? defaultImage() : image));
            }
            files.put("templates/housekeeper/" + f, text.getBytes(StandardCharsets.UTF_8));
        }
        return new AddonInput(NAME, false, files);
    }

    /** Marks every object of the add-on with nkd's version, so an nkd upgrade changes the digest and applies it again. */
    static void label(ManifestObject o) {
        var labels = o.object().withObjectProperty("metadata").withObjectProperty("labels");
        labels.put(VERSION_LABEL, nkdVersion());
        labels.put(MANAGED_BY_LABEL, "nkd");
    }

    /** The templates, read once: every config load reads the add-on. */
    private static final java.util.concurrent.ConcurrentMap<String, String> TEMPLATES = new java.util.concurrent.ConcurrentHashMap<>();

    private static String resource(String path) {
        return TEMPLATES.computeIfAbsent(path, HousekeeperAddon::load);
    }

    private static String load(String path) {
        try (InputStream in = HousekeeperAddon.class.getClassLoader().getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException(path + " is missing from the nkd build");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
