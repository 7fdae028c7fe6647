package io.nkd.cli;

import io.nkd.state.StateStore;
import io.nkd.status.ClusterStatus;
import io.nkd.status.Condition;
import io.nkd.status.StatusStore;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code nkd status}: what nkd knows about each cluster, from its state directory. */
@Command(name = "status",
        mixinStandardHelpOptions = true,
        description = {"Show the clusters' status: applied commit, phase, conditions, pools and nodes, last error.",
            "Reads nkd's state directory (safe while nkd serve runs)."},
        footer = {"", "Examples:", "  nkd status --state-dir /var/lib/nkd", "  nkd status demo --state-dir /var/lib/nkd --json"})
final class StatusCommand implements Callable<Integer> {
    @Parameters(arity = "0..1", paramLabel = "CLUSTER", description = "One cluster in detail (default: a line per cluster).")
    String cluster;

    @Option(names = "--state-dir", required = true, paramLabel = "DIR", description = "nkd's state directory.")
    Path stateDir;

    @Option(names = "--json", description = "Print JSON (the same document as GET /api/v1/clusters[/NAME]).")
    boolean json;

    @Override
    public Integer call() throws Exception {
        StateStore store = StateDirs.open(stateDir);
        List<String> names = cluster == null ? io.nkd.config.ReservedNames.userClusters(store.listClusters()) : List.of(cluster);
        if (cluster != null && !store.listClusters().contains(cluster)) {
            throw new UserException("nkd has no state for cluster " + cluster + " in " + stateDir);
        }
        List<ClusterStatus> statuses = new ArrayList<>();
        for (String n : names) {
            statuses.add(StateDirs.call(() -> StatusStore.status(store.view(n)).orElse(ClusterStatus.initial(n))));
        }
        if (json) {
            System.out.println(io.nkd.server.ApiServer.JSON.writeValueAsString(cluster == null ? statuses : statuses.get(0)));
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
