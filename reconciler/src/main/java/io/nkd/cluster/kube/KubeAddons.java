package io.nkd.cluster.kube;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.APIResource;
import io.fabric8.kubernetes.api.model.APIResourceList;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.nkd.cluster.Addons;
import io.nkd.cluster.ClusterApiException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * {@link Addons} on a real API server, through fabric8: each object applied on its own with server-side apply (field
 * manager {@value Addons#FIELD_MANAGER}, conflicts forced), its resource found through the API server's discovery (so
 * any kind works, custom resources included), and an inventory of what nkd applied, per add-on, in a ConfigMap
 * ({@code kube-system/nkd-addons-inventory}, key {@value #INVENTORY_KEY}) that pruning reads: nkd deletes only objects
 * it applied itself, like Flux's inventory.
 */
public final class KubeAddons implements Addons {
    public static final String INVENTORY_NAMESPACE = "kube-system";
    public static final String INVENTORY_NAME = "nkd-addons-inventory";
    static final String INVENTORY_KEY = "inventory.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final KubernetesClient client;
    private final String inventoryNamespace;
    private final String inventoryName;

    public KubeAddons(KubernetesClient client) {
        this(client, INVENTORY_NAMESPACE, INVENTORY_NAME);
    }

    /** With the inventory elsewhere (tests that share one API server). */
    public KubeAddons(KubernetesClient client, String inventoryNamespace, String inventoryName) {
        this.client = client;
        this.inventoryNamespace = inventoryNamespace;
        this.inventoryName = inventoryName;
    }

    /** An object as the inventory records it: enough to find it again (the namespace as applied). */
    record Ref(String apiVersion, String kind, String namespace, String name) {
        String group() {
            int slash = apiVersion.indexOf('/');
            return slash < 0 ? "" : apiVersion.substring(0, slash);
        }

        /** Identity across versions: a CRD's version change is the same object. */
        String key() {
            return group() + "/" + kind + "/" + (namespace == null ? "" : namespace) + "/" + name;
        }

        String describe() {
            return kind + " " + (namespace == null || namespace.isEmpty() ? name : namespace + "/" + name);
        }
    }

    /** What nkd applied per add-on, and whether pruning was on for it then. */
    record InventoryEntry(boolean prune, List<Ref> objects) {
    }

    @Override
    public ApplyReport apply(List<ManifestObject> objects, Map<String, Boolean> addons) {
        Map<String, InventoryEntry> before = readInventory();
        Discovery discovery = new Discovery();
        Map<String, String> crdForKind = crdsByKind(objects);
        List<ObjectResult> results = new ArrayList<>();
        Map<String, Ref> applied = new LinkedHashMap<>(); // key → ref, of objects applied now
        Set<String> listed = new LinkedHashSet<>();        // keys of every object Git lists now
        Map<String, List<Ref>> nowByAddon = new LinkedHashMap<>();
        for (ManifestObject o : objects) {
            Optional<APIResource> resource = discovery.find(o.apiVersion(), o.kind());
            Ref ref = new Ref(o.apiVersion(), o.kind(), namespaceOf(o, resource.orElse(null)), o.name());
            listed.add(ref.key());
            nowByAddon.computeIfAbsent(o.addon(), a -> new ArrayList<>()).add(ref);
            if (resource.isEmpty()) {
                String crd = crdForKind.get(groupOf(o.apiVersion()) + "/" + o.kind());
                results.add(crd != null
                        ? new ObjectResult(o, Outcome.WAITING, "waiting for CustomResourceDefinition " + crd + " to be established: the API server"
                        + " does not serve " + o.kind() + " in " + o.apiVersion() + " yet; nkd applies it on its next pass")
                        : new ObjectResult(o, Outcome.FAILED, "the API server does not serve kind " + o.kind() + " in " + o.apiVersion()
                        + ": install its CustomResourceDefinition (in an earlier add-on or this one) or fix apiVersion and kind"));
                continue;
            }
            try {
                applyOne(o, resource.get(), ref);
                applied.put(ref.key(), ref);
                results.add(new ObjectResult(o, Outcome.APPLIED, null));
            } catch (KubernetesClientException e) {
                results.add(new ObjectResult(o, Outcome.FAILED, serverMessage(e)));
            } catch (RuntimeException e) {
                results.add(new ObjectResult(o, Outcome.FAILED, e.getClass().getSimpleName() + ": " + e.getMessage()));
            }
        }
        List<String> pruned = new ArrayList<>();
        List<PruneError> pruneErrors = new ArrayList<>();
        Map<String, InventoryEntry> after = new LinkedHashMap<>();
        // what Git lists stays tracked: applied now, or tracked before (an object that failed now is still nkd's)
        Map<String, Ref> trackedBefore = new HashMap<>();
        before.values().forEach(e -> e.objects().forEach(r -> trackedBefore.put(r.key(), r)));
        for (Map.Entry<String, Boolean> a : addons.entrySet()) {
            List<Ref> refs = new ArrayList<>();
            for (Ref r : nowByAddon.getOrDefault(a.getKey(), List.of())) {
                Ref tracked = applied.containsKey(r.key()) ? applied.get(r.key()) : trackedBefore.get(r.key());
                if (tracked != null) {
                    refs.add(tracked);
                }
            }
            after.put(a.getKey(), new InventoryEntry(a.getValue(), refs));
        }
        // what Git no longer lists: deleted when its add-on prunes (now, or when it was last applied if it is gone), else forgotten
        List<Map.Entry<String, Ref>> gone = new ArrayList<>();
        before.forEach((addon, entry) -> entry.objects().stream().filter(r -> !listed.contains(r.key()))
                .forEach(r -> gone.add(Map.entry(addon, r))));
        gone.sort(Comparator.comparingInt(e -> deleteTier(e.getValue())));
        for (Map.Entry<String, Ref> g : gone) {
            String addon = g.getKey();
            Ref r = g.getValue();
            boolean prune = addons.containsKey(addon) ? addons.get(addon) : before.get(addon).prune();
            if (!prune) {
                continue;
            }
            try {
                delete(r, discovery);
                pruned.add(r.describe() + " (add-on " + addon + ")");
            } catch (KubernetesClientException e) {
                pruneErrors.add(new PruneError(addon, r.describe(), serverMessage(e)));
                // keep it tracked so the next apply tries again
                after.computeIfAbsent(addon, x -> new InventoryEntry(before.get(addon).prune(), new ArrayList<>())).objects().add(r);
            }
        }
        writeInventory(after);
        return new ApplyReport(results, pruned, pruneErrors);
    }

    private void applyOne(ManifestObject o, APIResource resource, Ref ref) {
        ObjectNode body;
        try {
            body = (ObjectNode) JSON.readTree(o.json());
        } catch (IOException e) {
            throw new IllegalArgumentException("not JSON: " + e.getMessage(), e);
        }
        ObjectNode meta = body.withObjectProperty("metadata");
        if (ref.namespace() == null) {
            meta.remove("namespace"); // cluster-scoped: a namespace in the manifest means nothing
        } else {
            meta.put("namespace", ref.namespace());
        }
        GenericKubernetesResource item = client.getKubernetesSerialization().unmarshal(body.toString(), GenericKubernetesResource.class);
        var op = client.genericKubernetesResources(context(o.apiVersion(), resource));
        var target = ref.namespace() == null ? op.resource(item) : op.inNamespace(ref.namespace()).resource(item);
        target.fieldManager(FIELD_MANAGER).forceConflicts().serverSideApply();
    }

    private void delete(Ref r, Discovery discovery) {
        Optional<APIResource> resource = discovery.find(r.apiVersion(), r.kind());
        if (resource.isEmpty()) {
            return; // its kind is not served any more (its CRD went): nothing of it is left to delete
        }
        var op = client.genericKubernetesResources(context(r.apiVersion(), resource.get()));
        (r.namespace() == null ? op.withName(r.name()) : op.inNamespace(r.namespace()).withName(r.name())).delete();
    }

    /** Namespaced objects first, then cluster-scoped ones, Namespaces, and CustomResourceDefinitions last: the reverse of apply. */
    private static int deleteTier(Ref r) {
        return r.kind().equals("CustomResourceDefinition") ? 3 : r.kind().equals("Namespace") ? 2 : r.namespace() == null ? 1 : 0;
    }

    /** A namespaced object without a namespace goes to {@code default}, as kubectl applies it. */
    private static String namespaceOf(ManifestObject o, APIResource resource) {
        boolean namespaced = resource != null ? Boolean.TRUE.equals(resource.getNamespaced())
                : o.namespace() != null && !o.namespace().isEmpty();
        if (!namespaced) {
            return null;
        }
        return o.namespace() == null || o.namespace().isEmpty() ? "default" : o.namespace();
    }

    private static ResourceDefinitionContext context(String apiVersion, APIResource r) {
        int slash = apiVersion.indexOf('/');
        return new ResourceDefinitionContext.Builder()
                .withGroup(slash < 0 ? "" : apiVersion.substring(0, slash))
                .withVersion(slash < 0 ? apiVersion : apiVersion.substring(slash + 1))
                .withKind(r.getKind())
                .withPlural(r.getName())
                .withNamespaced(Boolean.TRUE.equals(r.getNamespaced()))
                .build();
    }

    private static String groupOf(String apiVersion) {
        int slash = apiVersion.indexOf('/');
        return slash < 0 ? "" : apiVersion.substring(0, slash);
    }

    /** group/kind → the name of the CustomResourceDefinition in this apply that defines it. */
    private static Map<String, String> crdsByKind(List<ManifestObject> objects) {
        Map<String, String> out = new HashMap<>();
        for (ManifestObject o : objects) {
            if (o.kind().equals("CustomResourceDefinition")) {
                try {
                    JsonNode spec = JSON.readTree(o.json()).path("spec");
                    out.put(spec.path("group").asText() + "/" + spec.path("names").path("kind").asText(), o.name());
                } catch (IOException e) {
                    // not JSON: its own apply reports it
                }
            }
        }
        return out;
    }

    /** The API server's own words: its Status message, with the HTTP code. */
    static String serverMessage(KubernetesClientException e) {
        String message = e.getStatus() != null && e.getStatus().getMessage() != null ? e.getStatus().getMessage() : e.getMessage();
        return (e.getCode() > 0 ? "HTTP " + e.getCode() + ": " : "") + message;
    }

    /** The API server's discovery, read once per group/version per apply (a CRD applied in this pass may appear later). */
    private final class Discovery {
        private final Map<String, APIResourceList> found = new HashMap<>();

        Optional<APIResource> find(String apiVersion, String kind) {
            APIResourceList list = found.get(apiVersion);
            if (list == null) {
                try {
                    list = client.getApiResources(apiVersion);
                } catch (KubernetesClientException e) {
                    if (e.getCode() != 404) {
                        throw new ClusterApiException("API discovery of " + apiVersion, serverMessage(e), e);
                    }
                }
                if (list == null) {
                    return Optional.empty(); // not cached: the next object of this group/version asks again
                }
                found.put(apiVersion, list);
            }
            return list.getResources().stream().filter(r -> kind.equals(r.getKind()) && !r.getName().contains("/")).findFirst();
        }
    }

    private Map<String, InventoryEntry> readInventory() {
        ConfigMap cm;
        try {
            cm = client.configMaps().inNamespace(inventoryNamespace).withName(inventoryName).get();
        } catch (KubernetesClientException e) {
            throw new ClusterApiException("ConfigMap " + inventoryNamespace + "/" + inventoryName, serverMessage(e), e);
        }
        Map<String, InventoryEntry> out = new LinkedHashMap<>();
        if (cm == null || cm.getData() == null || cm.getData().get(INVENTORY_KEY) == null) {
            return out;
        }
        try {
            JsonNode root = JSON.readTree(cm.getData().get(INVENTORY_KEY));
            root.path("addons").fields().forEachRemaining(a -> {
                List<Ref> refs = new ArrayList<>();
                a.getValue().path("objects").forEach(o -> refs.add(new Ref(o.path("apiVersion").asText(), o.path("kind").asText(),
                        o.hasNonNull("namespace") ? o.path("namespace").asText() : null, o.path("name").asText())));
                out.put(a.getKey(), new InventoryEntry(a.getValue().path("prune").asBoolean(false), refs));
            });
        } catch (IOException e) {
            // a damaged inventory must not make nkd delete anything: treat it as empty (nothing is pruned) and rewrite it
            return new LinkedHashMap<>();
        }
        return out;
    }

    private void writeInventory(Map<String, InventoryEntry> inventory) {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode addons = root.putObject("addons");
        inventory.forEach((name, entry) -> {
            ObjectNode a = addons.putObject(name);
            a.put("prune", entry.prune());
            ArrayNode list = a.putArray("objects");
            for (Ref r : entry.objects()) {
                ObjectNode o = list.addObject();
                o.put("apiVersion", r.apiVersion());
                o.put("kind", r.kind());
                if (r.namespace() != null) {
                    o.put("namespace", r.namespace());
                }
                o.put("name", r.name());
            }
        });
        ConfigMap cm = new ConfigMapBuilder().withNewMetadata().withName(inventoryName).withNamespace(inventoryNamespace)
                .addToLabels("app.kubernetes.io/managed-by", "nkd").endMetadata()
                .addToData(INVENTORY_KEY, root.toString()).build();
        try {
            client.configMaps().inNamespace(inventoryNamespace).resource(cm).fieldManager(FIELD_MANAGER).forceConflicts().serverSideApply();
        } catch (KubernetesClientException e) {
            throw new ClusterApiException("ConfigMap " + inventoryNamespace + "/" + inventoryName, serverMessage(e), e);
        }
    }
}
