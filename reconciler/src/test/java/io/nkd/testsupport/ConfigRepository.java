package io.nkd.testsupport;

import io.nkd.config.Snapshot;
import io.nkd.git.Snapshots;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.PersonIdent;

/**
 * A real Git config repository for a test: the image catalog of repo-layout/example, and the clusters a test writes.
 * A test edits files, commits them as named steps, and hands the commits' snapshots to nkd.
 *
 * <pre>{@code
 * ConfigRepository repo = ConfigRepository.create(tmp.resolve("config"));
 * repo.write("clusters/e2e/cluster.yaml", ConfigRepository.cluster("e2e", "127.0.0.1:" + port, 1, 2)).commit("create e2e");
 * Snapshot head = repo.snapshot("create e2e");
 * }</pre>
 */
public final class ConfigRepository implements AutoCloseable {
    private static final PersonIdent AUTHOR = new PersonIdent("Reviewer", "reviewer@example.com");

    private final Path dir;
    private final Git git;
    private final Map<String, String> commits = new LinkedHashMap<>();

    private ConfigRepository(Path dir, Git git) {
        this.dir = dir;
        this.git = git;
    }

    /** A new repository on branch main holding repo-layout/example's images/ (nothing committed yet). */
    public static ConfigRepository create(Path dir) throws Exception {
        TestFiles.copyTree(RepoPaths.repoRoot().resolve("repo-layout/example/images"), dir.resolve("images"));
        return new ConfigRepository(dir, Git.init().setDirectory(dir.toFile()).setInitialBranch("main").call());
    }

    /**
     * A cluster.yaml on the sandbox infrastructure (whose machines a test's own provider makes) with one control-plane
     * pool and one worker pool: nodes {@code NAME-control-plane-1…} and {@code NAME-workers-1…}.
     *
     * @param endpoint the control-plane endpoint, e.g. {@code 127.0.0.1:PORT} of a test's own API server: nkd's
     *                 certificates and admin.conf name it
     */
    public static String cluster(String name, String endpoint, int controlPlanes, int workers) {
        return """
                apiVersion: nkd.io/v1alpha1
                kind: Cluster
                metadata:
                  name: %s
                spec:
                  kubernetes:
                    version: v1.31.4
                    controlPlaneEndpoint: %s
                    runtime: containerd
                    serviceSubnet: 10.96.0.0/12
                  os:
                    image: nestos-24.09-k8s-1.31
                  infrastructure:
                    provider: sandbox
                    sandbox:
                      bootTime: 1s
                  pools:
                    - name: control-plane
                      role: control-plane
                      replicas: %d
                    - name: workers
                      role: worker
                      replicas: %d
                  access:
                    users:
                      - name: core
                        sshAuthorizedKeys:
                          - ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGtGZ8bJk2VZ3bDPa2z9U9wK1mBn0Tq6o2V5YH2bq0xR e2e@example
                  upgrade:
                    maxUnavailable: 1
                """.formatted(name, endpoint, controlPlanes, workers);
    }

    public Path dir() {
        return dir;
    }

    public ConfigRepository write(String file, String text) throws IOException {
        Files.createDirectories(dir.resolve(file).getParent());
        Files.writeString(dir.resolve(file), text);
        return this;
    }

    /** Replaces {@code from} by {@code to} in a file; fails when the file does not contain it. */
    public ConfigRepository edit(String file, String from, String to) throws IOException {
        TestFiles.edit(dir.resolve(file), from, to);
        return this;
    }

    public ConfigRepository edit(String file, UnaryOperator<String> edit) throws IOException {
        Files.writeString(dir.resolve(file), edit.apply(Files.readString(dir.resolve(file))));
        return this;
    }

    public ConfigRepository remove(String path) throws Exception {
        git.rm().addFilepattern(path).call();
        return this;
    }

    /** Commits the work tree as the step {@code name}; returns the commit id. */
    public String commit(String name) throws Exception {
        git.add().addFilepattern(".").call();
        String id = git.commit().setAll(true).setMessage(name).setAuthor(AUTHOR).setCommitter(AUTHOR).setSign(false).call().getName();
        commits.put(name, id);
        return id;
    }

    /** The commit id of a step. */
    public String id(String step) {
        String id = commits.get(step);
        if (id == null) {
            throw new IllegalArgumentException("no commit named \"" + step + "\"; committed: " + commits.keySet());
        }
        return id;
    }

    public Snapshot snapshot(String step) throws IOException {
        return Snapshots.fromGit(dir, id(step));
    }

    @Override
    public void close() {
        git.close();
    }
}
