package io.nkd.cli;

import io.nkd.reconcile.LocalRepoSource;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.revwalk.RevCommit;

/**
 * A real {@code nkd serve} (the {@link Daemon}, in this JVM) on the demo's config repository: the sandbox cluster
 * {@code sandbox-demo} with simulated machines and a simulated Kubernetes (fast boots), for the console's tests.
 * The poll interval is an hour: a test moves the daemon with {@link #poll()} after a commit, as a webhook would.
 */
final class ConsoleDaemon implements AutoCloseable {
    static final String CLUSTER = DemoTour.CLUSTER;
    final Path repo;
    final Path stateDir;
    final Daemon daemon;
    final String base;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    ConsoleDaemon(Path dir) throws Exception {
        repo = dir.resolve("repo");
        DemoCommand.createRepository(repo);
        edit(y -> y.replace("bootTime: 2s", "bootTime: 300ms"), "faster simulated machines");
        stateDir = dir.resolve("state");
        InetSocketAddress any = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        daemon = new Daemon(new Daemon.Settings(new LocalRepoSource(repo, "main"), stateDir, Duration.ofHours(1), any, any,
                "127.0.0.1", 2, null, null, Daemon.Http.defaults()));
        base = "http://127.0.0.1:" + daemon.api.port();
        daemon.controller.poll();
    }

    /** Commits a change of the cluster's cluster.yaml; returns the commit. */
    RevCommit edit(UnaryOperator<String> change, String message) throws Exception {
        return edit(change, Map.of(), message);
    }

    /**
     * Commits a change of the cluster's cluster.yaml and, in the same commit, {@code files} (paths relative to the
     * cluster's directory, written whole); returns the commit.
     */
    RevCommit edit(UnaryOperator<String> change, Map<String, String> files, String message) throws Exception {
        Path file = repo.resolve("clusters/" + CLUSTER + "/cluster.yaml");
        String before = Files.readString(file);
        String after = change.apply(before);
        if (after.equals(before) && files.isEmpty()) {
            throw new IllegalStateException("the edit for \"" + message + "\" changed nothing in " + file);
        }
        Files.writeString(file, after);
        for (Map.Entry<String, String> f : files.entrySet()) {
            Path target = repo.resolve("clusters/" + CLUSTER).resolve(f.getKey());
            Files.createDirectories(target.getParent());
            Files.writeString(target, f.getValue());
        }
        try (Git git = Git.open(repo.toFile())) {
            git.add().addFilepattern(".").call();
            PersonIdent who = new PersonIdent("Ada Operator", "ada@example.com");
            return git.commit().setAll(true).setMessage(message).setAuthor(who).setCommitter(who).setSign(false).call();
        }
    }

    /** What a webhook does: fetch now, and reconcile what changed. */
    void poll() {
        daemon.controller.poll();
    }

    String apiToken() throws IOException {
        return Files.readString(stateDir.resolve("api-token")).trim();
    }

    HttpResponse<String> get(String path, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(10));
        for (int i = 0; i + 1 < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    HttpResponse<byte[]> getBytes(String path, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(10));
        for (int i = 0; i + 1 < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    @Override
    public void close() {
        daemon.close();
    }
}
