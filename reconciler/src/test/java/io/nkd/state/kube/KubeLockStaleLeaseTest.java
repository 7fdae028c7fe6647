package io.nkd.state.kube;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.nkd.state.ClusterState;
import io.nkd.state.Sensitivity;
import io.nkd.testkit.KubeApiServerExtension;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A cluster's state lock left by a dead nkd whose clock was ahead: its Lease's renewTime lies in the future. Kubernetes
 * measures leaseDurationSeconds "against the time of last observed renewTime", i.e. on the observer's clock from when
 * it saw the Lease change; a Lease that has not changed for its duration is expired whatever time it claims, so
 * another nkd takes it within about one lease duration instead of waiting out the dead holder's clock error.
 */
@ExtendWith(KubeApiServerExtension.class)
class KubeLockStaleLeaseTest {
    KubernetesClient client;
    private KubeStateTesting kube;

    @BeforeEach
    void setUp() {
        kube = new KubeStateTesting(client, "t-probe-lease");
    }

    @AfterEach
    void tearDown() {
        kube.close();
    }

    @Test
    void aDeadHoldersLeaseFromTheFutureExpiresAfterItsDurationObservedHere() throws Exception {
        Instant future = Instant.now().plus(Duration.ofHours(1));
        Lease stale = new LeaseBuilder().withNewMetadata().withName(StateObjects.leaseName("demo"))
                .withNamespace(kube.namespace).endMetadata().withNewSpec().withHolderIdentity("4242@skewed-node/1234abcd")
                .withAcquireTime(future.atZone(ZoneOffset.UTC)).withRenewTime(future.atZone(ZoneOffset.UTC))
                .withLeaseDurationSeconds(3).withLeaseTransitions(4).endSpec().build();
        client.leases().inNamespace(kube.namespace).resource(stale).create();
        KubernetesStateStore store = kube.store();

        long start = System.nanoTime();
        try (ClusterState state = store.open("demo", Duration.ofSeconds(20))) {
            long took = (System.nanoTime() - start) / 1_000_000;
            assertTrue(took >= 2_500, "taken after " + took + " ms: before the Lease was seen unchanged for its duration");
            assertTrue(took < 10_000, "taken after " + took + " ms");
            state.write("x", "1".getBytes(StandardCharsets.UTF_8), Sensitivity.PUBLIC);
        }
    }
}
