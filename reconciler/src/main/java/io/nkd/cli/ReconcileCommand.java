package io.nkd.cli;

import java.net.URI;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code nkd reconcile CLUSTER}: asks a running nkd to reconcile one cluster now. */
@Command(name = "reconcile",
        mixinStandardHelpOptions = true,
        description = {"Ask the running nkd daemon to reconcile one cluster now (POST /api/v1/clusters/NAME/reconcile).",
            "The daemon fetches the repository first, so a commit pushed a moment ago is included.",
            "Without --server and NKD_SERVER, asks http://127.0.0.1:9090.",
            "The request needs the daemon's API token: --api-token-file, NKD_API_TOKEN, or --state-dir (the token the daemon generated there)."},
        footer = {"", "Examples:", "  nkd reconcile demo --state-dir /var/lib/nkd",
            "  nkd reconcile demo --server http://127.0.0.1:9090 --api-token-file /etc/nkd/api-token"})
final class ReconcileCommand implements Callable<Integer> {
    static final URI DEFAULT_SERVER = URI.create("http://127.0.0.1:9090");

    @Parameters(paramLabel = "CLUSTER")
    String cluster;

    @Mixin
    ApiClient.Options api;

    @Option(names = "--state-dir", paramLabel = "DIR",
            description = "The daemon's state directory: its generated API token (DIR/api-token) is sent.")
    java.nio.file.Path stateDir;

    @Override
    public Integer call() {
        URI server = api.server(System.getenv()).orElse(DEFAULT_SERVER);
        java.util.Optional<String> token = api.token(System.getenv());
        if (token.isEmpty() && stateDir != null) {
            token = java.util.Optional.of(ApiTokens.fromStateDir(stateDir));
        }
        new ApiClient(server, token).post(ApiClient.clusterPath(cluster, "/reconcile"));
        System.out.println("reconcile of " + cluster + " requested; watch it with: nkd status " + cluster + " --server " + server);
        return 0;
    }
}
