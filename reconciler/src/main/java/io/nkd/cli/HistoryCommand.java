package io.nkd.cli;

import io.nkd.json.JsonOutput;
import io.nkd.state.StateStore;
import io.nkd.status.HistoryEntry;
import io.nkd.status.StatusStore;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code nkd history CLUSTER}: the commits nkd applied to (or refused for) a cluster, and how each ended. */
@Command(name = "history",
        mixinStandardHelpOptions = true,
        description = {"The commits that changed a cluster's desired state: when nkd applied each, and how it ended.",
            "Git keeps what changed (git log clusters/NAME); this is what nkd did with it."},
        footer = {"", "Examples:", "  nkd history demo --state-dir /var/lib/nkd",
            "  nkd history demo --server http://127.0.0.1:9090 -o json"})
final class HistoryCommand implements Callable<Integer> {
    @Parameters(paramLabel = "CLUSTER")
    String cluster;

    @Option(names = "--state-dir", paramLabel = "DIR", description = "nkd's state directory (or give --server).")
    Path stateDir;

    @Mixin
    ApiClient.Options api;

    @Mixin
    OutputOption output;

    @Override
    public Integer call() {
        StatusCommand.Source source = StatusCommand.Source.of(stateDir, api);
        List<HistoryEntry> entries;
        if (source.remote().isPresent()) {
            entries = source.remote().get().get(ApiClient.clusterPath(cluster, "/history"),
                    new com.fasterxml.jackson.core.type.TypeReference<List<HistoryEntry>>() { });
        } else {
            StateStore store = source.local().get();
            if (!store.listClusters().contains(cluster)) {
                throw new UserException("nkd has no state for cluster " + cluster + " in " + stateDir);
            }
            entries = StateDirs.call(() -> StatusStore.history(store.view(cluster)));
        }
        if (output.json()) {
            System.out.println(JsonOutput.write(entries));
            return 0;
        }
        System.out.print(StatusPrinter.history(entries));
        return 0;
    }
}
