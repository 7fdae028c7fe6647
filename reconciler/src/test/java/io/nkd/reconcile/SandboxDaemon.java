package io.nkd.reconcile;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.nkd.config.Infrastructure;
import io.nkd.config.Snapshot;
import io.nkd.git.Snapshots;
import io.nkd.infra.MachineRequest;
import io.nkd.infra.OwnedResource;
import io.nkd.infra.Provider;
import io.nkd.infra.ProvisionedMachine;
import io.nkd.infra.sandbox.SandboxProvider;
import io.nkd.plan.Plan;
import io.nkd.plan.Planner;
import io.nkd.secrets.ClusterSecrets;
import io.nkd.secrets.SecretResolver;
import io.nkd.server.IgnitionContent;
import io.nkd.server.IgnitionServer;
import io.nkd.server.NodeBootstrap;
import io.nkd.server.NodeTokens;
import io.nkd.server.PointerConfigs;
import io.nkd.server.ServerSettings;
import io.nkd.server.ServingCa;
import io.nkd.server.ServingIdentity;
import io.nkd.state.LocalStateStore;
import io.nkd.status.ClusterStatus;
import io.nkd.testsupport.RepoPaths;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.PersonIdent;

/**
 * The daemon's parts wired as {@code nkd serve} wires them (state store, secrets, the HTTPS Ignition server with
 * node tokens, the sandbox provider whose machines boot by fetching their configs from it), over a real Git
 * config repository holding repo-layout/example's image catalog and its sandbox-demo cluster. Tests commit
 * changes, plan them, and reconcile them.
 */
final class SandboxDaemon implements AutoCloseable {
    static final String CLUSTER = "sandbox-demo";
    static final String FILE = "clusters/sandbox-demo/cluster.yaml";
    private static final PersonIdent AUTHOR = new PersonIdent("Reviewer", "reviewer@example.com");

    final Path repo;
    final LocalStateStore store;
    final SandboxProvider sandbox;
    final ClusterReconciler reconciler;
    final NodeTokens tokens;
    /** What the daemon asked the provider to do, in order: {@code create X} / {@code delete X}. */
    final List<Call> calls = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
    /** Machines whose create the provider refuses (as a quota would), for tests of a commit that fails midway. */
    final java.util.Set<String> refuseCreate = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final IgnitionServer server;
    private final Git git;
    private final Map<String, String> commits = new LinkedHashMap<>();

    SandboxDaemon(Path dir) throws Exception {
        repo = dir.resolve("config");
        Path example = RepoPaths.repoRoot().resolve("repo-layout/example");
        copy(example.resolve("images"), repo.resolve("images"));
        copy(example.resolve("clusters/" + CLUSTER), repo.resolve("clusters/" + CLUSTER));
        git = Git.init().setDirectory(repo.toFile()).setInitialBranch("main").call();

        SecureRandom random = new SecureRandom();
        Clock clock = Clock.systemUTC();
        store = new LocalStateStore(dir.resolve("state"), clock);
        ServingCa ca = ServingCa.ensure(store, random, clock);
        InetSocketAddress listen = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        ServingIdentity identity = ca.issueServerIdentity(ServingCa.serverNames(List.of("127.0.0.1"), listen));
        IgnitionContent content = new IgnitionContent();
        tokens = new NodeTokens(store, random, clock);
        server = IgnitionServer.start(ServerSettings.of(listen), identity, content, tokens, new SimpleMeterRegistry());
        NodeBootstrap boot = new NodeBootstrap(content, tokens, PointerConfigs.Target.of(server, identity));
        sandbox = new SandboxProvider(dir.resolve("state"), Duration.ofMillis(50));
        Collaborators collaborators = new Collaborators(new ClusterSecrets(store, new SecretResolver(dir, Map.of()), random, clock),
                boot, boot, infra -> infra.provider() == Infrastructure.ProviderType.SANDBOX ? Optional.of(recording()) : Optional.empty());
        reconciler = new ClusterReconciler(store, collaborators, clock, new SimpleMeterRegistry());
    }

    /**
     * One call the daemon made to the provider.
     *
     * @param others the cluster's other machines that were not active when the call was made (name → state)
     */
    record Call(String verb, String machine, Map<String, ProvisionedMachine.State> others) {
        @Override
        public String toString() {
            return verb + " " + machine;
        }
    }

    /** The sandbox, with every create and delete recorded in {@link #calls}. */
    private Provider recording() {
        return new Provider() {
            @Override
            public Infrastructure.ProviderType type() {
                return sandbox.type();
            }

            @Override
            public List<ProvisionedMachine> list(String cluster) {
                return sandbox.list(cluster);
            }

            @Override
            public ProvisionedMachine create(MachineRequest request) {
                calls.add(new Call("create", request.name(), notActive(request.cluster(), request.name())));
                if (refuseCreate.contains(request.name())) {
                    throw new io.nkd.infra.ProviderException(io.nkd.infra.ProviderException.Kind.QUOTA_EXCEEDED,
                            "sandbox refused creating " + request.name(), "Quota exceeded for instances (test)");
                }
                return sandbox.create(request);
            }

            @Override
            public void delete(String cluster, String machine) {
                calls.add(new Call("delete", machine, notActive(cluster, machine)));
                sandbox.delete(cluster, machine);
            }

            @Override
            public List<OwnedResource> owned(String cluster) {
                return sandbox.owned(cluster);
            }

            @Override
            public List<OwnedResource> destroy(String cluster) {
                return sandbox.destroy(cluster);
            }
        };
    }

    private Map<String, ProvisionedMachine.State> notActive(String cluster, String except) {
        Map<String, ProvisionedMachine.State> m = new java.util.TreeMap<>();
        sandbox.list(cluster).stream().filter(x -> !x.name().equals(except) && !x.isRunning()).forEach(x -> m.put(x.name(), x.state()));
        return m;
    }

    SandboxDaemon edit(String file, String from, String to) throws IOException {
        Path path = repo.resolve(file);
        String text = Files.readString(path);
        if (!text.contains(from)) {
            throw new IllegalArgumentException("\"" + from + "\" is not in " + file);
        }
        Files.writeString(path, text.replace(from, to));
        return this;
    }

    SandboxDaemon edit(String file, UnaryOperator<String> edit) throws IOException {
        Path path = repo.resolve(file);
        Files.writeString(path, edit.apply(Files.readString(path)));
        return this;
    }

    SandboxDaemon write(String file, String text) throws IOException {
        Files.createDirectories(repo.resolve(file).getParent());
        Files.writeString(repo.resolve(file), text);
        return this;
    }

    /** Puts the example's cluster directory back (after {@link #remove}), with a short boot time. */
    SandboxDaemon restoreCluster() throws IOException {
        copy(RepoPaths.repoRoot().resolve("repo-layout/example/clusters/" + CLUSTER), repo.resolve("clusters/" + CLUSTER));
        return edit(FILE, "bootTime: 2s", "bootTime: 50ms");
    }

    SandboxDaemon remove(String path) throws Exception {
        git.rm().addFilepattern(path).call();
        return this;
    }

    /** Commits the working tree as the step {@code name}. */
    String commit(String name) throws Exception {
        git.add().addFilepattern(".").call();
        String id = git.commit().setAll(true).setMessage(name).setAuthor(AUTHOR).setCommitter(AUTHOR).setSign(false).call().getName();
        commits.put(name, id);
        return id;
    }

    String id(String step) {
        return commits.get(step);
    }

    Snapshot snapshot(String step) throws IOException {
        return Snapshots.fromGit(repo, id(step));
    }

    /** What {@code nkd plan --base BASE --head HEAD} computes. */
    Plan plan(String base, String head) throws IOException {
        return Planner.plan(snapshot(base), snapshot(head));
    }

    /** Runs {@code nkd plan --repo REPO --base BASE --head HEAD --format json} in process: its exit code and output. */
    Map.Entry<Integer, String> planCommand(String base, String head) {
        java.io.PrintStream out = System.out;
        java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
        try {
            System.setOut(new java.io.PrintStream(captured, true, java.nio.charset.StandardCharsets.UTF_8));
            int exit = io.nkd.cli.Main.execute("plan", "--repo", repo.toString(), "--base", id(base), "--head", id(head),
                    "--format", "json");
            return Map.entry(exit, captured.toString(java.nio.charset.StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
        }
    }

    /**
     * Reconciles the cluster to a commit the way the controller does: again while its machines boot (the controller
     * retries PROVISIONING clusters after a few seconds), until the reconcile has nothing more to wait for.
     */
    ClusterStatus apply(String step) throws IOException, InterruptedException {
        DesiredRevision desired = DesiredRevision.of(snapshot(step));
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        ClusterReconciler.Outcome outcome = reconciler.reconcile(CLUSTER, desired);
        while (outcome.status().phase() == ClusterStatus.Phase.PROVISIONING && System.nanoTime() < deadline) {
            Thread.sleep(50);
            outcome = reconciler.reconcile(CLUSTER, desired);
        }
        return outcome.status();
    }

    /** The sandbox's machines, by name. */
    Map<String, ProvisionedMachine> machines() {
        Map<String, ProvisionedMachine> m = new LinkedHashMap<>();
        sandbox.list(CLUSTER).forEach(x -> m.put(x.name(), x));
        return m;
    }

    @Override
    public void close() {
        sandbox.close();
        server.close();
        git.close();
    }

    private static void copy(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path p : files.sorted().toList()) {
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
