package io.nkd.cli;

import io.nkd.server.ApiToken;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/** The API token a client command sends with a mutating request. */
final class ApiTokens {
    /** Environment variable with the token, for scripts and CI jobs that hold it as a secret. */
    static final String ENV = "NKD_API_TOKEN";

    private ApiTokens() {
    }

    /**
     * From {@code tokenFile} if given, else from the daemon's state directory, else from {@value #ENV}; an error that
     * says how to give one when there is none.
     */
    static String forClient(Path tokenFile, Path stateDir) {
        try {
            if (tokenFile != null) {
                return ApiToken.read(tokenFile);
            }
            if (stateDir != null) {
                Optional<String> t = ApiToken.readForStateDir(stateDir);
                if (t.isPresent()) {
                    return t.get();
                }
                throw new UserException("no API token in " + ApiToken.fileIn(stateDir) + ": is " + stateDir
                        + " the state directory of a daemon that has started? Or give --api-token-file");
            }
        } catch (IOException e) {
            throw new UserException("cannot read the API token: " + e.getMessage());
        }
        String env = System.getenv(ENV);
        if (env != null && !env.isBlank()) {
            return env.strip();
        }
        throw new UserException("this request needs the daemon's API token: give --state-dir DIR (the daemon's state directory), "
                + "--api-token-file FILE, or set " + ENV);
    }
}
