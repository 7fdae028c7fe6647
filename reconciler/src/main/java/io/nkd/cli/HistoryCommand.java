package io.nkd.cli;

import io.nkd.state.StateStore;
import io.nkd.status.HistoryEntry;
import io.nkd.status.StatusStore;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code nkd history CLUSTER}: the commits nkd applied to (or refused for) a cluster, and how each ended. */
@Command(name = "history",
        mixinStandardHelpOptions = true,
        description = {"The commits that changed a cluster's desired state: when nkd applied each, and how it ended.",
            "Git keeps what changed (git log clusters/NAME); this is what nkd did with it."},
        footer = {"", "Example:", "  nkd history demo --state-dir /var/lib/nkd"})
final class HistoryCommand implements Callable<Integer> {
    @Parameters(paramLabel = "CLUSTER")
    String cluster;

    @Option(names = "--state-dir", required = true, paramLabel = "DIR", description = "nkd's state directory.")
    Path stateDir;

    @Override
    public Integer call() {
        StateStore store = StateDirs.open(stateDir);
        if (!store.listClusters().contains(cluster)) {
            throw new UserException("nkd has no state for cluster " + cluster + " in " + stateDir);
        }
        List<HistoryEntry> entries = StateDirs.call(() -> StatusStore.history(store.view(cluster)));
        System.out.print(StatusPrinter.history(entries));
        return 0;
    }
}
