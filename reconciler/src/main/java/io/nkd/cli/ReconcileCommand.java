package io.nkd.cli;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code nkd reconcile CLUSTER}: asks a running nkd to reconcile one cluster now. */
@Command(name = "reconcile",
        mixinStandardHelpOptions = true,
        description = "Ask the running nkd daemon to reconcile one cluster now (POST /api/v1/clusters/NAME/reconcile).",
        footer = {"", "Example:", "  nkd reconcile demo --server http://127.0.0.1:9090 --state-dir /var/lib/nkd"})
final class ReconcileCommand implements Callable<Integer> {
    @Parameters(paramLabel = "CLUSTER")
    String cluster;

    @Option(names = "--server", defaultValue = "http://127.0.0.1:9090", description = "nkd's API address (default ${DEFAULT-VALUE}).")
    URI server;

    @Option(names = "--api-token-file", paramLabel = "FILE", description = "The daemon's API token (its --api-token-file).")
    java.nio.file.Path apiTokenFile;

    @Option(names = "--state-dir", paramLabel = "DIR",
            description = "The daemon's state directory: its generated API token (DIR/api-token) is sent.")
    java.nio.file.Path stateDir;

    @Override
    public Integer call() throws InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(server.resolve("/api/v1/clusters/" + cluster + "/reconcile"))
                .header("Authorization", "Bearer " + ApiTokens.forClient(apiTokenFile, stateDir))
                .timeout(Duration.ofSeconds(10)).POST(HttpRequest.BodyPublishers.noBody()).build();
        try {
            HttpResponse<String> response = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() == 202) {
                System.out.println("reconcile of " + cluster + " requested; watch it with: nkd status " + cluster + " --state-dir DIR");
                return 0;
            }
            throw new UserException("nkd at " + server + " answered " + response.statusCode() + ": " + response.body().strip());
        } catch (IOException e) {
            throw new UserException("cannot reach nkd at " + server + " (" + e.getMessage() + "); is nkd serve running there?");
        }
    }
}
