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

    static ClusterSecrets secrets(Path stateDir) {
        return new ClusterSecrets(open(stateDir), new SecretResolver(stateDir, System.getenv()), new SecureRandom(), Clock.systemUTC());
    }

    /** Runs a state-store operation; its failures (locked, corrupt, insecure directory) become user errors. */
    static <T> T call(Supplier<T> action) {
        try {
            return action.get();
        } catch (StateException | SecretResolver.MissingSecretException | IllegalStateException e) {
            throw new UserException(e.getMessage());
        }
    }
}
