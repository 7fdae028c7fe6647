package io.nkd.cluster.kube;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.nkd.cluster.ClusterApiException;
import io.nkd.housekeeper.api.NodeProgress;
import io.nkd.housekeeper.api.NodeRole;
import io.nkd.housekeeper.api.NodeUpdateState;
import io.nkd.housekeeper.api.RolloutPhase;
import io.nkd.housekeeper.api.Update;
import io.nkd.housekeeper.api.UpdateSpec;
import io.nkd.housekeeper.api.UpdateStatus;
import io.nkd.housekeeper.api.Updates;
import io.nkd.testkit.KubeApiServerExtension;
import io.nkd.testkit.KubeFixtures;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The Update nkd writes, against the real kube-apiserver with the CRD nkd installs (templates/housekeeper). */
@ExtendWith(KubeApiServerExtension.class)
class KubeRolloutsTest {
    static final String IMAGE_A = "registry.example/nestos/nestos@sha256:" + "a".repeat(64);
    static final String IMAGE_B = "registry.example/nestos/nestos@sha256:" + "b".repeat(64);

    KubernetesClient client;
    KubeFixtures kube;

    @BeforeEach
    void crd() {
        io.nkd.testsupport.UpdateCrd.install(client); // the shared server: created or replaced
    }

    private KubeRollouts rollouts(String name) {
        return new KubeRollouts(client, "lab", kube.namespace(), name);
    }

    private static UpdateSpec spec(String image, String kube, String revision) {
        return new UpdateSpec(image, kube, false, 2, "15m", false, revision);
    }

    @Test
    void createsTheUpdateThenReplacesItsSpecButNeverItsStatus() {
        KubeRollouts r = rollouts("nkd");
        assertTrue(r.read().isEmpty(), "no Update before nkd writes one");

        r.write(spec(IMAGE_A, "v1.30.4", "1111111111111111111111111111111111111111"), false);
        Update created = r.read().orElseThrow();
        assertEquals(IMAGE_A, created.getSpec().osImageURL());
        assertEquals("v1.30.4", created.getSpec().kubeVersion());
        assertEquals(2, created.getSpec().maxUnavailable());
        assertEquals("15m", created.getSpec().drainTimeout());
        assertEquals("nkd", created.getMetadata().getLabels().get(Updates.MANAGED_BY_LABEL));
        assertEquals("lab", created.getMetadata().getLabels().get(Updates.CLUSTER_LABEL));
        assertEquals("1111111111111111111111111111111111111111", created.getMetadata().getAnnotations().get(Updates.REVISION_ANNOTATION));

        // the operator's status, through the status subresource
        created.setStatus(new UpdateStatus(RolloutPhase.PROGRESSING, created.getMetadata().getGeneration(), "1111111",
                1, 1, 0, 0, List.of(new NodeProgress("lab-workers-1", NodeRole.WORKER, NodeUpdateState.UPDATED, null,
                "2026-12-06T10:00:00Z", IMAGE_A, "v1.30.4", null, "done")), List.of(), "2026-12-06T09:00:00Z", null));
        client.resources(Update.class).inNamespace(kube.namespace()).resource(created).updateStatus();

        r.write(spec(IMAGE_B, "v1.30.4", "2222222222222222222222222222222222222222"), false);
        Update replaced = r.read().orElseThrow();
        assertEquals(IMAGE_B, replaced.getSpec().osImageURL(), "the new target");
        assertEquals(created.getMetadata().getGeneration() + 1, replaced.getMetadata().getGeneration(), "a new generation");
        assertEquals(RolloutPhase.PROGRESSING, replaced.getStatus().phase(), "the Housekeeper's status is left alone");
        assertEquals("lab-workers-1", replaced.getStatus().nodes().get(0).name());
        assertEquals("2222222222222222222222222222222222222222", replaced.getMetadata().getAnnotations().get(Updates.REVISION_ANNOTATION));
    }

    @Test
    void theNestosFlavorGetsOnlyTheFourUpstreamFields() {
        KubeRollouts r = rollouts("upstream");
        r.write(spec(IMAGE_A, "v1.30.4", "3333333333333333333333333333333333333333"), false);
        r.write(spec(IMAGE_A, "v1.30.4", "3333333333333333333333333333333333333333"), true);
        UpdateSpec written = r.read().orElseThrow().getSpec();
        assertEquals(IMAGE_A, written.osImageURL());
        assertEquals("v1.30.4", written.kubeVersion());
        assertEquals(false, written.evictPodForce());
        assertEquals(2, written.maxUnavailable());
        assertNull(written.drainTimeout(), "nkd's fields are removed");
        assertNull(written.paused());
        assertNull(written.revision());
        assertEquals("3333333333333333333333333333333333333333",
                r.read().orElseThrow().getMetadata().getAnnotations().get(Updates.REVISION_ANNOTATION), "the commit stays as an annotation");
    }

    @Test
    void anUpdateSomeoneElseWroteIsNotOverwritten() {
        Update foreign = new Update();
        foreign.setMetadata(new ObjectMetaBuilder().withName("handmade").withNamespace(kube.namespace()).build());
        foreign.setSpec(UpdateSpec.upstream(IMAGE_A, "v1.30.4", false, 1));
        client.resources(Update.class).inNamespace(kube.namespace()).resource(foreign).create();

        ClusterApiException e = assertThrows(ClusterApiException.class,
                () -> rollouts("handmade").write(spec(IMAGE_B, "v1.30.4", null), false));
        assertEquals("Update " + kube.namespace() + "/handmade", e.object());
        assertTrue(e.getMessage().contains("was not written by nkd"), e.getMessage());
        assertEquals(IMAGE_A, rollouts("handmade").read().orElseThrow().getSpec().osImageURL(), "left as it was");
    }

    @Test
    void aSpecTheServerRefusesNamesTheUpdateAndTheField() {
        ClusterApiException e = assertThrows(ClusterApiException.class,
                () -> rollouts("bad").write(new UpdateSpec(IMAGE_A, "v1.30.4", false, 1, "1.5h", false, null), false));
        assertTrue(e.getMessage().contains("Update " + kube.namespace() + "/bad") && e.getMessage().contains("HTTP 422")
                && e.getMessage().contains("drainTimeout"), e.getMessage());
    }
}
