package io.nkd.plan;

import io.nkd.config.Snapshot;
import io.nkd.git.Snapshots;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.revwalk.RevCommit;

/**
 * A real Git config repository, started from a copy of repo-layout/example, with a history of reviewed changes:
 * each step is a commit (or a {@code git revert} of one) named for what it does, so tests plan any two of them.
 */
final class PlanHistory {
    private static final PersonIdent AUTHOR = new PersonIdent("Reviewer", "reviewer@example.com");

    private final Path dir;
    private final Git git;
    private final Map<String, String> commits = new LinkedHashMap<>();

    private PlanHistory(Path dir, Git git) {
        this.dir = dir;
        this.git = git;
    }

    static PlanHistory build(Path dir) throws IOException, GitAPIException {
        copy(Example.directory(), dir);
        PlanHistory h = new PlanHistory(dir, Git.init().setDirectory(dir.toFile()).setInitialBranch("main").call());
        h.commit("initial");
        h.edit(Example.PROD, "replicas: 3\n      machine: {flavor: m1.xlarge}", "replicas: 5\n      machine: {flavor: m1.xlarge}");
        h.commit("scale-workers");
        h.edit("clusters/openstack-prod/butane/all/10-chrony.bu", "server ntp2.example.com iburst\n",
                "server ntp2.example.com iburst\n          server ntp3.example.com iburst\n");
        h.commit("chrony-snippet");
        h.write("images/nestos-24.09.1.yaml", resource("nestos-24.09.1.yaml"));
        h.edit(Example.PROD, "image: nestos-24.09-k8s-1.31", "image: nestos-24.09.1-k8s-1.31");
        h.edit(Example.PROD, "maxUnavailable: 1", "maxUnavailable: 2");
        h.commit("os-upgrade");
        h.revert("os-upgrade", "revert-os-upgrade");
        h.edit(Example.LAB, "version: v1.30.8", "version: v1.31.4");
        h.edit(Example.LAB, "image: nestos-24.03-k8s-1.30", "image: nestos-24.09-k8s-1.31");
        h.edit(Example.LAB, "ip: 192.168.122.22", "ip: 192.168.122.23");
        h.edit(Example.LAB, "  access:\n", resource("storage-pool.yaml") + "  access:\n");
        h.write("clusters/libvirt-lab/butane/storage/20-storage-role.bu", resource("storage-pool.bu"));
        h.write("clusters/libvirt-lab/manifests/metrics/metrics-server.yaml", resource("metrics-server.yaml"));
        h.edit(Example.LAB, "manifests: [cni/flannel.yaml]", "manifests: [cni/flannel.yaml]\n    - name: metrics-server\n"
                + "      manifests: [metrics/]");
        h.commit("lab-kubernetes-1.31");
        h.edit("clusters/openstack-prod/manifests/cni/calico.yaml", "", "# MTU for the overlay\n");
        h.commit("calico-manifest");
        h.edit(Example.PROD, "version: v1.31.4", "version: v1.30.8");
        h.commit("k8s-downgrade");
        h.revert("k8s-downgrade", "revert-k8s-downgrade");
        h.edit(Example.PROD, "replicas: 3\n      machine: {flavor: m1.large}", "replicas: 1\n      machine: {flavor: m1.large}");
        h.commit("quorum-loss");
        h.revert("quorum-loss", "revert-quorum-loss");
        h.git.rm().addFilepattern("clusters/sandbox-demo").call();
        h.commit("remove-sandbox");
        h.revert("remove-sandbox", "restore-sandbox");
        return h;
    }

    Path dir() {
        return dir;
    }

    String id(String step) {
        String id = commits.get(step);
        if (id == null) {
            throw new IllegalArgumentException("no step " + step + " in " + commits.keySet());
        }
        return id;
    }

    Snapshot snapshot(String step) throws IOException {
        return Snapshots.fromGit(dir, id(step));
    }

    Plan plan(String base, String head) throws IOException {
        return Planner.plan(snapshot(base), snapshot(head));
    }

    private void edit(String file, String from, String to) throws IOException {
        Path path = dir.resolve(file);
        String text = Files.readString(path);
        UnaryOperator<String> edit = from.isEmpty() ? t -> t + to : Example.replace(from, to);
        Files.writeString(path, edit.apply(text));
    }

    private void write(String file, String text) throws IOException {
        Files.createDirectories(dir.resolve(file).getParent());
        Files.writeString(dir.resolve(file), text);
    }

    private void commit(String step) throws GitAPIException {
        git.add().addFilepattern(".").call();
        RevCommit c = git.commit().setAll(true).setMessage(step).setAuthor(AUTHOR).setCommitter(AUTHOR).setSign(false).call();
        commits.put(step, c.getName());
    }

    private void revert(String step, String name) throws GitAPIException {
        RevCommit c = git.revert().include(ObjectId.fromString(id(step))).call();
        commits.put(name, c.getName());
    }

    static String resource(String name) {
        try (InputStream in = PlanHistory.class.getResourceAsStream("/plan/" + name)) {
            if (in == null) {
                throw new IllegalStateException("test resource plan/" + name + " is missing");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void copy(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path p : files.sorted(Comparator.naturalOrder()).toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }
}
