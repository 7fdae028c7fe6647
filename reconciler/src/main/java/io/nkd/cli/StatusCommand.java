package io.nkd.cli;

import io.nkd.state.StateStore;
import io.nkd.status.ClusterStatus;
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
            System.out.print(StatusPrinter.clusters(statuses));
        } else {
            System.out.print(StatusPrinter.detail(statuses.get(0)));
        }
        return 0;
    }
}
