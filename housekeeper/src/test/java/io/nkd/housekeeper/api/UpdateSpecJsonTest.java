package io.nkd.housekeeper.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every spec field survives a read: a helper accessor must never hide a field from Jackson. */
class UpdateSpecJsonTest {
    private static final String JSON = "{\"osImageURL\":\"registry.example/os:2\",\"kubeVersion\":\"v1.29.3\","
            + "\"evictPodForce\":true,\"maxUnavailable\":3,\"drainTimeout\":\"5m\",\"paused\":true,\"revision\":\"abc\"}";

    @Test
    void everyFieldIsReadBack() throws Exception {
        UpdateSpec expected = new UpdateSpec("registry.example/os:2", "v1.29.3", true, 3, "5m", true, "abc");
        assertEquals(expected, new ObjectMapper().readValue(JSON, UpdateSpec.class));
        assertEquals(expected, new KubernetesSerialization().unmarshal(JSON, UpdateSpec.class));
        assertTrue(new ObjectMapper().readValue(JSON, UpdateSpec.class).pauseRequested());
        assertTrue(new ObjectMapper().readValue(JSON, UpdateSpec.class).forceEviction());
    }
}
