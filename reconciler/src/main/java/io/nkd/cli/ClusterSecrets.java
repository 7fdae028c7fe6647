package io.nkd.cli;

import io.nkd.config.LoadedCluster;
import io.nkd.render.BootstrapSecrets;
import java.nio.file.Path;

/** The real bootstrap secrets of a cluster, from (and generated into) the state directory. */
final class ClusterSecrets {
    private ClusterSecrets() {
    }

    static BootstrapSecrets forCluster(Path stateDir, LoadedCluster cluster) {
        throw new UserException("--state-dir is not available yet in this build: render without it for review output");
    }
}
