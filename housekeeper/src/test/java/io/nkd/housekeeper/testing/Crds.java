package io.nkd.housekeeper.testing;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.nkd.housekeeper.api.Update;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.concurrent.TimeUnit;

/**
 * Installs the CRD generated from the Java types (target/classes/META-INF/fabric8, by the crd-generator plugin) on a
 * test API server. Idempotent: tests share one server and call this in their setup.
 */
public final class Crds {
    public static final String GENERATED = "META-INF/fabric8/" + Update.CRD_NAME + "-v1.yml";

    private Crds() {
    }

    public static CustomResourceDefinition generatedUpdateCrd(KubernetesClient client) {
        try (InputStream in = Crds.class.getClassLoader().getResourceAsStream(GENERATED)) {
            if (in == null) {
                throw new IllegalStateException(GENERATED + " is not on the class path: the crd-generator plugin runs in "
                        + "process-classes; build with ./mvnw -pl housekeeper test");
            }
            return client.getKubernetesSerialization().unmarshal(in, CustomResourceDefinition.class);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Creates or replaces the Update CRD and waits until the server serves it. */
    public static void installUpdateCrd(KubernetesClient client) {
        CustomResourceDefinition crd = generatedUpdateCrd(client);
        // one field manager for every module's tests, conflicts forced: the shared test server keeps the CRD between
        // runs, and nkd's own add-on apply (manager "nkd") or another module's tests may have written it last
        client.apiextensions().v1().customResourceDefinitions().resource(crd).fieldManager("nkd-tests").forceConflicts().serverSideApply();
        client.apiextensions().v1().customResourceDefinitions().withName(Update.CRD_NAME)
                .waitUntilCondition(c -> c != null && c.getStatus() != null && c.getStatus().getConditions() != null
                        && c.getStatus().getConditions().stream()
                        .anyMatch(x -> "Established".equals(x.getType()) && "True".equals(x.getStatus())),
                        60, TimeUnit.SECONDS);
    }
}
