package io.nkd.housekeeper.rollout;

import io.fabric8.kubernetes.api.model.Condition;
import io.nkd.housekeeper.api.NodeKeys;
import io.nkd.housekeeper.api.UpdateSpec;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

import static io.nkd.housekeeper.rollout.Fixtures.NEW_IMAGE;
import static io.nkd.housekeeper.rollout.Fixtures.NEW_KUBE;
import static io.nkd.housekeeper.rollout.Fixtures.plan;
import static io.nkd.housekeeper.rollout.Fixtures.update;
import static io.nkd.housekeeper.rollout.Fixtures.worker;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An Update edited to a target that cannot be an image or a version: Degraded with reason InvalidSpec and a message
 * naming the field, before any node is touched (not a node drained and then a failed {@code rpm-ostree rebase}).
 */
class InvalidTargetTest {
    private static Condition degraded(UpdateSpec spec) {
        RolloutDecision d = plan(update(spec, 1, null), List.of(worker("w-1"), worker("w-2")));
        assertEquals(List.of(), d.actions(), "no node is touched");
        return d.status().conditions().stream().filter(c -> c.getType().equals("Degraded")).findFirst().orElseThrow();
    }

    @ParameterizedTest
    @ValueSource(strings = {":::", "-x", "--help", "registry.example/nestos:24.09 --foo", "a b", "$(reboot)",
            "registry.example/nestos;reboot", "registry.example/Nestos:1", "registry.example/nestos:", "@sha256:",
            "registry.example/nestos:tag:more", "registry.example//nestos:1", "registry.example/nestos:-1"})
    void anOsImageUrlThatIsNoImageReferenceIsInvalidSpecNamingTheField(String image) {
        Condition c = degraded(new UpdateSpec(image, NEW_KUBE, false, 1, null, null, null));
        assertEquals("True", c.getStatus());
        assertEquals("InvalidSpec", c.getReason(), c.getMessage());
        assertTrue(c.getMessage().contains("spec.osImageURL"), c.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"1.2", "v1", "latest", "v1.30.x"})
    void aKubeVersionThatIsNoVersionIsInvalidSpecNamingTheField(String version) {
        Condition c = degraded(new UpdateSpec(NEW_IMAGE, version, false, 1, null, null, null));
        assertEquals("InvalidSpec", c.getReason(), c.getMessage());
        assertTrue(c.getMessage().contains("spec.kubeVersion") && c.getMessage().contains(version), c.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"quay.io/nestos/nestos:3.0", "localhost:5000/os:v1", "registry.example/a/b-c_d.e:24.09-1",
            "nestos", "[::1]:5000/os:1",
            "registry.example/os@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
            "ostree-unverified-registry:registry.example/os:1"})
    void realImageReferencesStayValid(String image) {
        RolloutDecision d = plan(update(new UpdateSpec(image, null, false, 1, null, null, null), 1, null),
                List.of(worker("w-1")));
        assertTrue(d.actions().stream().anyMatch(a -> a instanceof NodeAction.Assign), image + ": "
                + d.status().conditions());
    }
}
