package io.nkd.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The default sandbox image is the one kubeadm of the cluster's minor release uses (its PauseVersion constant). */
class PauseImageTest {
    @Test
    void everySupportedMinorHasKubeadmsPauseTag() {
        Map<Integer, String> expected = new TreeMap<>(Map.ofEntries(
                Map.entry(22, "3.5"), Map.entry(23, "3.6"), Map.entry(24, "3.7"), Map.entry(25, "3.8"),
                Map.entry(26, "3.9"), Map.entry(27, "3.9"), Map.entry(28, "3.9"), Map.entry(29, "3.9"), Map.entry(30, "3.9"),
                Map.entry(31, "3.10"), Map.entry(32, "3.10"), Map.entry(33, "3.10")));
        expected.forEach((minor, tag) -> assertEquals(tag, new KubernetesVersion(1, minor, 0).pauseVersion(), "1." + minor));
        assertEquals(KubernetesVersion.NEWEST_SUPPORTED_MINOR.minor(), 33, "a new minor needs its pause tag in the table");
    }

    @Test
    void theDefaultPauseImageFollowsTheVersionAndTheRepository() {
        assertEquals("registry.k8s.io/pause:3.9", spec("v1.30.8", null, null).pauseImage());
        assertEquals("registry.k8s.io/pause:3.10", spec("v1.31.4", null, null).pauseImage());
        assertEquals("mirror.example.com/k8s/pause:3.9", spec("v1.29.1", "mirror.example.com/k8s", null).pauseImage());
        assertEquals("my/pause:1", spec("v1.30.8", null, "my/pause:1").pauseImage(), "an explicit pauseImage wins");
    }

    private static KubernetesSpec spec(String version, String repository, String pause) {
        return new KubernetesSpec(version, "10.0.0.10:6443", repository, pause, null, null, null, null, null, null, null, null, null, null);
    }
}
