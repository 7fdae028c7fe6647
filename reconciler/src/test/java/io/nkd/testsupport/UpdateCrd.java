package io.nkd.testsupport;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.nkd.housekeeper.api.Update;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.concurrent.TimeUnit;

/** The Update CRD nkd ships (templates/housekeeper), installed on the shared test API server: created or replaced. */
public final class UpdateCrd {
    private UpdateCrd() {
    }

    public static void install(KubernetesClient client) {
        try (InputStream in = UpdateCrd.class.getClassLoader().getResourceAsStream("templates/housekeeper/10-crd-updates.housekeeper.io.yaml")) {
            if (in == null) {
                throw new IllegalStateException("templates/housekeeper/10-crd-updates.housekeeper.io.yaml is not on the class path");
            }
            CustomResourceDefinition crd = client.getKubernetesSerialization().unmarshal(in, CustomResourceDefinition.class);
            // forced: other tests (the add-ons apply) own it with another field manager on this shared server
            client.apiextensions().v1().customResourceDefinitions().resource(crd).fieldManager("nkd-tests").forceConflicts().serverSideApply();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        client.apiextensions().v1().customResourceDefinitions().withName(Update.CRD_NAME).waitUntilCondition(c -> c != null
                && c.getStatus() != null && c.getStatus().getConditions() != null && c.getStatus().getConditions().stream()
                .anyMatch(x -> "Established".equals(x.getType()) && "True".equals(x.getStatus())), 60, TimeUnit.SECONDS);
    }
}
