package io.nkd.housekeeper.operator;

import io.nkd.housekeeper.api.NodeKeys;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.nkd.housekeeper.api.RolloutPhase;
import io.nkd.housekeeper.api.UpdateSpec;
import io.nkd.housekeeper.testing.Crds;
import io.nkd.housekeeper.testing.FakeHost;
import io.nkd.housekeeper.testing.SimulatedCluster;
import io.nkd.testkit.KubeApiServerExtension;
import io.nkd.testkit.KubeFixtures;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.nkd.housekeeper.operator.OperatorHarness.await;
import static io.nkd.housekeeper.operator.OperatorHarness.phase;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Two operator replicas on one Lease against the real API server: only the leader acts. */
@ExtendWith(KubeApiServerExtension.class)
class LeaderElectionTest {
    static final String OLD = "registry.example/nestos/k8s:1.28";
    static final String NEW = "registry.example/nestos/k8s:1.29";
    static final Duration WAIT = Duration.ofSeconds(60);

    KubernetesClient client;
    KubeFixtures kube;

    @BeforeEach
    void crd() {
        Crds.installUpdateCrd(client);
    }

    private OperatorConfig config(String ns, String identity) {
        return OperatorHarness.config(ns, identity, OperatorConfig.DEFAULT_LEASE, ns)
                .withEtcdCheck(EtcdCheckMode.NONE, "kube-system");
    }

    private static FakeHost nestos() {
        return new FakeHost(OLD, FakeHost.digestOf(OLD), "v1.28.4").publish(NEW, FakeHost.digestOf(NEW), "v1.28.4");
    }

    private Lease lease(String ns) {
        return client.leases().inNamespace(ns).withName(OperatorConfig.DEFAULT_LEASE).get();
    }

    @Test
    void onlyTheLeaderActsAndClosingItLetsTheOtherTakeOver() throws Exception {
        String ns = kube.uniqueName("takeover");
        try (AutoCloseable namespace = OperatorHarness.namespace(client, ns);
             SimulatedCluster cluster = OperatorHarness.cluster(client, ns, ns, 0, 2, LeaderElectionTest::nestos);
             Operator a = OperatorHarness.start(client, config(ns, "op-a"))) {
            OperatorHarness.awaitTrue(a::isLeader, WAIT, "op-a leads");
            try (Operator b = OperatorHarness.start(client, config(ns, "op-b"))) {
                Thread.sleep(1500);
                assertFalse(b.isLeader(), "the Lease is held: op-b waits");
                assertEquals("op-a", lease(ns).getSpec().getHolderIdentity());
                assertTrue(OperatorHarness.scrape(a).contains("housekeeper_leader 1"));
                assertTrue(OperatorHarness.scrape(b).contains("housekeeper_leader 0"));
                assertEquals(200, OperatorHarness.http(b, "/healthz").statusCode(), "a standby replica is healthy");
                assertEquals("ok\n", OperatorHarness.http(a, "/healthz").body());

                OperatorHarness.create(client, ns, "up", new UpdateSpec(NEW, null, false, 2, "30s", null, "r1"));
                await(client, ns, "up", phase(RolloutPhase.COMPLETED), WAIT);
                // the Events of a step follow its status write: wait for the last one
                OperatorHarness.awaitTrue(() -> OperatorHarness.events(client, ns, "up", ns).stream()
                        .anyMatch(e -> e.getReason().equals("RolloutCompleted")), WAIT, "RolloutCompleted posted");
                List<Event> first = OperatorHarness.events(client, ns, "up", ns);
                assertFalse(first.isEmpty());
                assertTrue(first.stream().allMatch(e -> "op-a".equals(e.getReportingInstance())), "only op-a acted");

                a.close(); // releases the Lease
                OperatorHarness.awaitTrue(b::isLeader, Duration.ofSeconds(15), "op-b takes over");
                assertEquals("op-b", lease(ns).getSpec().getHolderIdentity());
                assertFalse(a.leadershipLost().isDone(), "closing is not losing");

                OperatorHarness.setSpec(client, ns, "up", new UpdateSpec(OLD, null, false, 2, "30s", null, "r2"));
                await(client, ns, "up", phase(RolloutPhase.COMPLETED), WAIT);
                List<Event> second = OperatorHarness.events(client, ns, "up", ns);
                assertTrue(second.stream().filter(e -> !first.stream().anyMatch(f -> f.getMetadata().getName()
                        .equals(e.getMetadata().getName()))).allMatch(e -> "op-b".equals(e.getReportingInstance())));
                assertTrue(second.size() > first.size(), "op-b acted");
                cluster.nodes().forEach(n -> assertEquals(OLD, n.host().booted().image()));
            }
        }
    }

    @Test
    void aLeaderThatLosesTheLeaseStopsReconcilingAtOnce() throws Exception {
        String ns = kube.uniqueName("lost");
        try (AutoCloseable namespace = OperatorHarness.namespace(client, ns);
             SimulatedCluster cluster = OperatorHarness.cluster(client, ns, ns, 0, 1, LeaderElectionTest::nestos);
             Operator a = OperatorHarness.start(client, config(ns, "op-a"))) {
            OperatorHarness.awaitTrue(a::isLeader, WAIT, "op-a leads");
            // another holder takes the Lease (as after a network partition): op-a cannot renew
            for (int attempt = 1; ; attempt++) { // op-a renews every 500 ms: read-modify-write again on a conflict
                try {
                    client.leases().inNamespace(ns).withName(OperatorConfig.DEFAULT_LEASE).edit(l -> {
                        l.getSpec().setHolderIdentity("intruder");
                        l.getSpec().setLeaseDurationSeconds(600);
                        l.getSpec().setRenewTime(ZonedDateTime.now(ZoneOffset.UTC));
                        return l;
                    });
                    break;
                } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
                    if (e.getCode() != 409 || attempt == 20) {
                        throw e;
                    }
                }
            }
            a.leadershipLost().get(20, TimeUnit.SECONDS);
            assertFalse(a.isLeader());
            assertTrue(OperatorHarness.scrape(a).contains("housekeeper_leader 0"));

            OperatorHarness.create(client, ns, "up", new UpdateSpec(NEW, null, false, 1, "30s", null, null));
            Thread.sleep(2000);
            assertNull(OperatorHarness.get(client, ns, "up").getStatus(), "a replica that lost the Lease acts no more");
            assertNull(cluster.node("w-1").node().getMetadata().getAnnotations()
                    .get(NodeKeys.ASSIGNMENT_ANNOTATION));
        }
    }
}
