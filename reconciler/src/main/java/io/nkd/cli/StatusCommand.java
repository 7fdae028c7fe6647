package io.nkd.cli;

import io.nkd.state.StateStore;
import io.nkd.status.ClusterStatus;
import io.nkd.status.Condition;
import io.nkd.status.StatusStore;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code nkd status}: what nkd knows about each cluster, from its state directory or a running daemon. */
@Command(name = "status",
        mixinStandardHelpOptions = true,
        description = {"Show the clusters' status: applied commit, phase, conditions, pools and nodes, last error.",
            "Reads nkd's state directory (safe while nkd serve runs), or asks a running nkd with --server."},
        footer = {"", "Examples:", "  nkd status --state-dir /var/lib/nkd",
            "  nkd status demo --state-dir /var/lib/nkd -o json",
            "  nkd status --server http://127.0.0.1:9090"})
final class StatusCommand implements Callable<Integer> {
    @Parameters(arity = "0..1", paramLabel = "CLUSTER", description = "One cluster in detail (default: a line per cluster).")
    String cluster;

    @Option(names = "--state-dir", paramLabel = "DIR", description = "nkd's state directory (or give --server).")
    Path stateDir;

    @Mixin
    ApiClient.Options api;

    @Mixin
    OutputOption output;

    @Option(names = "--json", hidden = true, description = "The same as -o json (kept for scripts written for nkd 0.1).")
    boolean json;

    @Override
    public Integer call() {
        Source source = Source.of(stateDir, api);
        List<ClusterStatus> statuses;
        Object document;
        if (source.remote().isPresent()) {
            ApiClient client = source.remote().get();
            if (cluster == null) {
                statuses = client.get("/api/v1/clusters", new com.fasterxml.jackson.core.type.TypeReference<List<ClusterStatus>>() { });
            } else {
                statuses = List.of(client.get(ApiClient.clusterPath(cluster, ""), ClusterStatus.class));
            }
        } else {
            StateStore store = source.local().get();
            List<String> names = cluster == null ? io.nkd.config.ReservedNames.userClusters(store.listClusters()) : List.of(cluster);
            if (cluster != null && !store.listClusters().contains(cluster)) {
                throw new UserException("nkd has no state for cluster " + cluster + " in " + stateDir);
            }
            statuses = new ArrayList<>();
            for (String n : names) {
                statuses.add(StateDirs.call(() -> StatusStore.status(store.view(n)).orElse(ClusterStatus.initial(n))));
            }
        }
        document = cluster == null ? statuses : statuses.get(0);
        if (json || output.json()) {
            // the same document as GET /api/v1/clusters[/NAME]
            System.out.println(JsonOutput.write(document));
        } else if (cluster == null) {
            System.out.printf("%-20s %-13s %-13s %-6s %s%n", "CLUSTER", "PHASE", "APPLIED", "READY", "MESSAGE");
            for (ClusterStatus s : statuses) {
                Condition ready = s.condition("Ready");
                System.out.printf("%-20s %-13s %-13s %-6s %s%n", s.name(), s.phase(), shortId(s.appliedRevision()),
                        ready == null ? "-" : ready.status(), ready == null ? "" : ready.message());
            }
        } else {
            detail(statuses.get(0));
        }
        return 0;
    }

    /** Where status comes from: the state directory, or a daemon's API. */
    record Source(Optional<StateStore> local, Optional<ApiClient> remote) {
        static Source of(Path stateDir, ApiClient.Options api) {
            Optional<URI> server = api.server(System.getenv());
            if (stateDir != null && api.server != null) {
                throw new UserException("give either --state-dir or --server, not both");
            }
            if (stateDir != null) {
                return new Source(Optional.of(StateDirs.openExisting(stateDir)), Optional.empty());
            }
            if (server.isPresent()) {
                return new Source(Optional.empty(), Optional.of(api.client(server.get(), System.getenv())));
            }
            throw new UserException("give --state-dir DIR (nkd's state directory) or --server URL (a running nkd's API, "
                    + "also from NKD_SERVER)");
        }
    }

    private static void detail(ClusterStatus s) {
        System.out.println("Cluster:   " + s.name());
        System.out.println("Phase:     " + s.phase());
        System.out.println("Applied:   " + (s.appliedRevision() == null ? "-" : s.appliedRevision() + " at " + s.appliedAt()));
        if (s.attemptedRevision() != null && !s.attemptedRevision().equals(s.appliedRevision())) {
            System.out.println("Attempted: " + s.attemptedRevision());
        }
        System.out.println("Conditions:");
        s.conditions().forEach(c -> System.out.printf("  %-14s %-7s %-20s %s%n", c.type(), c.status(), c.reason(), c.message()));
        System.out.println("Pools:");
        s.pools().forEach(p -> System.out.printf("  %-20s %s%n", p.name(), p.renderedVersion()));
        System.out.println("Nodes:");
        s.nodes().forEach(n -> System.out.printf("  %-32s %-14s %-10s %s%n", n.name(), n.pool(), n.state(),
                n.desiredVersion() != null && n.desiredVersion().equals(n.currentVersion()) ? "up to date"
                        : "desired " + n.desiredVersion() + ", running " + (n.currentVersion() == null ? "-" : n.currentVersion())));
        if (s.lastError() != null) {
            System.out.println("Last error (" + s.lastError().time() + ", commit " + shortId(s.lastError().revision()) + "): "
                    + s.lastError().reason() + ": " + s.lastError().message());
        }
    }

    static String shortId(String revision) {
        return io.nkd.config.Snapshot.shortId(revision);
    }
}
