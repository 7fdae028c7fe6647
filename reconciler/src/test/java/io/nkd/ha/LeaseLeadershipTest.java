package io.nkd.ha;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.nkd.testkit.FaultyProxy;
import io.nkd.testkit.KubeApiServerExtension;
import io.nkd.testkit.KubeFixtures;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Two replicas' elections on one Lease of the real API server, with short timings (lease 4 s, renew deadline 3 s, retry
 * 1 s): one leads; a leader cut off from the API server (a blackholing TCP proxy between it and the server) stops
 * leading within its renew deadline, before the other takes over, and the two never lead at the same instant; a leader
 * that stops hands over within a retry period.
 */
@ExtendWith(KubeApiServerExtension.class)
class LeaseLeadershipTest {
    static final Duration LEASE = Duration.ofSeconds(4);
    static final Duration RENEW = Duration.ofSeconds(3);
    static final Duration RETRY = Duration.ofSeconds(1);

    KubernetesClient client;
    KubeFixtures kube;
    private final List<AutoCloseable> closing = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        Collections.reverse(closing);
        for (AutoCloseable c : closing) {
            c.close();
        }
    }

    private LeaseLeadership.Settings settings(String lease, String identity) {
        return new LeaseLeadership.Settings(kube.namespace(), lease, identity, LEASE, RENEW, RETRY);
    }

    private LeaseLeadership.Settings handoverSettings(String identity) {
        return new LeaseLeadership.Settings(kube.namespace(), "handover", identity, HANDOVER_LEASE, HANDOVER_LEASE.minusSeconds(3), RETRY);
    }

    private LeaseLeadership start(KubernetesClient c, LeaseLeadership.Settings s, SimpleMeterRegistry metrics) {
        LeaseLeadership l = LeaseLeadership.start(c, s, metrics);
        closing.add(l);
        return l;
    }

    /** A client that reaches the API server through {@code proxy}. */
    private KubernetesClient through(FaultyProxy proxy) {
        KubernetesClient c = new KubernetesClientBuilder().withConfig(new ConfigBuilder(client.getConfiguration())
                .withMasterUrl("https://127.0.0.1:" + proxy.port() + "/").build()).build();
        closing.add(c);
        return c;
    }

    private FaultyProxy proxyToServer() throws Exception {
        URI server = URI.create(client.getConfiguration().getMasterUrl());
        FaultyProxy p = FaultyProxy.to(new InetSocketAddress(server.getHost(), server.getPort()));
        closing.add(p);
        return p;
    }

    /** Waits for {@code condition}; returns how long it took. */
    private static Duration await(BooleanSupplier condition, Duration timeout, String what) throws InterruptedException {
        long start = System.nanoTime();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - start > timeout.toNanos()) {
                throw new AssertionError("not within " + timeout.toMillis() + " ms: " + what);
            }
            Thread.sleep(5);
        }
        return Duration.ofNanos(System.nanoTime() - start);
    }

    private Lease lease(String name) {
        return client.leases().inNamespace(kube.namespace()).withName(name).get();
    }

    /** Samples both replicas every millisecond and remembers any instant at which both lead. */
    private static final class Overlap implements AutoCloseable {
        final List<String> both = Collections.synchronizedList(new ArrayList<>());
        private final Thread sampler;
        private volatile boolean stop;

        Overlap(Leadership a, Leadership b) {
            sampler = new Thread(() -> {
                while (!stop) {
                    if (a.isLeader() && b.isLeader()) {
                        both.add(java.time.Instant.now().toString());
                    }
                    try {
                        Thread.sleep(1);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "overlap-sampler");
            sampler.setDaemon(true);
            sampler.start();
        }

        @Override
        public void close() throws InterruptedException {
            stop = true;
            sampler.join();
        }
    }

    @Test
    void aLeaderCutOffFromTheApiServerStopsWithinItsRenewDeadlineBeforeTheOtherTakesOver() throws Exception {
        FaultyProxy proxy = proxyToServer();
        SimpleMeterRegistry metricsA = new SimpleMeterRegistry();
        List<String> eventsA = Collections.synchronizedList(new ArrayList<>());
        LeaseLeadership a = start(through(proxy), settings("partition", "replica-a"), metricsA);
        a.addListener(recorder(eventsA));
        await(a::isLeader, Duration.ofSeconds(10), "replica-a leads the free lease");
        LeaseLeadership b = start(client, settings("partition", "replica-b"), new SimpleMeterRegistry());
        try (Overlap overlap = new Overlap(a, b)) {
            await(() -> b.leader().filter("replica-a"::equals).isPresent(), Duration.ofSeconds(5), "replica-b sees replica-a lead");
            Thread.sleep(LEASE.toMillis()); // a full lease duration: replica-a renews, replica-b waits
            assertTrue(a.isLeader());
            assertFalse(b.isLeader());
            assertEquals("replica-a", lease("partition").getSpec().getHolderIdentity());

            proxy.mode(FaultyProxy.Mode.BLACKHOLE);
            long cut = System.nanoTime();
            Duration stopped = await(() -> !a.isLeader(), RENEW.plusSeconds(1), "replica-a stops leading");
            assertTrue(stopped.compareTo(RENEW.plusMillis(250)) <= 0, "replica-a stopped " + stopped.toMillis()
                    + " ms after the cut: at most its renew deadline (" + RENEW.toMillis() + " ms) after its last renewal");
            Duration took = Duration.ofNanos(System.nanoTime() - cut).plus(await(b::isLeader, Duration.ofSeconds(15),
                    "replica-b takes over"));
            assertTrue(took.compareTo(LEASE.plus(RETRY.multipliedBy(3))) <= 0, "replica-b led " + took.toMillis()
                    + " ms after the cut: within the lease duration and the retries of its elector");
            assertTrue(took.compareTo(stopped) > 0);
            assertEquals("replica-b", lease("partition").getSpec().getHolderIdentity());

            proxy.mode(FaultyProxy.Mode.PASS); // healed: replica-a follows and does not take the lease back
            await(() -> a.leader().filter("replica-b"::equals).isPresent(), Duration.ofSeconds(15), "replica-a sees replica-b lead");
            Thread.sleep(LEASE.toMillis());
            assertFalse(a.isLeader());
            assertTrue(b.isLeader());
            overlap.close();
            assertEquals(List.of(), overlap.both, "instants at which both replicas led");
        }
        assertEquals(List.of("gained", "lost"), eventsA);
        assertEquals(0.0, metricsA.get("nkd_leader").gauge().value());
        assertEquals(2.0, metricsA.get("nkd_leader_transitions_total").counter().count());
    }

    /**
     * A long lease here, so that "without waiting for the lease" is told apart from "after it" on a loaded machine:
     * fabric8 spaces its attempts 1 to 2.2 retry periods apart (jitter), so the handover takes up to about 2.2 s plus
     * scheduling, against the 12 s an unreleased lease would hold the other back.
     */
    private static final Duration HANDOVER_LEASE = Duration.ofSeconds(12);

    @Test
    void aLeaderThatStopsReleasesTheLeaseAndTheOtherLeadsWithinARetryPeriod() throws Exception {
        LeaseLeadership a = start(client, handoverSettings("replica-a"), new SimpleMeterRegistry());
        await(a::isLeader, Duration.ofSeconds(10), "replica-a leads the free lease");
        SimpleMeterRegistry metricsB = new SimpleMeterRegistry();
        LeaseLeadership b = start(client, handoverSettings("replica-b"), metricsB);
        List<String> eventsB = Collections.synchronizedList(new ArrayList<>());
        b.addListener(recorder(eventsB));
        await(() -> b.leader().isPresent(), Duration.ofSeconds(5), "replica-b sees a leader");
        assertEquals(0.0, metricsB.get("nkd_leader").gauge().value());
        a.close();
        assertFalse(a.isLeader(), "closed: stops at once");
        Duration took = await(b::isLeader, HANDOVER_LEASE, "replica-b leads after replica-a released the lease");
        assertTrue(took.compareTo(HANDOVER_LEASE.dividedBy(2)) <= 0, "took " + took.toMillis() + " ms: released, so no lease duration to wait");
        await(() -> eventsB.contains("gained"), Duration.ofSeconds(1), "replica-b's listener hears it");
        assertEquals(1.0, metricsB.get("nkd_leader").gauge().value());
        Lease lease = lease("handover");
        assertEquals("replica-b", lease.getSpec().getHolderIdentity());
        assertTrue(lease.getSpec().getLeaseTransitions() >= 1, "transitions: " + lease.getSpec().getLeaseTransitions());
    }

    @Test
    void theDeadlineRunsOnTheLocalClockWhateverTheElectorThinks() throws Exception {
        AtomicLong clock = new AtomicLong(0);
        LeaseLeadership a = LeaseLeadership.start(client, settings("clock", "replica-a"), new SimpleMeterRegistry(), clock::get);
        closing.add(a);
        await(a::isLeader, Duration.ofSeconds(10), "replica-a leads the free lease");
        // the elector renews every second; on this clock no time passes, so it stays valid
        Thread.sleep(RENEW.toMillis() + 500);
        assertTrue(a.isLeader());
        // the local clock jumps past the deadline between two renewals: not leading from this instant, before any callback
        clock.addAndGet(RENEW.plusMillis(1).toNanos());
        assertFalse(a.isLeader());
        assertThrowsNotLeader(a);
        // the next successful renewal (stamped with the clock's new reading) makes it lead again
        await(a::isLeader, RETRY.multipliedBy(3), "replica-a leads again after its next renewal");
        assertEquals("replica-a", lease("clock").getSpec().getHolderIdentity());
    }

    private static void assertThrowsNotLeader(Leadership l) {
        NotLeaderException e = org.junit.jupiter.api.Assertions.assertThrows(NotLeaderException.class, l::ensureLeader);
        assertTrue(e.getMessage().startsWith("this replica (replica-a) is not the leader of Lease "), e.getMessage());
    }

    private static Leadership.Listener recorder(List<String> events) {
        return new Leadership.Listener() {
            @Override
            public void gained() {
                events.add("gained");
            }

            @Override
            public void lost(String why) {
                events.add("lost");
            }
        };
    }
}
