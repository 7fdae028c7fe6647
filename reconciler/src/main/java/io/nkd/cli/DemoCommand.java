package io.nkd.cli;

import io.nkd.reconcile.LocalRepoSource;
import io.nkd.render.DemoRepository;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.PersonIdent;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code nkd demo}: the whole loop on this machine, with simulated machines. */
@Command(name = "demo",
        mixinStandardHelpOptions = true,
        description = {"Create a local config repository with a sandbox cluster (simulated machines and a simulated "
                + "Housekeeper), start the nkd daemon on it, and show what to try.",
                "With --tour, nkd then takes the cluster through its life by itself, one commit at a time: an OS image "
                        + "upgrade rolled out node by node, its git revert rolled back, workers scaled out and in.",
                "Run it again to continue where you left off."},
        footer = {"", "Examples:", "  ./nkd demo            # then, in another terminal, follow the printed steps",
                "  ./nkd demo --tour     # watch nkd upgrade, roll back and scale the cluster",
                "  ./nkd demo --dir /tmp/nkd-tour --tour --exit-after-tour   # a self-check: exit 0 when every step happened"})
final class DemoCommand implements Callable<Integer> {
    @Option(names = "--dir", defaultValue = "nkd-demo", description = "Where the demo keeps its repository and state (default ${DEFAULT-VALUE}).")
    Path dir;

    @Option(names = "--listen", defaultValue = "127.0.0.1:9090", description = "API address (default ${DEFAULT-VALUE}).")
    String listen;

    @Option(names = "--ignition-listen", defaultValue = "127.0.0.1:8443", description = "Ignition HTTPS address (default ${DEFAULT-VALUE}).")
    String ignitionListen;

    @Option(names = "--tour", description = "Once the cluster is Ready, commit an OS image change, watch it roll node by "
            + "node, git revert it, watch the rollback, then scale the workers 2 → 3 → 2; print each step as nkd's status shows it.")
    boolean tour;

    @Option(names = "--exit-after-tour", description = "Stop nkd when the tour is over: exit status 0 when every step "
            + "happened, 1 when one did not (implies --tour).")
    boolean exitAfterTour;

    /** How often the tour reads nkd's status, and how long one of its steps may take. */
    Duration tourPoll = Duration.ofMillis(500);
    Duration tourPatience = Duration.ofMinutes(5);

    @Override
    public Integer call() throws Exception {
        Path repo = dir.resolve("repo").toAbsolutePath();
        Path state = dir.resolve("state").toAbsolutePath();
        if (!Files.exists(repo.resolve(".git"))) {
            createRepository(repo);
        }
        if (!Files.exists(state)) {
            Files.createDirectories(state);
            Files.setPosixFilePermissions(state, PosixFilePermissions.fromString("rwx------"));
        }
        var settings = new Daemon.Settings(new LocalRepoSource(repo, "main"), state, Duration.ofSeconds(5),
                ServeCommand.address(listen, "--listen"), ServeCommand.address(ignitionListen, "--ignition-listen"), "127.0.0.1", 2, null, null,
                Daemon.Http.defaults());
        java.util.concurrent.CountDownLatch stop = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.atomic.AtomicBoolean toured = new java.util.concurrent.atomic.AtomicBoolean(true);
        ServeCommand.runMappingBindErrors(settings, daemon -> {
            String api = "http://" + settings.listen().getHostString() + ":" + daemon.api.port();
            printHints(repo, state, api);
            if (tour || exitAfterTour) {
                startTour(repo, state, api, stop, toured);
            }
        }, settings.listen(), "--ignition-listen", stop);
        return toured.get() ? 0 : 1;
    }

    /** The tour runs beside the daemon, as a user in another terminal would; the daemon keeps serving after it. */
    private void startTour(Path repo, Path state, String api, java.util.concurrent.CountDownLatch stop,
                           java.util.concurrent.atomic.AtomicBoolean toured) {
        Thread t = new Thread(() -> {
            boolean ok = false;
            try {
                ApiClient client = new ApiClient(java.net.URI.create(api), io.nkd.server.ApiToken.readForStateDir(state));
                ok = new DemoTour(repo, "--state-dir " + state, client, System.out, tourPoll, tourPatience).run();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Exception e) {
                System.out.println("   the tour could not start: " + Failures.describe(e));
            } finally {
                toured.set(ok);
                if (exitAfterTour) {
                    stop.countDown();
                } else {
                    System.out.println();
                    System.out.println("nkd keeps running: try the commands above. Press Ctrl-C to stop.");
                }
            }
        }, "nkd-demo-tour");
        t.setDaemon(true);
        t.start();
    }

    private void printHints(Path repo, Path state, String api) {
        Path cluster = repo.resolve("clusters/sandbox-demo/cluster.yaml");
        String reconcile = "./nkd reconcile sandbox-demo --server " + api + " --state-dir " + state;
        System.out.println();
        System.out.println("nkd demo is running: it follows " + repo + " (branch main) and keeps cluster sandbox-demo");
        System.out.println("(1 control-plane node, 2 workers; simulated machines that fetch their Ignition from nkd over HTTPS,");
        System.out.println("join a simulated Kubernetes, and are upgraded by the Housekeeper's own rollout logic).");
        System.out.println();
        System.out.println("The web console: " + api + "/ (live; the reconcile button asks for the API token in " + state
                + "/api-token)");
        System.out.println();
        System.out.println((tour || exitAfterTour ? "The tour starts below; meanwhile, or afterwards, try" : "Try") + ", in another terminal:");
        System.out.println("  ./nkd status --state-dir " + state);
        System.out.println("  ./nkd status sandbox-demo --state-dir " + state);
        System.out.println("  curl -s " + api + "/api/v1/clusters/sandbox-demo");
        if (!(tour || exitAfterTour)) {
            System.out.println("  # upgrade the OS image by committing; review first what the commit will do:");
            System.out.println("  sed -i 's/image: " + DemoTour.FROM_IMAGE + "/image: " + DemoTour.TO_IMAGE + "/' " + cluster);
            System.out.println("  git -C " + repo + " commit -qam 'Upgrade to NestOS 24.09.2'");
            System.out.println("  ./nkd plan --repo " + repo + " --base HEAD~1 --head HEAD");
            System.out.println("  " + reconcile + "   # or wait for the next poll");
            System.out.println("  watch -n1 ./nkd status sandbox-demo --state-dir " + state + "   # node by node");
            System.out.println("  # roll it back:");
            System.out.println("  git -C " + repo + " revert --no-edit HEAD && " + reconcile);
            System.out.println("  # scale the workers to 3:");
            System.out.println("  sed -i 's/replicas: 2/replicas: 3/' " + cluster);
            System.out.println("  git -C " + repo + " commit -qam 'Scale workers to 3' && " + reconcile);
        }
        System.out.println("  ./nkd history sandbox-demo --state-dir " + state);
        System.out.println("  curl -s " + api + "/metrics | grep nkd_");
        System.out.println();
        System.out.println((exitAfterTour ? "nkd stops when the tour is over; Ctrl-C stops it earlier." : "Press Ctrl-C to stop.")
                + " Run ./nkd demo again to continue; delete " + dir + " to start afresh.");
    }

    static void createRepository(Path repo) throws Exception {
        for (var e : DemoRepository.files().entrySet()) {
            Path p = repo.resolve(e.getKey());
            Files.createDirectories(p.getParent());
            Files.writeString(p, e.getValue(), StandardCharsets.UTF_8);
        }
        try (Git git = Git.init().setDirectory(repo.toFile()).setInitialBranch("main").call()) {
            git.add().addFilepattern(".").call();
            PersonIdent who = new PersonIdent("nkd demo", "nkd@localhost");
            git.commit().setMessage("Demo: sandbox cluster with 1 control-plane node and 2 workers").setAuthor(who).setCommitter(who)
                    .setSign(false).call();
        }
    }
}
