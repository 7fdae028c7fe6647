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
import java.util.Map;
import java.util.Optional;
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
                (cluster, rendered) -> { },
                new Collaborators.BootConfigs() {
                    @Override
                    public String pointer(io.nkd.state.ClusterState state, String pool, String node, String poolVersion, String nodeVersion) {
                        return "pointer;pool=" + poolVersion + ";node=" + nodeVersion;
                    }

                    @Override
                    public void revoke(io.nkd.state.ClusterState state, String node) {
                    }
                },
                infra -> infra.provider() == Infrastructure.Provider.SANDBOX ? Optional.of(provider) : Optional.empty());
        controller = new Controller(new LocalRepoSource(repo, "main"), new ClusterReconciler(store, c, Clock.systemUTC(), metrics),
                store, 2, metrics);
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
}
