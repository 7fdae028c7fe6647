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
        description = {"Create a local config repository with a sandbox cluster (simulated machines), start the nkd "
                + "daemon on it, and show what to try.", "Run it again to continue where you left off."},
        footer = {"", "Example:", "  ./nkd demo            # then, in another terminal, follow the printed steps"})
final class DemoCommand implements Callable<Integer> {
    @Option(names = "--dir", defaultValue = "nkd-demo", description = "Where the demo keeps its repository and state (default ${DEFAULT-VALUE}).")
    Path dir;

    @Option(names = "--listen", defaultValue = "127.0.0.1:9090", description = "API address (default ${DEFAULT-VALUE}).")
    String listen;

    @Option(names = "--ignition-listen", defaultValue = "127.0.0.1:8443", description = "Ignition HTTPS address (default ${DEFAULT-VALUE}).")
    String ignitionListen;

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
        ServeCommand.runMappingBindErrors(settings, daemon -> printHints(repo, state), settings.listen(), "--ignition-listen");
        return 0;
    }

    private void printHints(Path repo, Path state) {
        String api = "http://" + listen;
        System.out.println();
        System.out.println("nkd demo is running: it follows " + repo + " (branch main) and keeps cluster sandbox-demo");
        System.out.println("(1 control-plane node, 2 workers; simulated machines that fetch their Ignition from nkd over HTTPS).");
        System.out.println();
        System.out.println("Try, in another terminal:");
        System.out.println("  ./nkd status --state-dir " + state);
        System.out.println("  ./nkd status sandbox-demo --state-dir " + state);
        System.out.println("  curl -s " + api + "/api/v1/clusters/sandbox-demo");
        System.out.println("  # scale the workers to 3 by committing to the repository:");
        System.out.println("  sed -i 's/replicas: 2/replicas: 3/' " + repo.resolve("clusters/sandbox-demo/cluster.yaml"));
        System.out.println("  git -C " + repo + " commit -qam 'Scale workers to 3' && ./nkd reconcile sandbox-demo --server " + api
                + " --state-dir " + state);
        System.out.println("  ./nkd history sandbox-demo --state-dir " + state);
        System.out.println("  curl -s " + api + "/metrics | grep nkd_");
        System.out.println();
        System.out.println("Press Ctrl-C to stop. Run ./nkd demo again to continue; delete " + dir + " to start afresh.");
    }

    private static void createRepository(Path repo) throws Exception {
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
