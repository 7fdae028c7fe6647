package io.nkd.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.nkd.config.Infrastructure;
import io.nkd.secrets.ClusterSecrets;
import io.nkd.secrets.SecretResolver;
import io.nkd.server.ApiServer;
import io.nkd.server.ApiToken;
import io.nkd.state.LocalStateStore;
import io.nkd.status.ClusterStatus;
import io.nkd.status.StatusStore;
import io.nkd.testsupport.RepoPaths;
import io.nkd.testsupport.TestFiles;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import io.nkd.infra.ProvisionedMachine;
import io.nkd.infra.MachineRequest;
import io.nkd.infra.Provider;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.revwalk.RevCommit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The daemon's loop over a real Git repository: commits applied, bad commits kept out, the API reporting it. */
class ControllerTest {
    @TempDir
    Path tmp;

    private Git git;
    private Path repo;
    private LocalStateStore store;
    private ClusterReconcilerTest.FakeProvider provider;
    private Controller controller;
    private static final String API_TOKEN = "controller-test-api-token";
    private ApiServer api;
    private PrometheusMeterRegistry metrics;
    private volatile long pollDelayMillis;
    /** While closed, the provider's list() blocks: a reconcile holds its cluster's lock and stays running. */
    private volatile CountDownLatch gate = new CountDownLatch(0);
    private final CountDownLatch entered = new CountDownLatch(1);
    private final Provider gated = new Provider() {
        @Override
        public io.nkd.config.Infrastructure.ProviderType type() {
            return provider.type();
        }

        @Override
        public String name() {
            return provider.name();
        }

        @Override
        public List<io.nkd.infra.OwnedResource> owned(String cluster) {
            return provider.owned(cluster);
        }

        @Override
        public List<io.nkd.infra.OwnedResource> destroy(String cluster) {
            return provider.destroy(cluster);
        }

        @Override
        public List<ProvisionedMachine> list(String cluster) {
            CountDownLatch g = gate;
            if (g.getCount() > 0) {
                entered.countDown();
                try {
                    assertTrue(g.await(60, TimeUnit.SECONDS), "the test never opened the gate");
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return provider.list(cluster);
        }

        @Override
        public ProvisionedMachine create(MachineRequest request) {
            return provider.create(request);
        }

        @Override
        public void delete(String cluster, String machine) {
            provider.delete(cluster, machine);
        }
    };
    private Collaborators collaborators;
    /** What publishing a cluster's configs does: the tests below watch and stall reconciles here. */
    private volatile Collaborators.ConfigPublisher onPublish = (state, rendered) -> { };

    @BeforeEach
    void setUp() throws Exception {
        repo = tmp.resolve("repo");
        TestFiles.copyTree(RepoPaths.repoRoot().resolve("repo-layout/example"), repo);
        git = Git.init().setDirectory(repo.toFile()).setInitialBranch("main").call();
        commit("initial");
        store = new LocalStateStore(tmp.resolve("state"));
        provider = new ClusterReconcilerTest.FakeProvider();
        metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        Collaborators c = new Collaborators(
                new ClusterSecrets(store, new SecretResolver(tmp, Map.of()), new SecureRandom(), Clock.systemUTC()),
                (state, rendered) -> onPublish.publish(state, rendered),
                new Collaborators.BootConfigs() {
                    @Override
                    public String pointer(io.nkd.state.ClusterState state, String pool, String node, String poolVersion, String nodeVersion) {
                        return "pointer;pool=" + poolVersion + ";node=" + nodeVersion;
                    }

                    @Override
                    public void revoke(io.nkd.state.ClusterState state, String node) {
                    }
                },
                infra -> infra.provider() == Infrastructure.ProviderType.SANDBOX ? Optional.of(gated) : Optional.empty());
        RevisionSource local = new LocalRepoSource(repo, "main");
        // a fetch that takes a while, as a remote one does: the window in which requests and workers interleave
        RevisionSource slow = new RevisionSource() {
            @Override
            public Optional<io.nkd.config.Snapshot> poll(String known) throws SourceException {
                long delay = pollDelayMillis;
                if (delay > 0) {
                    try {
                        Thread.sleep(delay);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                return local.poll(known);
            }

            @Override
            public String describe() {
                return local.describe();
            }
        };
        controller = new Controller(slow, new ClusterReconciler(store, c, Clock.systemUTC(), metrics), store, 2, metrics);
        collaborators = c;
        api = new ApiServer(new ApiServer.Settings(new InetSocketAddress("127.0.0.1", 0), ApiServer.Settings.defaultLimits(),
                ApiToken.of(API_TOKEN)), store, controller, metrics, (path, headers, body) -> 404);
    }

    @AfterEach
    void tearDown() {
        api.close();
        controller.close();
        git.close();
    }

    private RevCommit commit(String message) throws Exception {
        git.add().addFilepattern(".").call();
        PersonIdent who = new PersonIdent("test", "test@example.com");
        return git.commit().setMessage(message).setAuthor(who).setCommitter(who).setSign(false).call();
    }

    private void edit(String file, String from, String to) throws Exception {
        Path p = repo.resolve(file);
        String text = Files.readString(p);
        assertTrue(text.contains(from), from);
        Files.writeString(p, text.replace(from, to));
    }

    private ClusterStatus status(String cluster) {
        return StatusStore.status(store.view(cluster)).orElseThrow();
    }

    private JsonNode get(String path) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + api.port() + path)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        return new ObjectMapper().readTree(r.body());
    }

    private void pollAndWait() throws InterruptedException {
        controller.poll();
        assertTrue(controller.awaitIdle(Duration.ofSeconds(60)));
    }

    @Test
    void commitsAreAppliedAndABadCommitKeepsTheLastGoodOne() throws Exception {
        RevCommit first = git.log().call().iterator().next();
        pollAndWait();
        assertEquals(first.name(), status("sandbox-demo").appliedRevision());
        assertEquals(ClusterStatus.Phase.READY, status("sandbox-demo").phase());
        assertFalse(controller.poll(), "an unchanged head does nothing");

        edit("clusters/sandbox-demo/cluster.yaml", "replicas: 2", "replicas: lots");
        RevCommit bad = commit("break sandbox-demo");
        pollAndWait();
        ClusterStatus broken = status("sandbox-demo");
        assertEquals(first.name(), broken.appliedRevision(), "the bad commit is not applied");
        assertEquals(bad.name(), broken.lastError().revision());
        assertEquals(bad.name(), status("libvirt-lab").attemptedRevision(), "other clusters still process the commit");

        edit("clusters/sandbox-demo/cluster.yaml", "replicas: lots", "replicas: 3");
        RevCommit fixed = commit("fix and scale sandbox-demo");
        pollAndWait();
        ClusterStatus ok = status("sandbox-demo");
        assertEquals(fixed.name(), ok.appliedRevision());
        assertEquals(null, ok.lastError());
        assertEquals(4, provider.list("sandbox-demo").size());

        JsonNode one = get("/api/v1/clusters/sandbox-demo");
        assertEquals(fixed.name(), one.path("appliedRevision").asText());
        assertEquals("READY", one.path("phase").asText());
        assertTrue(one.path("pools").get(0).path("renderedVersion").asText().startsWith("rendered-control-plane-"));
        assertTrue(one.path("conditions").size() >= 3);
        JsonNode all = get("/api/v1/clusters");
        assertEquals(3, all.size());
        JsonNode history = get("/api/v1/clusters/sandbox-demo/history");
        assertEquals(3, history.size(), history.toString());
        assertEquals("FAILED", history.get(1).path("outcome").asText());

        HttpResponse<String> metricsText = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + api.port() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
        assertTrue(metricsText.body().contains("nkd_reconcile_duration_seconds_bucket"), metricsText.body());
        assertTrue(metricsText.body().contains("nkd_cluster_applied_timestamp_seconds{cluster=\"sandbox-demo\"}"));
    }

    @Test
    void reconcileOnDemandAndUnknownClusters() throws Exception {
        pollAndWait();
        HttpResponse<String> accepted = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + api.port() + "/api/v1/clusters/sandbox-demo/reconcile"))
                .header("Authorization", "Bearer " + API_TOKEN).POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(202, accepted.statusCode());
        HttpResponse<String> missing = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + api.port() + "/api/v1/clusters/nope")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(404, missing.statusCode());
        HttpResponse<String> ready = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + api.port() + "/readyz")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, ready.statusCode());
        assertTrue(controller.awaitIdle(Duration.ofSeconds(30)));
    }

    private double reconciles(String cluster, String result) {
        return metrics.find("nkd_reconcile_total").tag("cluster", cluster).counters().stream()
                .filter(c -> result == null || result.equals(c.getId().getTag("result")))
                .mapToDouble(io.micrometer.core.instrument.Counter::count).sum();
    }

    /**
     * 20 parallel "reconcile now" requests (each fetches first, as the API does) while a commit arrives: one run
     * starts, the rest coalesce into one more run after it, nothing fails with "already locked", and the commit
     * pushed while the first run works is what the follow-up run applies.
     */
    @Test
    void parallelRequestsCoalesceIntoOneMoreRun() throws Exception {
        pollAndWait();
        double runsBefore = reconciles("sandbox-demo", null);
        double errorsBefore = reconciles("sandbox-demo", "error");
        pollDelayMillis = 30;
        gate = new CountDownLatch(1);

        edit("clusters/sandbox-demo/cluster.yaml", "replicas: 2", "replicas: 3");
        commit("scale to 3");
        ExecutorService clients = Executors.newFixedThreadPool(20);
        try {
            CyclicBarrier start = new CyclicBarrier(20);
            List<Future<?>> calls = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                calls.add(clients.submit(() -> {
                    start.await();
                    controller.poll();
                    controller.request("sandbox-demo", true);
                    return null;
                }));
            }
            for (Future<?> f : calls) {
                f.get(60, TimeUnit.SECONDS);
            }
            assertTrue(entered.await(60, TimeUnit.SECONDS), "a reconcile of sandbox-demo is running");

            // pushed while the first run works: only the follow-up run can apply it
            edit("clusters/sandbox-demo/cluster.yaml", "replicas: 3", "replicas: 4");
            RevCommit meanwhile = commit("scale to 4 while a reconcile runs");
            controller.poll();
            controller.request("sandbox-demo", true);
            gate.countDown();
            assertTrue(controller.awaitIdle(Duration.ofSeconds(60)));

            assertEquals(0, reconciles("sandbox-demo", "error") - errorsBefore, "no reconcile failed to run");
            double runs = reconciles("sandbox-demo", null) - runsBefore;
            assertTrue(runs >= 1 && runs <= 2, "21 requests made " + runs + " runs");
            ClusterStatus st = status("sandbox-demo");
            assertEquals(meanwhile.name(), st.appliedRevision(), "the follow-up run applied the newest commit");
            assertEquals(5, provider.list("sandbox-demo").size());
        } finally {
            gate.countDown();
            clients.shutdownNow();
        }
    }

    /** One cluster's corrupt status.json: the list still answers, and that cluster says what is wrong. */
    @Test
    void aCorruptStatusFileAffectsOnlyItsCluster() throws Exception {
        pollAndWait();
        Path file = store.root().resolve("clusters/libvirt-lab/status.json");
        Files.writeString(file, "{ not json");
        JsonNode all = get("/api/v1/clusters");
        assertEquals(3, all.size(), all.toString());
        for (JsonNode c : all) {
            if (c.path("name").asText().equals("libvirt-lab")) {
                assertEquals("UNKNOWN", c.path("phase").asText());
                assertEquals("StatusUnreadable", c.path("conditions").get(0).path("reason").asText());
                assertTrue(c.path("conditions").get(0).path("message").asText().contains(file.toString()), c.toString());
            } else {
                assertFalse(c.path("phase").asText().equals("UNKNOWN"), c.toString());
            }
        }
        assertEquals("READY", get("/api/v1/clusters/sandbox-demo").path("phase").asText());
        // the next reconcile rewrites it
        controller.request("libvirt-lab");
        assertTrue(controller.awaitIdle(Duration.ofSeconds(60)));
        assertFalse(get("/api/v1/clusters/libvirt-lab").path("phase").asText().equals("UNKNOWN"));
    }

    @Test
    void closingLetsAReconcileInProgressFinishAndItsStatusIsSaved() throws Exception {
        Controller closing = new Controller(new LocalRepoSource(repo, "main"),
                new ClusterReconciler(store, collaborators, Clock.systemUTC(), metrics), store, 1, metrics);
        java.util.concurrent.CountDownLatch held = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.atomic.AtomicBoolean interrupted = new java.util.concurrent.atomic.AtomicBoolean();
        onPublish = (state, rendered) -> {
            if (state.cluster().equals("sandbox-demo") && held.getCount() > 0) {
                held.countDown();
                try {
                    Thread.sleep(500); // a reconcile in the middle of its pass when nkd is asked to stop
                } catch (InterruptedException e) {
                    interrupted.set(true);
                    Thread.currentThread().interrupt();
                }
            }
        };
        closing.poll();
        assertTrue(held.await(60, java.util.concurrent.TimeUnit.SECONDS), "sandbox-demo's reconcile started");
        closing.close();
        assertFalse(interrupted.get(), "close waits for the reconcile in progress instead of interrupting it");
        assertTrue(StatusStore.status(store.view("sandbox-demo")).map(st -> st.appliedRevision() != null).orElse(false),
                "the reconcile finished and its status was saved: " + StatusStore.status(store.view("sandbox-demo")));
    }

    @Test
    void theClustersACommitChangedAreReconciledBeforeTheOthers() throws Exception {
        // one worker, so reconciles happen one at a time, in queue order
        try (Controller serial = new Controller(new LocalRepoSource(repo, "main"),
                new ClusterReconciler(store, collaborators, Clock.systemUTC(), metrics), store, 1, metrics)) {
            serial.poll();
            assertTrue(serial.awaitIdle(Duration.ofSeconds(60)));

            // hold the worker in libvirt-lab's reconcile while the others queue up in name order
            java.util.concurrent.CountDownLatch held = new java.util.concurrent.CountDownLatch(1);
            java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
            java.util.List<String> order = new java.util.concurrent.CopyOnWriteArrayList<>();
            onPublish = (state, rendered) -> {
                if (held.getCount() > 0) {
                    held.countDown();
                    await(release);
                } else {
                    order.add(state.cluster());
                }
            };
            serial.request("libvirt-lab");
            assertTrue(held.await(30, java.util.concurrent.TimeUnit.SECONDS), "libvirt-lab's reconcile started");
            serial.reconcileAll(); // queue: openstack-prod, sandbox-demo

            // a commit that changes only sandbox-demo, the last in the queue
            edit("clusters/sandbox-demo/cluster.yaml", "replicas: 2", "replicas: 3");
            commit("scale sandbox-demo");
            assertTrue(serial.poll());
            release.countDown();
            assertTrue(serial.awaitIdle(Duration.ofSeconds(60)));

            assertTrue(order.contains("openstack-prod") && order.contains("sandbox-demo"), order.toString());
            assertTrue(order.indexOf("sandbox-demo") < order.indexOf("openstack-prod"),
                    "the changed cluster goes before one that was queued earlier: " + order);
        }
    }

    @Test
    void failuresBackOffExponentiallyUpToTheMaximumAndResetOnSuccess() throws Exception {
        Duration min = Duration.ofMillis(400);
        Duration max = Duration.ofMillis(3200);
        controller.backoff(min, max);
        java.util.List<Long> attempts = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.concurrent.atomic.AtomicBoolean failing = new java.util.concurrent.atomic.AtomicBoolean(true);
        onPublish = (state, rendered) -> {
            if (state.cluster().equals("sandbox-demo")) {
                attempts.add(System.nanoTime());
                if (failing.get()) {
                    throw new IllegalStateException("simulated failure to publish");
                }
            }
        };
        controller.poll();
        // five failures, retried after 400, 800, 1600, 3200 and 3200 ms (the maximum), then a success
        awaitAttempts(attempts, 5, Duration.ofSeconds(60));
        failing.set(false);
        awaitAttempts(attempts, 6, Duration.ofSeconds(60));
        assertTrue(controller.awaitIdle(Duration.ofSeconds(60)));
        assertEquals(null, status("sandbox-demo").lastError(), "the sixth attempt succeeded");
        long[] backoff = {400, 800, 1600, 3200, 3200};
        for (int i = 0; i < backoff.length; i++) {
            long gap = millisBetween(attempts, i);
            // a retry never comes before its delay
            assertTrue(gap >= backoff[i], "retry " + (i + 1) + " came " + gap + " ms after the failure; its backoff is "
                    + backoff[i] + " ms (all: " + gaps(attempts) + ")");
        }
        // Each gap also holds the next attempt's work before the publish watched here (0.5-1 s on a loaded 2-core
        // machine, varying by about 0.5 s), so the upper bounds compare gaps with each other, with margins of half
        // the difference they detect: uncapped, the fifth gap would be 3200 ms longer than the fourth.
        long fourth = millisBetween(attempts, 3);
        long fifth = millisBetween(attempts, 4);
        assertTrue(fifth < fourth + 1600, "the backoff stops at the maximum: " + gaps(attempts));

        // after the success, a new failure is retried after the minimum again (2800 ms sooner than the maximum)
        failing.set(true);
        controller.request("sandbox-demo");
        awaitAttempts(attempts, 8, Duration.ofSeconds(60));
        failing.set(false);
        long afterReset = millisBetween(attempts, 6);
        assertTrue(afterReset >= min.toMillis() && afterReset < fourth - 1400, "the first retry after a success came "
                + afterReset + " ms after its failure; expected the minimum (" + min.toMillis() + " ms), not the maximum: "
                + gaps(attempts));
        awaitAttempts(attempts, 9, Duration.ofSeconds(60));
        assertTrue(controller.awaitIdle(Duration.ofSeconds(60)));
    }

    private static void await(java.util.concurrent.CountDownLatch latch) {
        try {
            latch.await(60, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void awaitAttempts(java.util.List<Long> attempts, int n, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (attempts.size() < n) {
            assertTrue(System.nanoTime() < deadline, "only " + attempts.size() + " of " + n + " reconcile attempts within " + timeout);
            Thread.sleep(10);
        }
    }

    private static long millisBetween(java.util.List<Long> attempts, int i) {
        return (attempts.get(i + 1) - attempts.get(i)) / 1_000_000;
    }

    private static java.util.List<Long> gaps(java.util.List<Long> attempts) {
        java.util.List<Long> out = new java.util.ArrayList<>();
        for (int i = 0; i + 1 < attempts.size(); i++) {
            out.add(millisBetween(attempts, i));
        }
        return out;
    }
}
