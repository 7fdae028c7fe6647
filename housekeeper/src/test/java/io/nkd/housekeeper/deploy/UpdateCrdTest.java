package io.nkd.housekeeper.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.http.HttpClient;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.HttpResponse;
import io.nkd.housekeeper.api.RolloutPhase;
import io.nkd.housekeeper.api.Update;
import io.nkd.housekeeper.api.UpdateSpec;
import io.nkd.housekeeper.api.UpdateStatus;
import io.nkd.housekeeper.testing.Crds;
import io.nkd.testkit.KubeApiServerExtension;
import io.nkd.testkit.KubeFixtures;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * nkd's Update CRD (generated from the Java types) on the real API server: it installs, its schema refuses what the
 * operator could not read with a 422 that names the field, it accepts everything upstream's CRD accepts (an Update
 * with only the four upstream fields, maxUnavailable 0) without adding anything, its status is the operator's alone,
 * and {@code kubectl get updates} shows the rollout in its columns.
 */
@ExtendWith(KubeApiServerExtension.class)
class UpdateCrdTest {
    private static final String IMAGE = "registry.example/nestos/nestos:24.03";
    private static final ResourceDefinitionContext UPDATES = new ResourceDefinitionContext.Builder()
            .withGroup(Update.GROUP).withVersion(Update.VERSION).withKind("Update").withPlural("updates")
            .withNamespaced(true).build();

    private static KubernetesClient client;
    private static KubeFixtures kube;

    @BeforeAll
    static void installCrd(KubernetesClient c, KubeFixtures k) {
        client = c;
        kube = k;
        Crds.installUpdateCrd(client);
    }

    private static GenericKubernetesResource raw(String name, Map<String, Object> spec) {
        return new GenericKubernetesResourceBuilder().withApiVersion(Update.GROUP + "/" + Update.VERSION)
                .withKind("Update").withNewMetadata().withName(name).withNamespace(kube.namespace()).endMetadata()
                .addToAdditionalProperties("spec", spec).build();
    }

    private static GenericKubernetesResource createRaw(GenericKubernetesResource r) {
        return client.genericKubernetesResources(UPDATES).inNamespace(kube.namespace()).resource(r).create();
    }

    private static Map<String, Object> upstreamSpec() {
        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put("osImageURL", IMAGE);
        spec.put("kubeVersion", "v1.29.3");
        spec.put("evictPodForce", false);
        spec.put("maxUnavailable", 2);
        return spec;
    }

    @Test
    void aWrongTypeIsRefusedNamingTheField() {
        Map<String, Object> spec = upstreamSpec();
        spec.put("maxUnavailable", "two");
        KubernetesClientException e = assertThrows(KubernetesClientException.class, () -> createRaw(raw("two", spec)));
        assertEquals(422, e.getCode());
        assertTrue(e.getMessage().contains("spec.maxUnavailable"), e.getMessage());
        assertTrue(e.getStatus().getDetails().getCauses().stream().anyMatch(c -> "spec.maxUnavailable".equals(c.getField())),
                "the 422's causes name spec.maxUnavailable: " + e.getStatus().getDetails().getCauses());
    }

    @Test
    void aDrainTimeoutTheOperatorCannotReadIsRefused() {
        for (String bad : List.of("10 minutes", "1.5h", "10", "1d")) {
            Map<String, Object> spec = upstreamSpec();
            spec.put("drainTimeout", bad);
            KubernetesClientException e = assertThrows(KubernetesClientException.class,
                    () -> createRaw(raw("bad-drain", spec)), "drainTimeout " + bad);
            assertEquals(422, e.getCode());
            assertTrue(e.getMessage().contains("spec.drainTimeout"), e.getMessage());
        }
        Map<String, Object> spec = upstreamSpec();
        spec.put("drainTimeout", "1h30m");
        Update stored = client.getKubernetesSerialization().convertValue(createRaw(raw("good-drain", spec)), Update.class);
        assertEquals(Duration.ofMinutes(90), stored.getSpec().drainTimeoutOrDefault());
    }

    /** What the NestOS Housekeeper's users write, nothing more: accepted, and read back unchanged (no defaults). */
    @Test
    void anUpstreamUpdateIsAcceptedAndRoundTrips() {
        Update u = new Update();
        u.setMetadata(new ObjectMetaBuilder().withName("upstream-only").withNamespace(kube.namespace()).build());
        u.setSpec(UpdateSpec.upstream(IMAGE, "v1.29.3", true, 3));
        client.resources(Update.class).inNamespace(kube.namespace()).resource(u).create();
        Update back = client.resources(Update.class).inNamespace(kube.namespace()).withName("upstream-only").get();
        assertEquals(u.getSpec(), back.getSpec());
        GenericKubernetesResource asStored = client.genericKubernetesResources(UPDATES).inNamespace(kube.namespace())
                .withName("upstream-only").get();
        @SuppressWarnings("unchecked")
        Map<String, Object> spec = (Map<String, Object>) asStored.getAdditionalProperties().get("spec");
        assertEquals(List.of("evictPodForce", "kubeVersion", "maxUnavailable", "osImageURL"),
                spec.keySet().stream().sorted().toList(), "the server adds nothing to an upstream spec: " + spec);
    }

    /** Upstream's CRD has no minimum: 0 and negative values stay valid here too (the operator counts them as 1). */
    @Test
    void maxUnavailableHasNoMinimum() {
        for (int value : new int[] {0, -1}) {
            Map<String, Object> spec = upstreamSpec();
            spec.put("maxUnavailable", value);
            Update stored = client.getKubernetesSerialization().convertValue(
                    createRaw(raw("max-" + (value < 0 ? "neg" : value), spec)), Update.class);
            assertEquals(1, stored.getSpec().workerBudget());
        }
    }

    @Test
    void theStatusIsWrittenOnlyThroughItsSubresourceAndShowsInKubectlGet() throws Exception {
        UpdateStatus status = new UpdateStatus(RolloutPhase.PROGRESSING, 1L, "3f1c2ab", 3, 2, 5, 1, List.of(),
                List.of(), "2026-12-06T08:00:00Z", null);
        Update u = new Update();
        u.setMetadata(new ObjectMetaBuilder().withName("rolling").withNamespace(kube.namespace()).build());
        u.setSpec(new UpdateSpec(IMAGE, "v1.29.3", false, 2, "10m", false, "3f1c2ab"));
        u.setStatus(status);
        Update created = client.resources(Update.class).inNamespace(kube.namespace()).resource(u).create();
        assertNull(created.getStatus(), "a status sent with the object is dropped: only the operator writes it");

        created.setStatus(status);
        client.resources(Update.class).inNamespace(kube.namespace()).resource(created).updateStatus();
        assertEquals(status, client.resources(Update.class).inNamespace(kube.namespace()).withName("rolling").get()
                .getStatus());

        // what `kubectl get updates` prints: the server's table for this resource
        JsonNode table = table("apis/" + Update.GROUP + "/" + Update.VERSION + "/namespaces/" + kube.namespace()
                + "/updates/rolling");
        List<String> columns = new ArrayList<>();
        List<String> wide = new ArrayList<>();
        for (JsonNode c : table.get("columnDefinitions")) {
            (c.path("priority").asInt(0) == 0 ? columns : wide).add(c.get("name").asText());
        }
        JsonNode cells = table.get("rows").get(0).get("cells");
        Map<String, String> row = new LinkedHashMap<>();
        int i = 0;
        for (JsonNode c : table.get("columnDefinitions")) {
            row.put(c.get("name").asText(), cells.get(i++).asText());
        }
        assertTrue(columns.containsAll(List.of("Name", "Phase", "Updated", "Updating", "Pending", "Failed", "Revision",
                "Age")), "kubectl get updates columns: " + columns);
        assertTrue(wide.containsAll(List.of("OS-Image", "Kubernetes", "Max-Unavailable", "Paused")),
                "kubectl get updates -o wide adds: " + wide);
        assertEquals("Progressing", row.get("Phase"), row.toString());
        assertEquals("3", row.get("Updated"), row.toString());
        assertEquals("2", row.get("Updating"), row.toString());
        assertEquals("5", row.get("Pending"), row.toString());
        assertEquals("1", row.get("Failed"), row.toString());
        assertEquals("3f1c2ab", row.get("Revision"), row.toString());
        assertEquals(IMAGE, row.get("OS-Image"), row.toString());
    }

    /** The example of docs/housekeeper.md is accepted, and the operator can read every field of it. */
    @Test
    void theDocumentedExampleIsValid() {
        String doc = RepoFiles.read("docs/housekeeper.md");
        Matcher m = Pattern.compile("```yaml\n(apiVersion: housekeeper\\.io/v1alpha1\n"
                + "kind: Update\n.*?)```", Pattern.DOTALL).matcher(doc);
        assertTrue(m.find(), "docs/housekeeper.md has an Update example in a yaml block");
        Update example = client.getKubernetesSerialization().unmarshal(m.group(1), Update.class);
        example.getMetadata().setNamespace(kube.namespace());
        Update stored = client.resources(Update.class).inNamespace(kube.namespace()).resource(example).create();
        assertEquals(example.getSpec(), stored.getSpec());
        assertTrue(stored.getSpec().osImage().isPresent() && stored.getSpec().kube().isPresent());
        assertEquals(Duration.ofMinutes(15), stored.getSpec().drainTimeoutOrDefault());
    }

    /** GET {@code path} as a meta.k8s.io Table, the form kubectl asks for. */
    private static JsonNode table(String path) throws Exception {
        HttpClient http = client.getHttpClient();
        HttpRequest request = http.newHttpRequestBuilder().uri(client.getMasterUrl().toURI().resolve(path))
                .header("Accept", "application/json;as=Table;v=v1;g=meta.k8s.io").build();
        HttpResponse<String> response = http.sendAsync(request, String.class).get(30, TimeUnit.SECONDS);
        assertEquals(200, response.code(), response.body());
        return new ObjectMapper().readTree(response.body());
    }
}
