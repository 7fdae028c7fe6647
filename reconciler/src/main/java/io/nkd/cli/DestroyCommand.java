package io.nkd.cli;

import io.nkd.config.ClusterDocument;
import io.nkd.config.Infrastructure;
import io.nkd.infra.BuiltInProviders;
import io.nkd.infra.OwnedResource;
import io.nkd.infra.Provider;
import io.nkd.infra.registry.ProviderRegistry;
import io.nkd.reconcile.ClusterReconciler;
import io.nkd.reconcile.ProviderCalls;
import io.nkd.report.Report;
import io.nkd.secrets.SecretResolver;
import io.nkd.server.NodeTokens;
import io.nkd.state.ClusterState;
import io.nkd.state.LocalStateStore;
import io.nkd.state.StateLockedException;
import io.nkd.status.ClusterStatus;
import io.nkd.status.StatusStore;
import io.nkd.yaml.YamlBinder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code nkd destroy CLUSTER}: removes everything nkd created for a cluster at its provider, revokes its node tokens
 * and forgets its state (the PKI and secrets kept in a backup unless {@code --purge}). A dry run unless
 * {@code --confirm CLUSTER} repeats the name.
 *
 * <p><b>Safety.</b> The infrastructure comes from the cluster's last applied cluster.yaml in the state, never from
 * Git. The cluster must be out of the daemon's hands: its status, written by the daemon's latest reconcile, must say
 * it was removed from Git (UNMANAGED) or paused there (PAUSED); otherwise the daemon would create it again. The
 * command works on the state directory and holds the cluster's lock from the check to the end, so no reconcile of
 * the cluster runs meanwhile (a daemon's waits, then finds nothing to do).
 */
@Command(name = "destroy",
        mixinStandardHelpOptions = true,
        description = {"Delete everything nkd created for a cluster (machines, ports, groups, volumes…) and forget its state.",
            "Without --confirm CLUSTER it only lists what would go (a dry run).",
            "The cluster must first be removed from Git (or paused there), and 'nkd status CLUSTER' must show UNMANAGED or PAUSED.",
            "The cluster's PKI and secrets are kept in STATE_DIR/backups/ unless --purge."},
        footer = {"", "Examples:", "  nkd destroy lab --state-dir /var/lib/nkd",
            "  nkd destroy lab --state-dir /var/lib/nkd --confirm lab",
            "  nkd destroy lab --state-dir /var/lib/nkd --confirm lab --purge"})
final class DestroyCommand implements Callable<Integer> {
    /** How long to wait for a reconcile of the cluster that holds its lock. */
    static final Duration LOCK_WAIT = Duration.ofSeconds(60);

    @Parameters(paramLabel = "CLUSTER", description = "The cluster to destroy.")
    String cluster;

    @Option(names = "--state-dir", paramLabel = "DIR", required = true, description = "nkd's state directory (the one nkd serve uses).")
    Path stateDir;

    @Option(names = "--confirm", paramLabel = "CLUSTER", description = "The cluster's name again: really destroy it.")
    String confirm;

    @Option(names = "--purge", description = "Delete the cluster's PKI and secrets too, instead of keeping them in a backup.")
    boolean purge;

    @Override
    public Integer call() throws Exception {
        if (confirm != null && !confirm.equals(cluster)) {
            throw new UserException("--confirm " + confirm + " does not match the cluster " + cluster + ": give its exact name"
                    + " (--confirm " + cluster + ")");
        }
        if (io.nkd.config.ReservedNames.CLUSTERS.contains(cluster)) {
            // its state dir sits beside the clusters' (the Ignition server's serving CA): never a cluster of Git
            throw new UserException(cluster + " is not a cluster: it is nkd's own state in " + stateDir + " (the Ignition "
                    + "server's serving CA, which every pointer config trusts); nkd destroy does not remove it");
        }
        LocalStateStore store = (LocalStateStore) StateDirs.openExisting(stateDir);
        List<String> known = StateDirs.call(store::listClusters).stream()
                .filter(c -> !io.nkd.config.ReservedNames.CLUSTERS.contains(c)).sorted().toList();
        if (!known.contains(cluster)) {
            // exit 0: a second destroy finds nothing, which is success; the list helps with a mistyped name
            System.out.println("nkd has no state for cluster " + cluster + " in " + store.root() + ": nothing to destroy"
                    + (known.isEmpty() ? "." : " (clusters with state: " + String.join(", ", known) + ")."));
            return 0;
        }
        try (ClusterState state = lock(store)) {
            ClusterStatus status = StatusStore.status(state).orElse(ClusterStatus.initial(cluster));
            refuseWhileManaged(status);
            Optional<Infrastructure> infra = appliedInfrastructure(state);
            java.util.Map<String, java.time.Instant> fetched = new io.nkd.server.NodeFetches(store, Clock.systemUTC())
                    .firstFetches((io.nkd.state.ClusterView) state);
            try (ProviderRegistry registry = new ProviderRegistry(store.root(), new SecretResolver(store.root(), System.getenv()),
                    c -> c.equals(cluster) ? fetched : java.util.Map.of())) {
                Optional<Provider> provider = infra.map(i -> registry.forInfrastructure(i).orElseThrow(() -> new UserException(
                        "cluster " + cluster + " runs on " + i.provider().wire() + ": " + BuiltInProviders.unavailable(i.provider())
                                + "; nkd cannot list or delete its machines")))
                        .map(p -> new ProviderCalls(cluster, status.appliedRevision(), new io.micrometer.core.instrument.simple
                                .SimpleMeterRegistry(), Clock.systemUTC()).wrap(p));
                List<String> files = state.list("");
                if (confirm == null) {
                    dryRun(store, provider, files);
                    return 0;
                }
                destroy(store, state, provider);
                return 0;
            }
        }
    }

    private ClusterState lock(LocalStateStore store) throws InterruptedException {
        try {
            return store.open(cluster, LOCK_WAIT);
        } catch (StateLockedException e) {
            throw new UserException("cluster " + cluster + " is locked by another nkd (a reconcile or another command) for more than "
                    + LOCK_WAIT.toSeconds() + " s: " + e.getMessage() + ". Try again when it is done.");
        }
    }

    /** The daemon would create a cluster again that is still in Git at the revision it follows. */
    private void refuseWhileManaged(ClusterStatus status) {
        if (status.phase() == ClusterStatus.Phase.UNMANAGED || status.phase() == ClusterStatus.Phase.PAUSED) {
            return;
        }
        String seen = status.attemptedRevision() == null ? "nkd has not reconciled it yet"
                : "at commit " + io.nkd.config.Snapshot.shortId(status.attemptedRevision()) + " nkd found it in Git (phase "
                + status.phase() + ")";
        throw new UserException("cluster " + cluster + " is still managed: " + seen + ", so the daemon would create it again."
                + " Remove clusters/" + cluster + "/ from the config repository (or set spec.paused: true in its cluster.yaml),"
                + " push, wait until 'nkd status " + cluster + " --state-dir " + stateDir + "' shows UNMANAGED or PAUSED, then"
                + " run this again.");
    }

    /**
     * The infrastructure of the last applied cluster.yaml, or, when no commit was ever fully applied, of the latest one
     * whose machines nkd started to create (a first commit that failed midway still made some); empty when nkd never
     * got as far as calling a provider.
     */
    private Optional<Infrastructure> appliedInfrastructure(ClusterState state) {
        String file = ClusterReconciler.APPLIED_CLUSTER_FILE;
        Optional<byte[]> bytes = state.read(file);
        if (bytes.isEmpty()) {
            file = ClusterReconciler.PROVISIONING_CLUSTER_FILE;
            bytes = state.read(file);
        }
        if (bytes.isEmpty()) {
            return Optional.empty();
        }
        Report report = new Report();
        var doc = YamlBinder.bind(file, new String(bytes.get(), StandardCharsets.UTF_8), ClusterDocument.class, report);
        if (doc.value() == null || doc.value().spec() == null || doc.value().spec().infrastructure() == null) {
            throw new UserException("the last applied cluster.yaml of " + cluster + " (" + state.location() + "/"
                    + file + ") cannot be read: "
                    + (report.entries().isEmpty() ? "no spec.infrastructure" : report.entries().get(0))
                    + ". Restore it from a backup of the state directory; nkd needs it to know where the machines are");
        }
        return Optional.of(doc.value().spec().infrastructure());
    }

    private void dryRun(LocalStateStore store, Optional<Provider> provider, List<String> files) {
        StringBuilder out = new StringBuilder("Dry run: nothing was changed. 'nkd destroy " + cluster + " --state-dir " + stateDir
                + " --confirm " + cluster + "' would:\n");
        if (provider.isEmpty()) {
            out.append("- delete nothing at a provider (nkd never asked one for machines: no applied cluster.yaml)\n");
        } else {
            List<OwnedResource> owned = provider.get().owned(cluster);
            out.append("- delete ").append(owned.size()).append(" object(s) nkd created at ").append(provider.get().name())
                    .append(owned.isEmpty() ? "" : ":").append('\n');
            owned.forEach(r -> out.append("    ").append(r.describe()).append('\n'));
        }
        out.append("- revoke the cluster's node tokens\n");
        out.append("- forget its state in ").append(store.root().resolve("clusters").resolve(cluster)).append(": ")
                .append(String.join(", ", files)).append('\n');
        out.append(purge ? "- and delete its PKI and secrets (--purge): nothing is kept\n"
                : "- keep its PKI and secrets in a backup under " + store.backups() + " (0700)\n");
        System.out.print(out);
    }

    private void destroy(LocalStateStore store, ClusterState state, Optional<Provider> provider) {
        if (provider.isPresent()) {
            List<OwnedResource> gone = provider.get().destroy(cluster);
            System.out.println("Deleted " + gone.size() + " object(s) at " + provider.get().name() + (gone.isEmpty() ? "." : ":"));
            gone.forEach(r -> System.out.println("  " + r.describe()));
        }
        // a running Ignition server reads the registry on every request: the revocation applies at once
        int revoked = new NodeTokens(store, new SecureRandom(), Clock.systemUTC()).retainOnly(state, Set.of());
        System.out.println("Revoked " + revoked + " node token(s).");
        Optional<Path> backup = StateDirs.call(() -> store.forget(state, !purge, Clock.systemUTC().instant()));
        System.out.println(backup.map(b -> "Forgot the state of cluster " + cluster + "; its PKI and secrets are kept in " + b
                + " (0700). Delete that directory when you no longer need them.")
                .orElse("Forgot the state of cluster " + cluster + " (--purge: nothing kept)."));
    }
}
