package io.nkd.housekeeper.deploy;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.nkd.housekeeper.api.GoDuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * nkd's CRD (templates/housekeeper, generated from the Java types) is a compatible superset of the NestOS
 * Housekeeper's: the same names and version, every upstream spec field with the same type and no constraint upstream
 * does not have, and nothing required that upstream does not require. This is the static half; UpstreamCrdIT
 * checks the same with real objects on the API server.
 */
class CrdCompatibilityTest {
    private static final KubernetesSerialization YAML = new KubernetesSerialization();

    private static CustomResourceDefinition ours() {
        return YAML.unmarshal(RepoFiles.read(RepoFiles.CRD_TEMPLATE), CustomResourceDefinition.class);
    }

    private static CustomResourceDefinition upstream() throws IOException {
        return YAML.unmarshal(Files.readString(UpstreamFiles.crd()), CustomResourceDefinition.class);
    }

    private static CustomResourceDefinitionVersion version(CustomResourceDefinition crd, String name) {
        return crd.getSpec().getVersions().stream().filter(v -> v.getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError(crd.getMetadata().getName() + " has no version " + name));
    }

    private static JSONSchemaProps spec(CustomResourceDefinitionVersion v) {
        return v.getSchema().getOpenAPIV3Schema().getProperties().get("spec");
    }

    @Test
    void sameNamesScopeAndVersion() throws IOException {
        CustomResourceDefinition ours = ours();
        CustomResourceDefinition up = upstream();
        assertEquals(up.getMetadata().getName(), ours.getMetadata().getName());
        assertEquals(up.getSpec().getGroup(), ours.getSpec().getGroup());
        assertEquals(up.getSpec().getScope(), ours.getSpec().getScope());
        assertEquals(up.getSpec().getNames().getKind(), ours.getSpec().getNames().getKind());
        assertEquals(up.getSpec().getNames().getPlural(), ours.getSpec().getNames().getPlural());
        assertEquals(up.getSpec().getNames().getSingular(), ours.getSpec().getNames().getSingular());
        for (CustomResourceDefinitionVersion uv : up.getSpec().getVersions()) {
            CustomResourceDefinitionVersion v = version(ours, uv.getName());
            assertTrue(v.getServed() && v.getStorage(), "version " + v.getName() + " must be served and stored");
            assertNotNull(v.getSubresources().getStatus(), "the status subresource (upstream has one)");
        }
    }

    @Test
    void everyUpstreamSpecFieldKeepsItsTypeAndGainsNoConstraint() throws IOException {
        CustomResourceDefinition up = upstream();
        for (CustomResourceDefinitionVersion uv : up.getSpec().getVersions()) {
            JSONSchemaProps upSpec = spec(uv);
            JSONSchemaProps ourSpec = spec(version(ours(), uv.getName()));
            for (Map.Entry<String, JSONSchemaProps> e : upSpec.getProperties().entrySet()) {
                String field = "spec." + e.getKey();
                JSONSchemaProps ourField = ourSpec.getProperties().get(e.getKey());
                assertNotNull(ourField, field + " (upstream's) is missing from nkd's CRD");
                assertEquals(e.getValue().getType(), ourField.getType(), field + ": type");
                // a constraint upstream lacks would reject objects upstream accepts (maxUnavailable: 0, a free-form
                // kubeVersion); the operator copes with those values instead
                assertNull(ourField.getPattern(), field + " must not get a pattern");
                assertNull(ourField.getMinimum(), field + " must not get a minimum");
                assertNull(ourField.getMaximum(), field + " must not get a maximum");
                assertTrue(ourField.getEnum() == null || ourField.getEnum().isEmpty(), field + " must not get an enum");
                assertNull(ourField.getMinLength(), field + " must not get a minimum length");
            }
            List<String> upRequired = upSpec.getRequired() == null ? List.of() : upSpec.getRequired();
            List<String> ourRequired = ourSpec.getRequired() == null ? List.of() : ourSpec.getRequired();
            for (String r : ourRequired) {
                assertTrue(upRequired.contains(r), "spec." + r + " is required in nkd's CRD but not upstream");
            }
            assertTrue(version(ours(), uv.getName()).getSchema().getOpenAPIV3Schema().getRequired() == null
                    || version(ours(), uv.getName()).getSchema().getOpenAPIV3Schema().getRequired().isEmpty(),
                    "nothing may be required at the top level (upstream requires nothing there)");
        }
    }

    @Test
    void printerColumnsShowTheRollout() {
        List<String> names = version(ours(), "v1alpha1").getAdditionalPrinterColumns().stream()
                .filter(c -> c.getPriority() == null || c.getPriority() == 0)
                .map(c -> c.getName() + "=" + c.getJsonPath()).toList();
        for (String expected : List.of("Phase=.status.phase", "Updated=.status.updated", "Updating=.status.updating",
                "Pending=.status.pending", "Failed=.status.failed", "Revision=.spec.revision",
                "Age=.metadata.creationTimestamp")) {
            assertTrue(names.contains(expected), "kubectl get updates should show " + expected + "; has " + names);
        }
    }

    /** The CRD's pattern for drainTimeout accepts exactly what GoDuration, which the operator uses, parses. */
    @ParameterizedTest
    @ValueSource(strings = {"90s", "10m", "1h30m", "1h", "0s", "2h0m5s", "10m10m", "", " 10m", "10", "1.5h", "10ms",
            "1d", "1w", "-5m", "m", "10M", "1h 30m"})
    void drainTimeoutPatternAgreesWithGoDuration(String value) {
        String pattern = spec(version(ours(), "v1alpha1")).getProperties().get("drainTimeout").getPattern();
        assertNotNull(pattern, "spec.drainTimeout has a pattern");
        boolean schemaAccepts = Pattern.compile(pattern).matcher(value).find();
        boolean parses;
        try {
            GoDuration.parse(value);
            parses = true;
        } catch (IllegalArgumentException e) {
            parses = false;
        }
        // GoDuration strips surrounding blanks; the API server does not, so " 10m" is the one value they may
        // disagree on, and the schema is the stricter side
        if (value.isBlank() || !value.strip().equals(value)) {
            assertTrue(!schemaAccepts, "the schema should reject '" + value + "'");
            return;
        }
        assertEquals(parses, schemaAccepts, "'" + value + "': GoDuration " + (parses ? "parses" : "rejects")
                + " it but the CRD's pattern " + pattern + (schemaAccepts ? " accepts" : " rejects") + " it");
    }
}
