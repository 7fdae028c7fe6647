package io.nkd.housekeeper.api;

import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class UpdatesTest {
    private static final String IMAGE = "registry.example/nestos/nestos:24.03@sha256:" + "ab".repeat(32);

    @Test
    void writesTheTargetWithNamespaceLabelsAndRevision() {
        Update u = Updates.forCluster("prod-eu", new Updates.Target(IMAGE, "v1.29.3", 50, true,
                Duration.ofMinutes(90), "3f1c2ab"));
        assertEquals("nkd", u.getMetadata().getName());
        assertEquals("housekeeper-system", u.getMetadata().getNamespace());
        assertEquals(Map.of("app.kubernetes.io/managed-by", "nkd", "nkd.io/cluster", "prod-eu"), u.getMetadata().getLabels());
        assertEquals(Map.of("nkd.io/revision", "3f1c2ab"), u.getMetadata().getAnnotations());
        assertEquals(new UpdateSpec(IMAGE, "v1.29.3", true, 50, "1h30m", null, "3f1c2ab"), u.getSpec());
        assertNull(u.getStatus());
        assertTrue(Updates.isManagedByNkd(u));
    }

    /** Upstream's CRD requires its four fields, and nkd's optional ones are left out when unset. */
    @Test
    void alwaysWritesTheFourUpstreamFieldsAndOnlyThose() {
        Update plain = Updates.forCluster("c", new Updates.Target(IMAGE, "1.30.0", 1, false, null, null));
        String json = new KubernetesSerialization().asJson(plain);
        for (String field : new String[] {"\"osImageURL\":\"" + IMAGE + "\"", "\"kubeVersion\":\"v1.30.0\"",
                "\"evictPodForce\":false", "\"maxUnavailable\":1"}) {
            assertTrue(json.contains(field), field + " in " + json);
        }
        for (String absent : new String[] {"drainTimeout", "paused", "revision", "status", "annotations"}) {
            assertFalse(json.contains("\"" + absent + "\""), absent + " must be left out when unset: " + json);
        }
        assertEquals("v1.30.0", plain.getSpec().kubeVersion(), "the v that kubeadm version -o short prints is added");
    }

    @Test
    void refusesWhatNoHousekeeperCouldRollOut() {
        assertMessage("an Update from nkd names both targets (osImageURL 'null', kubeVersion 'v1.29.3')",
                () -> new Updates.Target(null, "v1.29.3", 1, false, null, null));
        assertMessage("kubeVersion ' '", () -> new Updates.Target(IMAGE, " ", 1, false, null, null));
        assertMessage("maxUnavailable 0 is below 1", () -> new Updates.Target(IMAGE, "v1.29.3", 0, false, null, null));
        assertMessage("'1.29' is not a Kubernetes version", () -> new Updates.Target(IMAGE, "1.29", 1, false, null, null));
        assertMessage("not an image reference", () -> new Updates.Target("registry.example/os@sha256:short", "v1.29.3", 1,
                false, null, null));
        assertMessage("drainTimeout PT0.5S is not a positive whole number of seconds",
                () -> new Updates.Target(IMAGE, "v1.29.3", 1, false, Duration.ofMillis(500), null));
        assertMessage("drainTimeout PT0S", () -> new Updates.Target(IMAGE, "v1.29.3", 1, false, Duration.ZERO, null));
        Updates.Target ok = new Updates.Target(IMAGE, "v1.29.3", 1, false, null, null);
        assertMessage("cluster name 'Prod' is not a DNS label", () -> Updates.forCluster("Prod", ok));
        assertMessage("Update name 'a_b' is not a DNS label", () -> Updates.of("a_b", "c", ok));
    }

    @Test
    void handWrittenUpdatesAreNotNkds() {
        Update u = new Update();
        u.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder().withName("by-hand").build());
        assertFalse(Updates.isManagedByNkd(u));
    }

    private static void assertMessage(String part, org.junit.jupiter.api.function.Executable e) {
        IllegalArgumentException x = assertThrows(IllegalArgumentException.class, e);
        assertTrue(x.getMessage().contains(part), "message '" + x.getMessage() + "' should say: " + part);
    }
}
