package io.nkd.cli;

import io.nkd.secrets.ClusterSecrets;
import io.nkd.secrets.SecretResolver;
import io.nkd.state.LocalStateStore;
import io.nkd.state.StateException;
import io.nkd.state.StateStore;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.function.Supplier;

/** Opening nkd's state directory from the CLI, with its failures as one-line user errors. */
final class StateDirs {
    private StateDirs() {
    }

    static StateStore open(Path stateDir) {
        return call(() -> new LocalStateStore(stateDir));
    }

    /**
     * Opens a state directory that must already exist, for commands that only read it (status, history,
     * certs): creating an empty one would answer "no clusters" for a mistyped path.
     */
    static StateStore openExisting(Path stateDir) {
        return openExisting(stateDir, false);
    }

    /** As {@link #openExisting(Path)}; {@code server}: the command also takes --server (nkd status), so say so. */
    static StateStore openExisting(Path stateDir, boolean server) {
        if (!java.nio.file.Files.exists(stateDir)) {
            throw new UserException("--state-dir " + stateDir + " does not exist; give the directory nkd serve uses "
                    + "(/var/lib/nkd for the systemd unit)" + (server ? ", or --server URL to ask a running nkd" : ""));
        }
        if (!java.nio.file.Files.isDirectory(stateDir)) {
            throw new UserException("--state-dir " + stateDir + " is not a directory; give the directory nkd serve uses");
        }
        return open(stateDir);
    }

    static ClusterSecrets secrets(Path stateDir) {
        return new ClusterSecrets(open(stateDir), new SecretResolver(stateDir, System.getenv()), new SecureRandom(), Clock.systemUTC());
    }

    /** Runs a state-store operation; its failures (locked, corrupt, insecure directory) become user errors. */
    static <T> T call(Supplier<T> action) {
        try {
            return action.get();
        } catch (StateException | SecretResolver.MissingSecretException | IllegalStateException e) {
            throw new UserException(Failures.describe(e));
        }
    }
}
