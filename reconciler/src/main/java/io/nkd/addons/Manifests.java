package io.nkd.addons;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nkd.report.Entry;
import io.nkd.report.FieldPath;
import io.nkd.report.Location;
import io.nkd.report.Report;
import io.nkd.report.Severity;
import io.nkd.yaml.Scalars;
import io.nkd.yaml.YamlSource;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * Reads add-on manifests: every file split into its YAML documents, each document a Kubernetes object with its file and
 * line, checked (apiVersion, kind, metadata.name present; each object once across all add-ons), then ordered for
 * apply. Problems are located report entries ({@code file:line:column}), never exceptions.
 */
public final class Manifests {
    /**
     * Kinds that are cluster-scoped in every Kubernetes release nkd supports; a custom resource's scope comes from its
     * CustomResourceDefinition when the add-ons define it. Used only for apply order: the API server knows best.
     */
    static final Set<String> CLUSTER_SCOPED = Set.of("Namespace", "Node", "PersistentVolume", "ClusterRole", "ClusterRoleBinding",
            "CustomResourceDefinition", "StorageClass", "VolumeAttachment", "CSIDriver", "CSINode", "PriorityClass",
            "RuntimeClass", "IngressClass", "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration", "APIService",
            "PodSecurityPolicy", "CertificateSigningRequest", "FlowSchema", "PriorityLevelConfiguration",
            "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding");
    private static final String NAME = "[a-z0-9]([-a-z0-9.]*[a-z0-9])?";
    /**
     * How many values YAML aliases may add to one document when it is expanded into an object. The parser caps the
     * number of aliases, not what they expand to: 40 aliases that each repeat the one before twice ("billion laughs")
     * are 2^40 values, which would exhaust the daemon's heap. Without aliases a document is bounded by the file size.
     */
    static final int MAX_ALIAS_EXPANSION = 100_000;

    private Manifests() {
    }

    /** Reads the add-ons in the order given (Git's, the implicit Housekeeper first). */
    public static ManifestSet read(List<AddonInput> addons) {
        Report report = new Report();
        List<ManifestObject> all = new ArrayList<>();
        List<ManifestSet.Addon> listed = new ArrayList<>();
        for (AddonInput addon : addons) {
            int before = all.size();
            for (Map.Entry<String, byte[]> f : addon.files().entrySet()) {
                readFile(addon.name(), f.getKey(), f.getValue(), all, report);
            }
            listed.add(new ManifestSet.Addon(addon.name(), addon.prune(), List.copyOf(addon.files().keySet()), all.size() - before));
        }
        duplicates(all, report);
        Map<String, Boolean> crdClusterScoped = crdScopes(all);
        List<ManifestObject> ordered = new ArrayList<>(all);
        // List.sort is stable: within a tier, add-on order, then file, then document stays
        ordered.sort(Comparator.comparingInt(o -> tier(o, crdClusterScoped)));
        return new ManifestSet(ordered, listed, report);
    }

    /** 0 CustomResourceDefinitions, 1 Namespaces, 2 other cluster-scoped objects, 3 the rest. */
    static int tier(ManifestObject o, Map<String, Boolean> crdClusterScoped) {
        if (o.kind().equals("CustomResourceDefinition") && o.group().equals("apiextensions.k8s.io")) {
            return 0;
        }
        if (o.kind().equals("Namespace") && o.group().isEmpty()) {
            return 1;
        }
        Boolean crd = crdClusterScoped.get(o.group() + "/" + o.kind());
        boolean cluster = crd != null ? crd : CLUSTER_SCOPED.contains(o.kind());
        return cluster ? 2 : 3;
    }

    /** group/kind → cluster-scoped, for the custom resources defined by CustomResourceDefinitions of these add-ons. */
    public static Map<String, Boolean> crdScopes(List<ManifestObject> objects) {
        Map<String, Boolean> scopes = new HashMap<>();
        for (ManifestObject o : objects) {
            if (o.kind().equals("CustomResourceDefinition")) {
                JsonNode spec = o.object().path("spec");
                scopes.put(spec.path("group").asText() + "/" + spec.path("names").path("kind").asText(),
                        "Cluster".equals(spec.path("scope").asText()));
            }
        }
        return scopes;
    }

    private static void readFile(String addon, String file, byte[] bytes, List<ManifestObject> out, Report report) {
        YamlSource.ParsedStream parsed = YamlSource.parseAll(new String(bytes, StandardCharsets.UTF_8));
        for (Entry e : parsed.report().entries()) {
            report.add(e.withFile(file));
        }
        for (Node doc : parsed.documents()) {
            Location at = YamlSource.location(doc);
            if (!(doc instanceof MappingNode map)) {
                error(report, "ManifestNotObject", file, at, FieldPath.ROOT, "this document is not a Kubernetes object (a mapping with"
                        + " apiVersion, kind and metadata); is the file a manifest?");
                continue;
            }
            String apiVersion = field(map, "apiVersion", file, at, report);
            String kind = field(map, "kind", file, at, report);
            Node metaNode = child(map, "metadata");
            String name = null;
            String namespace = null;
            if (!(metaNode instanceof MappingNode meta)) {
                error(report, "ManifestMissingField", file, metaNode == null ? at : YamlSource.location(metaNode), FieldPath.of("metadata"),
                        "metadata with a name is required" + objectHint(kind));
            } else {
                Node n = child(meta, "name");
                if (n == null && child(meta, "generateName") != null) {
                    error(report, "ManifestGenerateName", file, YamlSource.location(child(meta, "generateName")), FieldPath.of("metadata", "generateName"),
                            "metadata.generateName is not enough: nkd applies with server-side apply, which needs a fixed metadata.name");
                } else {
                    name = text(n, FieldPath.of("metadata", "name"), file, YamlSource.location(meta), report);
                }
                Node ns = child(meta, "namespace");
                if (ns != null) {
                    namespace = text(ns, FieldPath.of("metadata", "namespace"), file, YamlSource.location(ns), report);
                    if (namespace != null && !namespace.matches(NAME)) {
                        error(report, "ManifestBadNamespace", file, YamlSource.location(ns), FieldPath.of("metadata", "namespace"),
                                "\"" + namespace + "\" is not a namespace name (lowercase letters, digits and '-')");
                        namespace = null;
                    }
                }
            }
            if (kind != null && kind.endsWith("List") && child(map, "items") != null) {
                error(report, "ManifestList", file, at, FieldPath.of("kind"), "a " + kind + " is not applied by nkd: write each item as its own"
                        + " document (separated by ---)");
                continue;
            }
            if (apiVersion == null || kind == null || name == null) {
                continue;
            }
            ObjectNode json;
            try {
                json = (ObjectNode) toJson(map, new Expansion());
            } catch (Expansion.TooLarge e) {
                error(report, "ManifestAliasExpansion", file, at, FieldPath.ROOT, "this document expands to more than "
                        + MAX_ALIAS_EXPANSION + " values through YAML aliases (*name): write the object out without aliases");
                continue;
            }
            ManifestObject o = new ManifestObject(addon, file, at.line(), at.column(), apiVersion, kind, namespace, name, json);
            if (addon.equals(HousekeeperAddon.NAME) && file.startsWith("templates/housekeeper/")) {
                HousekeeperAddon.label(o);
            }
            out.add(o);
        }
    }

    private static String objectHint(String kind) {
        return kind == null ? "" : " for a " + kind;
    }

    /** Each object once across all add-ons: a second definition would make two add-ons fight over it. */
    private static void duplicates(List<ManifestObject> all, Report report) {
        Map<String, ManifestObject> first = new HashMap<>();
        for (ManifestObject o : all) {
            ManifestObject earlier = first.putIfAbsent(o.key(), o);
            if (earlier != null) {
                report.add(new Entry(Severity.ERROR, "DuplicateObject", FieldPath.ROOT, new Location(o.line(), o.column()),
                        o.describe() + " (" + o.apiVersion() + ") is already defined at " + earlier.where() + " (add-on " + earlier.addon()
                                + "); each object may be defined once: remove one of them", o.file()));
            }
        }
    }

    private static String field(MappingNode map, String key, String file, Location docStart, Report report) {
        Node n = child(map, key);
        if (n == null) {
            error(report, "ManifestMissingField", file, docStart, FieldPath.of(key), key + " is required in every manifest object");
            return null;
        }
        return text(n, FieldPath.of(key), file, YamlSource.location(n), report);
    }

    private static String text(Node n, FieldPath path, String file, Location fallback, Report report) {
        if (n == null) {
            error(report, "ManifestMissingField", file, fallback, path, path.toString().substring(2) + " is required in every manifest object");
            return null;
        }
        if (!(n instanceof ScalarNode s) || Scalars.isNull(s) || s.getValue().isBlank()) {
            error(report, "ManifestMissingField", file, YamlSource.location(n), path, path.toString().substring(2) + " must be a non-empty string");
            return null;
        }
        return s.getValue();
    }

    private static Node child(MappingNode map, String key) {
        for (NodeTuple t : map.getValue()) {
            if (t.getKeyNode() instanceof ScalarNode k && k.getValue().equals(key)) {
                return t.getValueNode();
            }
        }
        return null;
    }

    private static void error(Report report, String code, String file, Location at, FieldPath path, String message) {
        report.add(new Entry(Severity.ERROR, code, path, at, message, file));
    }

    /** Counts the values that aliases add: every visit of a node already visited once is one. */
    private static final class Expansion {
        private final Set<Node> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        private int repeated;

        void visit(Node node) {
            if (!seen.add(node) && ++repeated > MAX_ALIAS_EXPANSION) {
                throw new TooLarge();
            }
        }

        private static final class TooLarge extends RuntimeException {
            TooLarge() {
                super(null, null, false, false);
            }
        }
    }

    /** YAML → JSON with the scalar types YAML's core resolution gives (as kubectl's YAML reader does). */
    static JsonNode toJson(Node node) {
        return toJson(node, new Expansion());
    }

    private static JsonNode toJson(Node node, Expansion expansion) {
        expansion.visit(node);
        JsonNodeFactory f = JsonNodeFactory.instance;
        if (node instanceof MappingNode map) {
            ObjectNode o = f.objectNode();
            for (NodeTuple t : map.getValue()) {
                String key = t.getKeyNode() instanceof ScalarNode k ? k.getValue() : String.valueOf(toJson(t.getKeyNode(), expansion));
                o.set(key, toJson(t.getValueNode(), expansion));
            }
            return o;
        }
        if (node instanceof SequenceNode seq) {
            ArrayNode a = f.arrayNode();
            seq.getValue().forEach(n -> a.add(toJson(n, expansion)));
            return a;
        }
        ScalarNode s = (ScalarNode) node;
        Tag tag = s.getTag();
        String v = s.getValue();
        if (Tag.NULL.equals(tag)) {
            return f.nullNode();
        }
        if (Tag.BOOL.equals(tag)) {
            return f.booleanNode(Scalars.asBool(s).orElse(Boolean.parseBoolean(v)));
        }
        if (Tag.INT.equals(tag)) {
            try {
                return f.numberNode(new BigInteger(v.replace("_", "")).longValueExact());
            } catch (ArithmeticException | NumberFormatException e) {
                return Scalars.asInt(s).<JsonNode>map(f::numberNode).orElse(f.textNode(v));
            }
        }
        if (Tag.FLOAT.equals(tag)) {
            try {
                return f.numberNode(Double.parseDouble(v.replace("_", "")));
            } catch (NumberFormatException e) {
                return f.textNode(v);
            }
        }
        return f.textNode(v);
    }
}
