package io.nkd.cluster.kube;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.nkd.addons.AddonInput;
import io.nkd.addons.ManifestSet;
import io.nkd.addons.Manifests;
import io.nkd.cluster.Addons;
import io.nkd.cluster.Addons.Outcome;
import io.nkd.testkit.KubeApiServerExtension;
import io.nkd.testkit.KubeFixtures;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Server-side apply of add-ons against the real kube-apiserver. Each test applies into its own namespace (created by
 * its own manifests) with its own inventory ConfigMap, and deletes what it made.
 */
@ExtendWith(KubeApiServerExtension.class)
class KubeAddonsTest {
    KubernetesClient client;
    KubeFixtures kube;

    private String ns;
    private KubeAddons addons;
    private final List<String> crds = new ArrayList<>();

    private static int counter;

    @BeforeEach
    void setUp() {
        // a namespace of its own per test: the previous test's is still terminating
        int n = ++counter;
        ns = kube.uniqueName("a" + n);
        addons = new KubeAddons(client, kube.namespace(), "inventory-" + n);
    }

    @AfterEach
    void cleanUp() {
        client.namespaces().withName(ns).withGracePeriod(0).delete();
        crds.forEach(c -> client.apiextensions().v1().customResourceDefinitions().withName(c).delete());
    }

    /** The objects of the add-ons as the daemon hands them over: read, checked and ordered by io.nkd.addons. */
    private static List<Addons.ManifestObject> objects(ManifestSet set) {
        assertTrue(set.ok(), set.report().toString());
        return set.objects().stream().map(o -> new Addons.ManifestObject(o.addon(), o.file(), o.line(), o.apiVersion(), o.kind(),
                o.namespace(), o.name(), o.json())).toList();
    }

    private static AddonInput addon(String name, boolean prune, String... fileAndText) {
        Map<String, byte[]> files = new LinkedHashMap<>();
        for (int i = 0; i < fileAndText.length; i += 2) {
            files.put(fileAndText[i], fileAndText[i + 1].getBytes(StandardCharsets.UTF_8));
        }
        return new AddonInput(name, prune, files);
    }

    private Addons.ApplyReport apply(AddonInput... inputs) {
        ManifestSet set = Manifests.read(List.of(inputs));
        return addons.apply(objects(set), set.pruneFlags());
    }

    private String namespace() {
        return "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: " + ns + "\n";
    }

    private String configMap(String name, String value) {
        return "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: " + name + "\n  namespace: " + ns + "\ndata:\n  k: \"" + value + "\"\n";
    }

    private static Map<String, Outcome> outcomes(Addons.ApplyReport report) {
        return report.results().stream().collect(Collectors.toMap(r -> r.object().describe(), Addons.ObjectResult::outcome,
                (a, b) -> a, LinkedHashMap::new));
    }

    @Test
    void aCustomResourceWaitsForItsDefinitionThenApplies() throws InterruptedException {
        String group = kube.uniqueName("g") + ".example.com";
        String crd = "widgets." + group;
        crds.add(crd);
        String manifests = namespace() + "---\n"
                + "apiVersion: " + group + "/v1\nkind: Widget\nmetadata: {name: w1, namespace: " + ns + "}\nspec: {size: 3}\n---\n"
                + "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: " + crd + "}\n"
                + "spec:\n  group: " + group + "\n  scope: Namespaced\n  names: {kind: Widget, plural: widgets, singular: widget}\n"
                + "  versions:\n    - name: v1\n      served: true\n      storage: true\n"
                + "      schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}\n";
        Addons.ApplyReport report = apply(addon("widgets", false, "m/widgets.yaml", manifests));
        assertEquals(List.of("CustomResourceDefinition " + crd, "Namespace " + ns, "Widget " + ns + "/w1"),
                new ArrayList<>(outcomes(report).keySet()), "the definition first, then the namespace, then the resource");
        assertEquals(Outcome.APPLIED, outcomes(report).get("CustomResourceDefinition " + crd));
        int passes = 1;
        // the API server serves a new kind once its definition is established: within a second on this server
        while (outcomes(report).get("Widget " + ns + "/w1") != Outcome.APPLIED && passes < 20) {
            Addons.ObjectResult widget = report.results().get(2);
            assertEquals(Outcome.WAITING, widget.outcome(), widget.message());
            assertTrue(widget.message().startsWith("waiting for CustomResourceDefinition " + crd + " to be established"), widget.message());
            Thread.sleep(250);
            report = apply(addon("widgets", false, "m/widgets.yaml", manifests));
            passes++;
        }
        assertEquals(Outcome.APPLIED, outcomes(report).get("Widget " + ns + "/w1"), "applied by pass " + passes);
        var w = client.genericKubernetesResources(group + "/v1", "Widget").inNamespace(ns).withName("w1").get();
        assertEquals(3, ((Number) ((Map<?, ?>) w.getAdditionalProperties().get("spec")).get("size")).intValue());
        assertEquals("nkd", w.getMetadata().getManagedFields().get(0).getManager());
    }

    @Test
    void anInvalidObjectFailsWithTheApiServersMessageAndTheOthersStillApply() {
        String service = "apiVersion: v1\nkind: Service\nmetadata: {name: bad, namespace: " + ns + "}\n"
                + "spec:\n  ports: [{port: 99999, protocol: TCP}]\n";
        String unknownKind = "apiVersion: nothing.example.com/v1\nkind: Gadget\nmetadata: {name: g, namespace: " + ns + "}\n";
        Addons.ApplyReport report = apply(addon("app", false, "m/a.yaml", namespace() + "---\n" + service + "---\n" + unknownKind
                + "---\n" + configMap("after", "1")));
        Map<String, Outcome> outcomes = outcomes(report);
        assertEquals(Outcome.FAILED, outcomes.get("Service " + ns + "/bad"));
        assertEquals(Outcome.FAILED, outcomes.get("Gadget " + ns + "/g"));
        assertEquals(Outcome.APPLIED, outcomes.get("ConfigMap " + ns + "/after"), "one error does not hide the others");
        String message = report.results().stream().filter(r -> r.object().kind().equals("Service")).findFirst().orElseThrow().message();
        assertTrue(message.startsWith("HTTP 422: ") && message.contains("spec.ports[0].port"), message);
        String gadget = report.results().stream().filter(r -> r.object().kind().equals("Gadget")).findFirst().orElseThrow().message();
        assertTrue(gadget.contains("does not serve kind Gadget in nothing.example.com/v1"), gadget);
        assertNotNull(client.configMaps().inNamespace(ns).withName("after").get());
    }

    /**
     * nkd's own Housekeeper add-on, applied the way the daemon applies it. The server is shared, so it goes to this
     * test's namespace instead of housekeeper-system, and the cluster-scoped objects and the Roles in kube-system and
     * default get this test's suffix (as ManifestsOnServerTest does); the CRD is the shared one, applied as it is.
     */
    @Test
    void theHousekeeperAddonIsAcceptedByTheApiServer() {
        ManifestSet set = Manifests.read(List.of(io.nkd.addons.HousekeeperAddon.input(null, null)));
        String suffix = "-" + ns;
        List<Addons.ManifestObject> objects = new ArrayList<>();
        List<String[]> renamed = new ArrayList<>();
        for (io.nkd.addons.ManifestObject o : set.objects()) {
            var json = o.object().deepCopy();
            var meta = json.with("metadata");
            String namespace = o.namespace();
            String name = o.name();
            if (o.kind().equals("Namespace")) {
                name = ns;
            } else if ("housekeeper-system".equals(namespace)) {
                namespace = ns;
            } else if (namespace != null || o.kind().startsWith("Cluster")) {
                name = name + suffix; // a Role in kube-system or default, a ClusterRole(Binding): shared names
                renamed.add(new String[] {o.apiVersion(), o.kind(), namespace, name});
            }
            meta.put("name", name);
            if (namespace != null) {
                meta.put("namespace", namespace);
            }
            if (json.has("subjects")) {
                json.withArray("subjects").forEach(subject -> ((com.fasterxml.jackson.databind.node.ObjectNode) subject).put("namespace", ns));
            }
            if (json.has("roleRef") && json.get("roleRef").path("kind").asText().equals("ClusterRole")) {
                json.with("roleRef").put("name", json.get("roleRef").path("name").asText() + suffix);
            } else if (json.has("roleRef") && namespace != null && !namespace.equals(ns)) {
                json.with("roleRef").put("name", json.get("roleRef").path("name").asText() + suffix);
            }
            objects.add(new Addons.ManifestObject(o.addon(), o.file(), o.line(), o.apiVersion(), o.kind(), namespace, name, json.toString()));
        }
        try {
            Addons.ApplyReport report = addons.apply(objects, set.pruneFlags());
            assertEquals(List.of(), report.results().stream().filter(r -> !r.applied()).map(r -> r.object().describe() + ": " + r.message()).toList());
            var operator = client.apps().deployments().inNamespace(ns).withName("housekeeper-operator").get();
            assertEquals(io.nkd.addons.HousekeeperAddon.defaultImage(), operator.getSpec().getTemplate().getSpec().getContainers().get(0).getImage());
            assertEquals(io.nkd.addons.HousekeeperAddon.nkdVersion(), operator.getMetadata().getLabels().get("app.kubernetes.io/version"));
        } finally {
            for (String[] r : renamed) {
                var op = client.genericKubernetesResources(r[0], r[1]);
                (r[2] == null ? op.withName(r[3]) : op.inNamespace(r[2]).withName(r[3])).delete();
            }
        }
    }

    @Test
    void aSecondApplyOfTheSameSetChangesNothing() {
        AddonInput input = addon("app", false, "m/a.yaml", namespace() + "---\n" + configMap("one", "1") + "---\n" + configMap("two", "2"));
        apply(input);
        Map<String, String> versions = client.configMaps().inNamespace(ns).list().getItems().stream()
                .collect(Collectors.toMap(c -> c.getMetadata().getName(), c -> c.getMetadata().getResourceVersion()));
        Addons.ApplyReport again = apply(input);
        assertTrue(again.results().stream().allMatch(Addons.ObjectResult::applied));
        assertEquals(versions, client.configMaps().inNamespace(ns).list().getItems().stream()
                        .collect(Collectors.toMap(c -> c.getMetadata().getName(), c -> c.getMetadata().getResourceVersion())),
                "the API server kept every object as it was: server-side apply of the same fields is a no-op");
        assertEquals(List.of(), again.pruned());
    }

    @Test
    void gitWinsConflictsWithOtherFieldManagers() {
        AddonInput input = addon("app", false, "m/a.yaml", namespace() + "---\n" + configMap("c", "from-git"));
        apply(input);
        client.configMaps().inNamespace(ns).resource(new ConfigMapBuilder().withNewMetadata().withName("c").withNamespace(ns).endMetadata()
                .addToData("k", "edited by hand").build()).fieldManager("kubectl").forceConflicts().serverSideApply();
        Addons.ApplyReport report = apply(input);
        assertTrue(report.results().stream().allMatch(Addons.ObjectResult::applied), report.toString());
        assertEquals("from-git", client.configMaps().inNamespace(ns).withName("c").get().getData().get("k"));
    }

    @Test
    void pruningDeletesOnlyWhatNkdAppliedAndOnlyWhenOn() {
        apply(addon("base", false, "m/ns.yaml", namespace()),
                addon("kept", false, "m/kept.yaml", configMap("kept-1", "1") + "---\n" + configMap("kept-2", "2")),
                addon("pruned", true, "m/pruned.yaml", configMap("pruned-1", "1") + "---\n" + configMap("pruned-2", "2")),
                addon("gone", true, "m/gone.yaml", configMap("gone-1", "1")));
        ConfigMap foreign = client.configMaps().inNamespace(ns).resource(new ConfigMapBuilder().withNewMetadata().withName("foreign")
                .withNamespace(ns).endMetadata().build()).create();
        assertNotNull(foreign);

        // kept-2 and pruned-2 leave their add-ons; the add-on "gone" leaves spec.addons
        Addons.ApplyReport report = apply(addon("base", false, "m/ns.yaml", namespace()),
                addon("kept", false, "m/kept.yaml", configMap("kept-1", "1")),
                addon("pruned", true, "m/pruned.yaml", configMap("pruned-1", "1")));
        assertEquals(List.of("ConfigMap " + ns + "/pruned-2 (add-on pruned)", "ConfigMap " + ns + "/gone-1 (add-on gone)"), report.pruned());
        assertEquals(List.of(), report.pruneErrors());
        assertNotNull(client.configMaps().inNamespace(ns).withName("kept-2").get(), "prune is off for add-on kept: left running");
        assertNull(client.configMaps().inNamespace(ns).withName("pruned-2").get());
        assertNull(client.configMaps().inNamespace(ns).withName("gone-1").get(), "its add-on had prune: true when last applied");
        assertNotNull(client.configMaps().inNamespace(ns).withName("foreign").get(), "nkd never applied it, so never deletes it");

        // turning prune on for "kept" later does not delete kept-2: once left out with prune off, nkd forgot it
        Addons.ApplyReport later = apply(addon("base", false, "m/ns.yaml", namespace()),
                addon("kept", true, "m/kept.yaml", configMap("kept-1", "1")));
        assertEquals(List.of("ConfigMap " + ns + "/pruned-1 (add-on pruned)"), later.pruned(),
                "the add-on pruned left with prune: true, so its last object goes too");
        assertNotNull(client.configMaps().inNamespace(ns).withName("kept-2").get());
    }
}
