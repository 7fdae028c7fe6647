package io.nkd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.nkd.git.GitDaemon;
import io.nkd.testkit.FaultyProxy;
import io.nkd.testkit.KubeApiServerExtension;
import io.nkd.testkit.KubeFixtures;
import io.nkd.testsupport.RepoPaths;
import io.nkd.testsupport.TestFiles;
import java.io.ByteArrayInputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The checks of issue 11, with two real {@code nkd serve} processes on one config repository (a {@code git daemon} on
 * loopback), one state namespace ({@code --state kubernetes:NS}) and one Lease on the real API server, short lease timings (4 s / 3 s / 1 s), the sandbox
 * provider's directory shared as the "cloud" (its journal records which process changed which machine, and when):
 * <ul>
 *   <li>SIGKILL of the leader in the middle of applying a push: the follower takes over within the lease duration (plus
 *       its retry period), converges with no machine created twice and no machine left without its token, and served
 *       Ignition throughout (a fetch loop against it sees no failure);</li>
 *   <li>a partition between the leader and the API server (a blackholing proxy): the old leader stops within its renew
 *       deadline, the other takes over, and the two never act in the same second (their logs and the cloud's journal).</li>
 * </ul>
 */
@ExtendWith(KubeApiServerExtension.class)
class HighAvailabilityProcessTest {
    static final String CLUSTER = "sandbox-demo";
    static final Duration LEASE = Duration.ofSeconds(4);
    static final Duration RENEW = Duration.ofSeconds(3);
    static final Duration RETRY = Duration.ofSeconds(1);

    @TempDir
    Path tmp;
    KubernetesClient client;
    KubeFixtures kube;

    private GitDaemon git;
    private GitDaemon.Work work;
    private String url;
    private final List<AutoCloseable> closing = new ArrayList<>();

    @BeforeEach
    void repository() throws Exception {
        git = GitDaemon.start(tmp.resolve("git"));
        url = git.createRepo("clusters");
        work = new GitDaemon.Work(tmp.resolve("work"), url);
        TestFiles.copyTree(RepoPaths.repoRoot().resolve("repo-layout/example"), work.dir);
        // the sandbox cluster only: the example's OpenStack and libvirt clusters would only fail (no cloud here)
        for (String other : List.of("libvirt-lab", "openstack-prod")) {
            try (var files = Files.walk(work.dir.resolve("clusters/" + other))) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
        work.git("add", "-A");
        work.git("commit", "-q", "-m", "initial");
        work.push("main");
    }

    @AfterEach
    void stop(org.junit.jupiter.api.TestInfo test) throws Exception {
        Collections.reverse(closing);
        for (AutoCloseable c : closing) {
            c.close();
        }
        git.close();
        // the replicas' logs, for a failure's post-mortem (the temporary directory goes)
        Path keep = Files.createDirectories(Path.of("target", "ha-logs", test.getTestMethod().orElseThrow().getName()));
        try (var logs = Files.newDirectoryStream(tmp.resolve("ha"), "*.log")) {
            for (Path log : logs) {
                Files.copy(log, keep.resolve(log.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        }
        Path journal = tmp.resolve("ha/cloud/sandbox/mutations.log");
        if (Files.exists(journal)) {
            Files.copy(journal, keep.resolve("mutations.log"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** How the replicas share their state (Secrets and ConfigMaps of the test's namespace) and elect their leader. */
    private List<String> sharedState(Path kubeconfig, String lease) {
        return List.of("--state", "kubernetes:" + kube.namespace(), "--leader-election-lease", lease, "--kubeconfig", kubeconfig.toString());
    }

    private String pushWorkers(int from, int to) throws Exception {
        Path yaml = work.dir.resolve("clusters/" + CLUSTER + "/cluster.yaml");
        String text = Files.readString(yaml);
        String marker = "role: worker\n      replicas: " + from;
        assertTrue(text.contains(marker), text);
        Files.writeString(yaml, text.replace(marker, "role: worker\n      replicas: " + to));
        work.git("commit", "-q", "-am", "workers " + from + " -> " + to);
        work.push("main");
        return work.git("rev-parse", "HEAD");
    }

    private static boolean readyAt(JsonNode s, String commit) {
        return commit.equals(s.path("appliedRevision").asText()) && "READY".equals(s.path("phase").asText());
    }

    /** The machines the cloud holds for the cluster, by name: their pointer config (userData) and state. */
    private JsonNode machines(HaReplicas ha) throws Exception {
        Path file = ha.cloud.resolve("sandbox/" + CLUSTER + ".json");
        return Files.exists(file) ? new ObjectMapper().readTree(file.toFile()) : new ObjectMapper().createArrayNode();
    }

    @Test
    void sigkillOfTheLeaderMidReconcileTheFollowerTakesOverConvergesAndServedIgnitionThroughout() throws Exception {
        Path kubeconfig = HaReplicas.kubeconfig(tmp.resolve("kubeconfig"), kube.config(), client.getConfiguration().getMasterUrl());
        HaReplicas ha = new HaReplicas(Files.createDirectories(tmp.resolve("ha")), url, sharedState(kubeconfig, "nkd-failover"));
        closing.add(ha);
        HaReplicas.Replica a = ha.start("replica-a");
        HaReplicas.await(() -> HaReplicas.leading(a), Duration.ofSeconds(60), "replica-a leads");
        HaReplicas.Replica b = ha.start("replica-b");
        HaReplicas.await(() -> HaReplicas.get(b, "/readyz").filter(r -> r.statusCode() == 200).isPresent(), Duration.ofSeconds(60),
                "replica-b is ready (serves Ignition from the shared state)");
        HaReplicas.await(() -> HaReplicas.leader(b).map(j -> j.path("leader").asText()).orElse("").equals("replica-a"),
                Duration.ofSeconds(10), "replica-b names replica-a as the leader (GET /api/v1/leader)");
        assertFalse(HaReplicas.leading(b));
        String initial = work.git("rev-parse", "HEAD");
        DaemonStatus.await(a.apiPort(), CLUSTER, s -> readyAt(s, initial), Duration.ofSeconds(90));
        assertTrue(readyAt(DaemonStatus.cluster(b.apiPort(), CLUSTER), initial), "the follower's read API shows the leader's work");
        assertEquals(Set.of(a.pid()), ha.journal().stream().map(HaReplicas.Mutation::pid).collect(Collectors.toSet()));

        // a webhook reaching the follower: 503 with Retry-After (only the leader follows Git)
        HttpResponse<String> hook = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + b.apiPort() + "/hooks/generic")).POST(HttpRequest.BodyPublishers.ofString("{}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(503, hook.statusCode(), hook.body());
        assertEquals("15", hook.headers().firstValue("Retry-After").orElse(null));
        assertTrue(hook.body().contains("the leader is replica-a"), hook.body());

        // the push: 3 more workers; the leader is killed as soon as the cloud saw its first new machine
        Set<String> before = names(machines(ha));
        String pushed = pushWorkers(2, 5);
        long waitUntil = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (journalSize(ha) <= before.size()) { // watched closely: the kill must land inside the reconcile
            assertTrue(System.nanoTime() < waitUntil, "replica-a creates a new machine within 30 s");
            Thread.sleep(1);
        }
        a.process().destroyForcibly(); // SIGKILL
        Instant killed = Instant.now();
        a.process().waitFor();
        String pointer = null;
        for (JsonNode m : machines(ha)) {
            if (!before.contains(m.path("name").asText())) {
                pointer = m.path("userData").asText();
            }
        }
        assertTrue(pointer != null, "a new machine with its pointer config");

        // meanwhile a booting node fetches from the follower, as through the Service
        FetchLoop loop = new FetchLoop(pointer, b.ignition());
        Duration takeover = Duration.between(killed, Instant.now()).plus(
                HaReplicas.await(() -> HaReplicas.leading(b), Duration.ofSeconds(30), "replica-b takes over"));
        assertTrue(takeover.compareTo(LEASE.plus(RETRY.multipliedBy(3))) <= 0, "replica-b led " + takeover.toMillis()
                + " ms after the SIGKILL: the lease expires at most " + LEASE.toMillis() + " ms after replica-a's last renewal,"
                + " and replica-b tries every " + RETRY.toMillis() + " ms (with fabric8's jitter)");
        Thread.sleep(1000);
        loop.close();

        JsonNode done = DaemonStatus.await(b.apiPort(), CLUSTER, s -> readyAt(s, pushed), Duration.ofSeconds(90));
        assertEquals(6, done.path("nodes").size(), done.toString());
        JsonNode cloud = machines(ha);
        assertEquals(6, cloud.size(), cloud.toString());
        for (JsonNode m : cloud) {
            assertEquals("RUNNING", m.path("state").asText(), "booted with its pointer (its token was not lost): " + m.path("name"));
        }
        List<HaReplicas.Mutation> journal = ha.journal();
        List<String> created = journal.stream().filter(m -> m.op().equals("create")).map(HaReplicas.Mutation::machine).toList();
        assertEquals(new HashSet<>(created).size(), created.size(), "no machine created twice: " + journal);
        assertEquals(names(cloud), new HashSet<>(created));
        assertTrue(journal.stream().noneMatch(m -> m.op().equals("delete")), journal.toString());
        for (HaReplicas.Mutation m : journal) {
            assertTrue(m.pid() == (m.at().isBefore(killed) ? a.pid() : b.pid()), "acted by the leader of the moment: " + m);
        }
        // killed in the middle of its reconcile of the push: it never finished it (replica-b did, creating what was left)
        assertTrue(HaReplicas.logTimes(a, "reconcile finished cluster=" + CLUSTER + " commit=" + pushed.substring(0, 12)).isEmpty(),
                "replica-a was killed mid-reconcile");

        List<Integer> statuses = loop.statuses();
        assertTrue(statuses.size() >= 10, "fetches: " + statuses);
        assertEquals(List.of(), loop.failures(), "fetches from the follower during the failover that did not get the config");
        assertTrue(HaReplicas.logTimes(b, "leading: this replica (replica-b)").size() == 1);
    }

    @Test
    void aLeaderCutOffFromTheApiServerStopsWithinItsRenewDeadlineAndTheTwoNeverActInTheSameSecond() throws Exception {
        URI server = URI.create(client.getConfiguration().getMasterUrl());
        FaultyProxy partition = FaultyProxy.to(new InetSocketAddress(server.getHost(), server.getPort()));
        closing.add(partition);
        Path direct = HaReplicas.kubeconfig(tmp.resolve("kubeconfig"), kube.config(), server.toString());
        Path cut = HaReplicas.kubeconfig(tmp.resolve("kubeconfig-a"), kube.config(), "https://127.0.0.1:" + partition.port());
        HaReplicas ha = new HaReplicas(Files.createDirectories(tmp.resolve("ha")), url, sharedState(direct, "nkd-partition"));
        closing.add(ha);
        // replica-a reaches the API server (its state and the Lease) only through the proxy; a later --kubeconfig wins
        HaReplicas.Replica a = ha.start("replica-a", "--kubeconfig", cut.toString());
        HaReplicas.await(() -> HaReplicas.leading(a), Duration.ofSeconds(60), "replica-a leads");
        HaReplicas.Replica b = ha.start("replica-b");
        HaReplicas.await(() -> HaReplicas.leader(b).map(j -> j.path("leader").asText()).orElse("").equals("replica-a"),
                Duration.ofSeconds(60), "replica-b follows replica-a");
        String initial = work.git("rev-parse", "HEAD");
        DaemonStatus.await(a.apiPort(), CLUSTER, s -> readyAt(s, initial), Duration.ofSeconds(90));

        // a push; as soon as replica-a acts on it, the network between replica-a and the API server drops everything
        int before = journalSize(ha);
        String pushed = pushWorkers(2, 4);
        HaReplicas.await(() -> journalSize(ha) > before, Duration.ofSeconds(30), "replica-a creates a new machine");
        partition.mode(FaultyProxy.Mode.BLACKHOLE);
        Instant cutAt = Instant.now();
        HaReplicas.await(() -> HaReplicas.leading(b), Duration.ofSeconds(30), "replica-b takes over");
        DaemonStatus.await(b.apiPort(), CLUSTER, s -> readyAt(s, pushed), Duration.ofSeconds(90));
        assertFalse(HaReplicas.leading(a), "replica-a, cut off, does not lead");

        // replica-a's own account: it stopped within its renew deadline of the cut (its last renewal was before the cut)
        List<Instant> stopped = HaReplicas.logTimes(a, "stopped leading: this replica (replica-a)");
        assertEquals(1, stopped.size(), a.logText());
        Duration toStop = Duration.between(cutAt, stopped.get(0));
        // the log line is written by the election's watch (every 100 ms) once leadership lapsed: allow for a busy machine
        assertTrue(toStop.compareTo(RENEW.plusSeconds(1)) <= 0, "replica-a stopped " + toStop.toMillis() + " ms after the cut");
        Instant led = HaReplicas.logTimes(b, "leading: this replica (replica-b)").get(0);
        assertTrue(Duration.between(stopped.get(0), led).compareTo(Duration.ofMillis(500)) >= 0,
                "replica-a stopped at " + stopped.get(0) + ", replica-b started leading at " + led);

        // what each one did, from its log and from the cloud's journal: replica-a only before it stopped, replica-b only
        // after it started, never both within one second
        List<String> acts = List.of("reconcile started", "machine requested", "sandbox machine created", "sandbox machine deleted",
                "applying add-ons");
        List<Instant> actsA = new ArrayList<>();
        List<Instant> actsB = new ArrayList<>();
        for (String act : acts) {
            actsA.addAll(HaReplicas.logTimes(a, act));
            actsB.addAll(HaReplicas.logTimes(b, act));
        }
        List<HaReplicas.Mutation> journal = ha.journal();
        journal.stream().filter(m -> m.pid() == a.pid()).forEach(m -> actsA.add(m.at()));
        journal.stream().filter(m -> m.pid() == b.pid()).forEach(m -> actsB.add(m.at()));
        assertTrue(journal.stream().allMatch(m -> m.pid() == a.pid() || m.pid() == b.pid()), journal.toString());
        Instant lastA = actsA.stream().max(Instant::compareTo).orElseThrow();
        Instant firstB = actsB.stream().min(Instant::compareTo).orElseThrow();
        assertTrue(!lastA.isAfter(stopped.get(0)), "replica-a acted at " + lastA + ", after it stopped leading at " + stopped.get(0));
        assertTrue(!firstB.isBefore(led), "replica-b acted at " + firstB + ", before it led at " + led);
        assertTrue(Duration.between(lastA, firstB).compareTo(Duration.ofSeconds(1)) >= 0,
                "replica-a's last act " + lastA + " and replica-b's first " + firstB + " are less than a second apart");
        List<String> created = journal.stream().filter(m -> m.op().equals("create")).map(HaReplicas.Mutation::machine).toList();
        assertEquals(new HashSet<>(created).size(), created.size(), "no machine created twice: " + journal);
        assertEquals(5, created.size(), journal.toString());

        // healed: replica-a follows the new leader and does not act
        partition.mode(FaultyProxy.Mode.PASS);
        HaReplicas.await(() -> HaReplicas.leader(a).map(j -> j.path("leader").asText()).orElse("").equals("replica-b"),
                Duration.ofSeconds(30), "replica-a sees replica-b lead once the network is back");
        assertFalse(HaReplicas.leading(a));
    }

    private static Set<String> names(JsonNode machines) {
        Set<String> out = new HashSet<>();
        machines.forEach(m -> out.add(m.path("name").asText()));
        return out;
    }

    private static int journalSize(HaReplicas ha) {
        try {
            return (int) ha.journal().stream().filter(m -> m.op().equals("create")).count();
        } catch (Exception e) {
            return 0;
        }
    }

    /**
     * What a booting node's Ignition does with its pointer config, again and again (every 100 ms), against one replica's
     * Ignition address: every answer is recorded. A node's token is revoked once the node joined, so a 403 after a run
     * of 200s ends the loop; anything else that is not 200 is a failure.
     */
    static final class FetchLoop implements AutoCloseable {
        private final List<Integer> statuses = Collections.synchronizedList(new ArrayList<>());
        private final List<String> failures = Collections.synchronizedList(new ArrayList<>());
        private final Thread thread;
        private volatile boolean stop;

        FetchLoop(String pointerJson, InetSocketAddress replica) throws Exception {
            JsonNode pointer = new ObjectMapper().readTree(pointerJson);
            HttpClient http = HttpClient.newBuilder().sslContext(trusting(pointer)).connectTimeout(Duration.ofSeconds(2)).build();
            List<HttpRequest> requests = new ArrayList<>();
            for (JsonNode merge : pointer.path("ignition").path("config").path("merge")) {
                URI source = URI.create(merge.path("source").asText());
                URI direct = URI.create("https://" + replica.getHostString() + ":" + replica.getPort() + source.getRawPath());
                HttpRequest.Builder r = HttpRequest.newBuilder(direct).timeout(Duration.ofSeconds(2));
                merge.path("httpHeaders").forEach(h -> r.header(h.path("name").asText(), h.path("value").asText()));
                requests.add(r.build());
            }
            thread = new Thread(() -> {
                boolean revoked = false;
                while (!stop && !revoked) {
                    for (HttpRequest request : requests) {
                        int status;
                        try {
                            status = http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
                        } catch (Exception e) {
                            status = -1;
                            failures.add(Instant.now() + " " + e);
                        }
                        statuses.add(status);
                        if (status == 403 && statuses.contains(200)) {
                            revoked = true; // the node joined and its token was revoked: what a booted node never asks again
                        } else if (status != 200 && status != -1) {
                            failures.add(Instant.now() + " HTTP " + status + " for " + request.uri().getPath());
                        }
                    }
                    try {
                        Thread.sleep(100);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "fetch-loop");
            thread.setDaemon(true);
            thread.start();
        }

        private static SSLContext trusting(JsonNode pointer) throws Exception {
            String caUrl = pointer.path("ignition").path("security").path("tls").path("certificateAuthorities").get(0).path("source").asText();
            byte[] pem = caUrl.contains(";base64,") ? Base64.getDecoder().decode(caUrl.substring(caUrl.indexOf(',') + 1))
                    : java.net.URLDecoder.decode(caUrl.substring(caUrl.indexOf(',') + 1), StandardCharsets.UTF_8).getBytes(StandardCharsets.UTF_8);
            KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
            trust.load(null, null);
            trust.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(pem)));
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            SSLContext tls = SSLContext.getInstance("TLS");
            tls.init(null, tmf.getTrustManagers(), null);
            return tls;
        }

        List<Integer> statuses() {
            return List.copyOf(statuses);
        }

        List<String> failures() {
            return List.copyOf(failures);
        }

        @Override
        public void close() throws InterruptedException {
            stop = true;
            thread.join(5000);
        }
    }
}
