package io.nkd.cli;

import io.nkd.json.JsonOutput;
import io.nkd.state.StateStore;
import io.nkd.status.ClusterStatus;
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
            System.out.print(StatusPrinter.clusters(statuses));
        } else {
            System.out.print(StatusPrinter.detail(statuses.get(0)));
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
                return new Source(Optional.of(StateDirs.openExisting(stateDir, true)), Optional.empty());
            }
            if (server.isPresent()) {
                return new Source(Optional.empty(), Optional.of(api.client(server.get(), System.getenv())));
            }
            throw new UserException("give --state-dir DIR (nkd's state directory) or --server URL (a running nkd's API, "
                    + "also from NKD_SERVER)");
        }
    }

}
