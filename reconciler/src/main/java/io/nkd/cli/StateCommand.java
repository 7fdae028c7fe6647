package io.nkd.cli;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.nkd.state.StateException;
import io.nkd.state.StateLocation;
import io.nkd.state.StateStore;
import io.nkd.state.open.StateMigration;
import io.nkd.state.open.StateStores;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code nkd state …}: the state store itself. */
@Command(name = "state",
        mixinStandardHelpOptions = true,
        description = "The state store itself: move it between a local directory and a Kubernetes namespace.",
        subcommands = {StateCommand.Migrate.class})
final class StateCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** {@code nkd state migrate --from LOCATION --to LOCATION}: copy, then verify byte for byte. */
    @Command(name = "migrate",
            mixinStandardHelpOptions = true,
            description = {"Copies every cluster's state (PKI, tokens, status, history, served configs) from one store to"
                    + " another, each cluster under its lock on both sides, secrets staying secrets (0600 files, Secrets),"
                    + " then verifies the copy byte for byte through a fresh read of the target.",
                "LOCATION is a directory (or local:DIR), kubernetes (namespace " + StateLocation.DEFAULT_NAMESPACE
                    + ", or the pod's own) or kubernetes:NAMESPACE.",
                "Stop nkd serve first, or it holds the locks (migrate waits --lock-wait for each cluster)."},
            footer = {"", "Examples:", "  nkd state migrate --from /var/lib/nkd --to kubernetes:nkd-system",
                "  nkd state migrate --from kubernetes:nkd-system --to /var/backups/nkd-state --kubeconfig admin.conf"})
    static final class Migrate implements Callable<Integer> {
        @Option(names = "--from", required = true, paramLabel = "LOCATION", description = "Where the state is now.")
        String from;

        @Option(names = "--to", required = true, paramLabel = "LOCATION",
                description = "Where it goes; must hold no cluster's state unless --force.")
        String to;

        @Option(names = "--force", description = "Replace the state of the migrated clusters in a non-empty target.")
        boolean force;

        @Option(names = "--kubeconfig", paramLabel = "FILE",
                description = "For a kubernetes location (default: KUBECONFIG, ~/.kube/config, or the pod's ServiceAccount).")
        Path kubeconfig;

        @Option(names = "--lock-wait", paramLabel = "DURATION", defaultValue = "PT60S",
                description = "How long to wait for each cluster's lock on either side (ISO-8601, default ${DEFAULT-VALUE}).")
        Duration lockWait;

        @Override
        public Integer call() throws Exception {
            StateLocation source = location("--from", from);
            StateLocation target = location("--to", to);
            if (source.equals(target)) {
                throw new UserException("--from and --to are the same store (" + source + ")");
            }
            if (source instanceof StateLocation.Local l && !Files.isDirectory(l.dir())) {
                throw new UserException("--from " + l.dir() + " is not a directory; give the state directory nkd serve"
                        + " uses (/var/lib/nkd for the systemd unit)");
            }
            if (kubeconfig != null && !Files.isReadable(kubeconfig)) {
                throw new UserException("--kubeconfig " + kubeconfig + " is not a readable file");
            }
            Optional<Path> kc = Optional.ofNullable(kubeconfig);
            SimpleMeterRegistry metrics = new SimpleMeterRegistry();
            long start = System.nanoTime();
            StateStore a = open(source, kc, metrics);
            try {
                StateStore b = open(target, kc, metrics);
                StateMigration.Summary copied;
                try {
                    System.err.println("migrating the state of " + a.listClusters().size() + " cluster(s) from " + source
                            + " to " + target);
                    copied = StateMigration.copy(a, source.toString(), b, target.toString(), force, lockWait,
                            System.err::println);
                } finally {
                    close(b);
                }
                // A fresh store on the target: it reads what the target holds, not what this process remembers writing.
                StateStore check = open(target, kc, metrics);
                try {
                    StateMigration.Summary verified = StateMigration.verify(a, check, target.toString());
                    if (verified.files() != copied.files() || verified.bytes() != copied.bytes()) {
                        throw new UserException("verification failed: copied " + copied.files() + " files ("
                                + copied.bytes() + " bytes) but " + target + " holds " + verified.files() + " files ("
                                + verified.bytes() + " bytes) of those clusters; run the migration again with --force");
                    }
                } finally {
                    close(check);
                }
                System.out.printf(java.util.Locale.ROOT, "migrated %d cluster(s), %d files, %d bytes from %s to %s in %.1f s;"
                                + " verified byte for byte%n", copied.clusters(), copied.files(), copied.bytes(), source,
                        target, (System.nanoTime() - start) / 1e9);
                return 0;
            } catch (StateMigration.MigrationException e) {
                throw new UserException(e.getMessage());
            } catch (StateException e) {
                throw new UserException(Failures.describe(e));
            } finally {
                close(a);
            }
        }

        private static StateLocation location(String flag, String value) {
            try {
                return StateLocation.parse(value);
            } catch (IllegalArgumentException e) {
                throw new UserException(e.getMessage().replaceFirst("^--state:", flag + ":"));
            }
        }

        private static StateStore open(StateLocation location, Optional<Path> kubeconfig, SimpleMeterRegistry metrics) {
            return StateDirs.call(() -> StateStores.open(location, kubeconfig, metrics));
        }

        private static void close(StateStore store) {
            if (store instanceof AutoCloseable c) {
                try {
                    c.close();
                } catch (Exception ignored) {
                    // closing releases locks and stops watches; nothing to report beyond what the copy said
                }
            }
        }
    }
}
