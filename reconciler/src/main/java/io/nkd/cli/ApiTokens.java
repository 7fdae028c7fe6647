package io.nkd.cli;

import io.nkd.server.ApiToken;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/** The API token a daemon generated into its state directory, for client commands run on the same machine. */
final class ApiTokens {
    private ApiTokens() {
    }

    static String fromStateDir(Path stateDir) {
        try {
            Optional<String> t = ApiToken.readForStateDir(stateDir);
            if (t.isPresent()) {
                return t.get();
            }
        } catch (IOException e) {
            throw new UserException("cannot read the API token in " + ApiToken.fileIn(stateDir) + ": " + Failures.describe(e));
        }
        throw new UserException("no API token in " + ApiToken.fileIn(stateDir) + ": is " + stateDir
                + " the state directory of a daemon that has started? Or give --api-token-file FILE or set NKD_API_TOKEN");
    }
}
