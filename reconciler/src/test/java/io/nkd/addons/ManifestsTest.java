package io.nkd.addons;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nkd.report.Entry;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ManifestsTest {
    private static final String CRD = """
            apiVersion: apiextensions.k8s.io/v1
            kind: CustomResourceDefinition
            metadata:
              name: widgets.example.com
            spec:
              group: example.com
              scope: Cluster
              names: {kind: Widget, plural: widgets}
            """;

    private static AddonInput addon(String name, String... fileAndText) {
        Map<String, byte[]> files = new LinkedHashMap<>();
        for (int i = 0; i < fileAndText.length; i += 2) {
            files.put(fileAndText[i], fileAndText[i + 1].getBytes(StandardCharsets.UTF_8));
        }
        return new AddonInput(name, false, files);
    }

    private static List<String> errors(ManifestSet set) {
        return set.report().entries().stream().filter(Entry::isError).map(Entry::toString).toList();
    }

    @Test
    void multiDocumentFilesAreSplitAndOrderedCrdsNamespacesClusterScopedThenTheRest() {
        ManifestSet set = Manifests.read(List.of(
                addon("app", "m/app.yaml", """
                        # leading comment
                        apiVersion: apps/v1
                        kind: Deployment
                        metadata: {name: web, namespace: shop}
                        spec: {replicas: 2, paused: false}
                        ---
                        ---
                        apiVersion: v1
                        kind: Namespace
                        metadata:
                          name: shop
                        """),
                addon("crds", "m/widget.yaml", CRD + "---\napiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w1}\n"
                        + "---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: reader}\n")));
        assertEquals(List.of(), errors(set));
        assertEquals(List.of("CustomResourceDefinition widgets.example.com", "Namespace shop", "Widget w1", "ClusterRole reader",
                "Deployment shop/web"), set.objects().stream().map(ManifestObject::describe).toList(),
                "CRDs, then Namespaces, then cluster-scoped (a Widget is, by its CRD), then the rest; Git order within");
        ManifestObject web = set.objects().get(4);
        assertEquals("m/app.yaml:2", web.where(), "the document's first line, after the comment");
        assertEquals(2, web.object().path("spec").path("replicas").asInt());
        assertTrue(web.object().path("spec").path("paused").isBoolean(), "YAML types survive: " + web.json());
        assertEquals("m/app.yaml:8", set.objects().get(1).where(), "the empty document between is skipped, lines stay true");
        assertEquals(List.of(2, 3), set.addons().stream().map(ManifestSet.Addon::objects).toList());
    }

    @Test
    void missingFieldsAndBrokenYamlAreLocatedErrors() {
        ManifestSet set = Manifests.read(List.of(addon("a",
                "m/bad.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  labels: {a: b}\n---\nkind: Secret\nmetadata: {name: s}\n",
                "m/broken.yaml", "apiVersion: v1\nkind: [unclosed\n",
                "m/scalar.yaml", "just text\n",
                "m/gen.yaml", "apiVersion: v1\nkind: Pod\nmetadata:\n  generateName: web-\n")));
        List<String> errors = errors(set);
        assertTrue(errors.contains("m/bad.yaml:4:3: error: metadata.name is required in every manifest object (at $.metadata.name)"),
                errors.toString());
        assertTrue(errors.stream().anyMatch(e -> e.startsWith("m/bad.yaml:6:1: error: apiVersion is required")), errors.toString());
        assertTrue(errors.stream().anyMatch(e -> e.matches("m/broken\\.yaml:\\d+:\\d+: error: invalid YAML: .*")), errors.toString());
        assertTrue(errors.stream().anyMatch(e -> e.startsWith("m/scalar.yaml:1:1: error: this document is not a Kubernetes object")), errors.toString());
        assertTrue(errors.stream().anyMatch(e -> e.startsWith("m/gen.yaml:4:17: error: metadata.generateName is not enough")), errors.toString());
        assertFalse(set.ok());
        assertEquals(List.of(), set.objects());
    }

    @Test
    void aYamlBombIsALocatedErrorNotAnExhaustedHeap() {
        StringBuilder bomb = new StringBuilder("# billion laughs\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: bomb, namespace: x}\n"
                + "data:\n  l0: &l0 [lol, lol]\n");
        for (int i = 1; i < 45; i++) {
            bomb.append("  l").append(i).append(": &l").append(i).append(" [*l").append(i - 1).append(", *l").append(i - 1).append("]\n");
        }
        String shared = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: fine, namespace: x, labels: &l {a: b}, annotations: *l}\n";
        ManifestSet set = Manifests.read(List.of(addon("a", "m/bomb.yaml", bomb.toString(), "m/fine.yaml", shared)));
        assertEquals(List.of("m/bomb.yaml:2:1: error: this document expands to more than 100000 values through YAML aliases (*name):"
                + " write the object out without aliases"), errors(set));
        assertEquals(List.of("ConfigMap x/fine"), set.objects().stream().map(ManifestObject::describe).toList(),
                "a few aliases are YAML like any other: " + set.objects());
        assertEquals("b", set.objects().get(0).object().path("metadata").path("annotations").path("a").asText());
    }

    @Test
    void anObjectDefinedTwiceNamesBothPlaces() {
        String cm = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: x}\n";
        ManifestSet set = Manifests.read(List.of(addon("one", "m/a.yaml", cm), addon("two", "m/b.yaml", "# c\n" + cm)));
        assertEquals(List.of("m/b.yaml:2:1: error: ConfigMap x/c (v1) is already defined at m/a.yaml:1 (add-on one); each object may be"
                + " defined once: remove one of them"), errors(set));
    }

    @Test
    void theDigestFollowsObjectsNotFormatting() {
        String a = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {k: v}\n";
        String b = "# reformatted\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  k: \"v\"\n";
        String changed = a.replace("k: v", "k: w");
        String digest = Manifests.read(List.of(addon("x", "f.yaml", a))).digest();
        assertEquals(digest, Manifests.read(List.of(addon("x", "f.yaml", b))).digest());
        assertNotEquals(digest, Manifests.read(List.of(addon("x", "f.yaml", changed))).digest());
        assertNotEquals(digest, Manifests.read(List.of(new AddonInput("x", true, Map.of("f.yaml", a.getBytes(StandardCharsets.UTF_8))))).digest(),
                "turning prune on is a change to apply");
    }

    @Test
    void theHousekeeperAddonCarriesTheImagesAndNkdsVersion() {
        ManifestSet set = Manifests.read(List.of(HousekeeperAddon.input("reg.example/hk-op:1.2", null)));
        assertEquals(List.of(), errors(set));
        assertEquals("CustomResourceDefinition updates.housekeeper.io", set.objects().get(0).describe());
        assertEquals("Namespace housekeeper-system", set.objects().get(1).describe());
        ManifestObject operator = set.objects().stream().filter(o -> o.kind().equals("Deployment")).findFirst().orElseThrow();
        ManifestObject agent = set.objects().stream().filter(o -> o.kind().equals("DaemonSet")).findFirst().orElseThrow();
        assertEquals("reg.example/hk-op:1.2", operator.object().at("/spec/template/spec/containers/0/image").asText());
        assertEquals(HousekeeperAddon.defaultImage(), agent.object().at("/spec/template/spec/containers/0/image").asText());
        assertEquals("nkd-housekeeper:" + HousekeeperAddon.nkdVersion(), HousekeeperAddon.defaultImage());
        assertTrue(set.objects().stream().allMatch(o -> HousekeeperAddon.nkdVersion().equals(
                o.object().at("/metadata/labels").path(HousekeeperAddon.VERSION_LABEL).asText())), "every object names nkd's version");
    }
}
