package io.nkd.ha;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.nkd.testkit.KubeApiServerExtension;
import io.nkd.testkit.KubeFixtures;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The election's Lease left by a dead replica whose clock was an hour ahead (its renewTime lies in the future): the
 * Lease's duration is measured from when this replica saw it last change (as Kubernetes defines leaseDurationSeconds),
 * so a new replica leads after about one lease duration, not after the dead one's clock error.
 */
@ExtendWith(KubeApiServerExtension.class)
class StaleLeaseTest {
    KubernetesClient client;
    KubeFixtures kube;

    @Test
    void aDeadLeadersLeaseFromTheFutureIsTakenAfterItsDurationObservedHere() throws Exception {
        Instant future = Instant.now().plus(Duration.ofHours(1));
        client.leases().inNamespace(kube.namespace()).resource(new LeaseBuilder().withNewMetadata().withName("nkd-stale")
                .withNamespace(kube.namespace()).endMetadata().withNewSpec().withHolderIdentity("dead-replica-1234abcd")
                .withAcquireTime(future.atZone(ZoneOffset.UTC)).withRenewTime(future.atZone(ZoneOffset.UTC))
                .withLeaseDurationSeconds(4).withLeaseTransitions(3).endSpec().build()).create();
        long start = System.nanoTime();
        try (LeaseLeadership l = LeaseLeadership.start(client, new LeaseLeadership.Settings(kube.namespace(), "nkd-stale",
                "replica-b", Duration.ofSeconds(4), Duration.ofSeconds(3), Duration.ofSeconds(1)), new SimpleMeterRegistry())) {
            while (!l.isLeader() && System.nanoTime() - start < 20_000_000_000L) {
                Thread.sleep(50);
            }
            long took = (System.nanoTime() - start) / 1_000_000;
            assertTrue(l.isLeader(), "not leading after " + took + " ms: the dead replica's Lease still counts as held");
            assertTrue(took >= 3_500, "leading after " + took + " ms, before the Lease was seen unchanged for its duration");
        }
    }
}
