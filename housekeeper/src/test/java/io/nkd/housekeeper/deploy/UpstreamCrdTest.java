package io.nkd.housekeeper.deploy;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.nkd.housekeeper.api.Update;
import io.nkd.housekeeper.api.Updates;
import io.nkd.testkit.KubeApiServerExtension;
import io.nkd.testkit.KubeFixtures;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every Update nkd writes ({@link Updates}) is valid against the NestOS Housekeeper's own CRD, checked by a real API
 * server applying upstream's schema, so that nkd can drive an existing upstream Housekeeper.
 *
 * <p>Why a renamed group: a CRD's name is {@code <plural>.<group>}, one per server, and the server all tests share
 * has nkd's {@code updates.housekeeper.io} installed for the other tests. So upstream's file is installed as
 * {@code updates.<unique>.upstream.housekeeper.test} (only the group changes: same kind, version, schema) and the
 * objects are created there with that apiVersion. The schema, which is what is tested, is upstream's byte for byte.
 */
@ExtendWith(KubeApiServerExtension.class)
class UpstreamCrdTest {
    private static final String IMAGE = "registry.example/nestos/nestos:24.03@sha256:" + "cd".repeat(32);

    private static KubernetesClient client;
    private static KubeFixtures kube;
    private static String group;
    private static ResourceDefinitionContext upstream;

    @BeforeAll
    static void installUpstreamCrdUnderItsOwnGroup(KubernetesClient c, KubeFixtures k) throws IOException {
        client = c;
        kube = k;
        String yaml = Files.readString(UpstreamFiles.crd());
        assertTrue(yaml.contains("group: housekeeper.io") && yaml.contains("name: updates.housekeeper.io"),
                "upstream's CRD names its group housekeeper.io in these two places; the rename below relies on it");
        group = kube.namespace() + ".upstream.housekeeper.test";
        CustomResourceDefinition crd = client.getKubernetesSerialization().unmarshal(
                yaml.replace("housekeeper.io", group), CustomResourceDefinition.class);
        crd.getMetadata().setCreationTimestamp(null);
        client.apiextensions().v1().customResourceDefinitions().resource(crd).create();
        client.apiextensions().v1().customResourceDefinitions().withName(crd.getMetadata().getName())
                .waitUntilCondition(x -> x != null && x.getStatus() != null && x.getStatus().getConditions() != null
                        && x.getStatus().getConditions().stream()
                        .anyMatch(cond -> "Established".equals(cond.getType()) && "True".equals(cond.getStatus())),
                        60, TimeUnit.SECONDS);
        upstream = new ResourceDefinitionContext.Builder().withGroup(group).withVersion("v1alpha1").withKind("Update")
                .withPlural("updates").withNamespaced(true).build();
    }

    @AfterAll
    static void deleteUpstreamCrd() {
        if (group != null) {
            client.apiextensions().v1().customResourceDefinitions().withName("updates." + group).delete();
        }
    }

    /** What nkd writes, as the object an upstream server would receive (only the apiVersion differs, see above). */
    private static GenericKubernetesResource asUpstream(Update u, String name) {
        GenericKubernetesResource r = client.getKubernetesSerialization().convertValue(u, GenericKubernetesResource.class);
        r.setApiVersion(group + "/v1alpha1");
        r.getMetadata().setName(name);
        r.getMetadata().setNamespace(kube.namespace());
        return r;
    }

    private static GenericKubernetesResource create(GenericKubernetesResource r) {
        return client.genericKubernetesResources(upstream).inNamespace(kube.namespace()).resource(r).create();
    }

    @Test
    void everyUpdateNkdWritesIsValidUpstreamAndKeepsTheFourFields() {
        Map<String, Updates.Target> cases = new LinkedHashMap<>();
        cases.put("every-field", new Updates.Target(IMAGE, "v1.29.3", 50, true, Duration.ofMinutes(30), "3f1c2ab"));
        cases.put("upstream-fields-only", new Updates.Target(IMAGE, "v1.29.3", 1, false, null, null));
        cases.put("version-without-v", new Updates.Target(IMAGE, "1.30.0", 3, false, Duration.ofSeconds(90), null));
        cases.put("tag-only-image", new Updates.Target("registry.example/nestos/nestos:24.09", "v1.30.1", 10, false,
                null, "9e8d7c6"));
        cases.put("registry-with-port", new Updates.Target("registry.example:5000/os/nestos:24.09@sha256:"
                + "ef".repeat(32), "v1.30.1", 1000, true, Duration.ofHours(2), "9e8d7c6"));
        for (Map.Entry<String, Updates.Target> e : cases.entrySet()) {
            Update written = Updates.forCluster("prod", e.getValue());
            GenericKubernetesResource stored = create(asUpstream(written, e.getKey()));
            @SuppressWarnings("unchecked")
            Map<String, Object> spec = (Map<String, Object>) stored.getAdditionalProperties().get("spec");
            String what = e.getKey() + " as stored by upstream's CRD: " + spec;
            assertEquals(written.getSpec().osImageURL(), spec.get("osImageURL"), what);
            assertEquals(written.getSpec().kubeVersion(), spec.get("kubeVersion"), what);
            assertEquals(written.getSpec().evictPodForce(), spec.get("evictPodForce"), what);
            assertEquals(written.getSpec().maxUnavailable(), spec.get("maxUnavailable"), what);
            // upstream's schema has no drainTimeout or revision: the server drops them (pruning), it does not refuse
            assertEquals(List.of("evictPodForce", "kubeVersion", "maxUnavailable", "osImageURL"),
                    spec.keySet().stream().sorted().toList(), what);
            if (e.getValue().revision() != null) {
                assertEquals(e.getValue().revision(), stored.getMetadata().getAnnotations().get(Updates.REVISION_ANNOTATION),
                        "the revision survives upstream as an annotation");
            }
        }
    }

    /** The test above means something only if upstream's schema is enforced: an object missing a field is refused. */
    @Test
    void upstreamRefusesAnUpdateWithoutItsRequiredFields() {
        GenericKubernetesResource missingKube = new GenericKubernetesResourceBuilder()
                .withApiVersion(group + "/v1alpha1").withKind("Update")
                .withNewMetadata().withName("no-kube-version").withNamespace(kube.namespace()).endMetadata()
                .addToAdditionalProperties("spec", Map.of("osImageURL", IMAGE, "evictPodForce", false, "maxUnavailable", 2))
                .build();
        KubernetesClientException e = assertThrows(KubernetesClientException.class, () -> create(missingKube));
        assertEquals(422, e.getCode());
        assertTrue(e.getMessage().contains("spec.kubeVersion"), e.getMessage());
    }

    @Test
    void nkdsOwnCrdAcceptsTheSameUpdates() {
        // the superset side of the same table: what nkd writes goes into nkd's CRD with every field kept
        io.nkd.housekeeper.testing.Crds.installUpdateCrd(client);
        Update written = Updates.forCluster("prod", new Updates.Target(IMAGE, "v1.29.3", 5, false,
                Duration.ofMinutes(15), "3f1c2ab"));
        written.getMetadata().setNamespace(kube.namespace());
        Update stored = client.resources(Update.class).inNamespace(kube.namespace()).resource(written).create();
        assertEquals(written.getSpec(), stored.getSpec());
        assertFalse(stored.getMetadata().getUid().isEmpty());
    }
}
