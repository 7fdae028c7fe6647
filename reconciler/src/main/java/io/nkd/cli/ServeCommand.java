package io.nkd.cli;

import io.nkd.reconcile.LocalRepoSource;
import io.nkd.reconcile.RevisionSource;
import io.nkd.yaml.GoDuration;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code nkd serve}: the daemon that makes clusters follow a Git branch. */
@Command(name = "serve",
        mixinStandardHelpOptions = true,
        description = {
            "Follow a config repository and keep every cluster in it reconciled: render, serve Ignition to booting",
            "nodes over HTTPS, provision machines, and report status (HTTP API, /metrics, nkd status)."
        },
        footer = {"", "Examples:",
            "  nkd serve --repo ./clusters --state-dir /var/lib/nkd",
            "  nkd serve --repo ./clusters --ref main --interval 30s --listen 127.0.0.1:9090 --ignition-listen 0.0.0.0:8443 \\",
            "      --advertise nkd.example.com --state-dir /var/lib/nkd"})
final class ServeCommand implements Callable<Integer> {
    @Option(names = "--repo", required = true, paramLabel = "PATH", description = "The config repository (a local Git repository).")
    String repo;

    @Option(names = "--ref", defaultValue = "main", description = "Branch, tag or commit to follow (default ${DEFAULT-VALUE}).")
    String ref;

    @Option(names = "--interval", defaultValue = "30s", description = "How often to check for new commits (default ${DEFAULT-VALUE}).")
    String interval;

    @Option(names = "--state-dir", required = true, paramLabel = "DIR", description = "nkd's state directory.")
    Path stateDir;

    @Option(names = "--listen", defaultValue = "127.0.0.1:9090", description = "API, metrics and webhooks (default ${DEFAULT-VALUE}).")
    String listen;

    @Option(names = "--ignition-listen", defaultValue = "0.0.0.0:8443",
            description = "HTTPS address booting nodes fetch Ignition from (default ${DEFAULT-VALUE}).")
    String ignitionListen;

    @Option(names = "--advertise", defaultValue = "127.0.0.1",
            description = "Host name or IP nodes use to reach the Ignition server; on its certificate (default ${DEFAULT-VALUE}).")
    String advertise;

    @Option(names = "--parallelism", defaultValue = "4", description = "Clusters reconciled at once (default ${DEFAULT-VALUE}).")
    int parallelism;

    @Option(names = "--webhook-secret-file", paramLabel = "FILE",
            description = "Shared secret for POST /hooks/generic (X-Nkd-Signature: sha256=<HMAC of the body>).")
    Path webhookSecretFile;

    @Override
    public Integer call() throws Exception {
        Daemon.Settings settings = new Daemon.Settings(source(), stateDir, duration(), address(listen, "--listen"),
                address(ignitionListen, "--ignition-listen"), advertise, Math.max(1, parallelism), webhookSecret());
        CountDownLatch stopped = new CountDownLatch(1);
        try (Daemon daemon = new Daemon(settings)) {
            Runtime.getRuntime().addShutdownHook(new Thread(stopped::countDown, "nkd-shutdown"));
            daemon.controller.poll();
            stopped.await();
        }
        return 0;
    }

    private RevisionSource source() {
        Path path = Path.of(repo);
        if (!Files.isDirectory(path)) {
            throw new UserException("--repo " + repo + " is not a local directory; this nkd follows repositories on this machine "
                    + "(clone the remote and keep it updated, e.g. with git pull from a timer)");
        }
        return new LocalRepoSource(path, ref);
    }

    private Duration duration() {
        try {
            Duration d = GoDuration.parse(interval);
            if (d.compareTo(Duration.ofSeconds(1)) < 0) {
                throw new UserException("--interval must be at least 1s");
            }
            return d;
        } catch (IllegalArgumentException e) {
            throw new UserException("--interval: " + e.getMessage());
        }
    }

    private byte[] webhookSecret() {
        if (webhookSecretFile == null) {
            return null;
        }
        try {
            return Files.readString(webhookSecretFile).strip().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        } catch (java.io.IOException e) {
            throw new UserException("cannot read --webhook-secret-file " + webhookSecretFile + ": " + e.getMessage());
        }
    }

    static InetSocketAddress address(String text, String flag) {
        int colon = text.lastIndexOf(':');
        if (colon < 0) {
            throw new UserException(flag + " " + text + " must be HOST:PORT");
        }
        try {
            return new InetSocketAddress(text.substring(0, colon).replaceAll("^\\[|\\]$", ""), Integer.parseInt(text.substring(colon + 1)));
        } catch (IllegalArgumentException e) {
            throw new UserException(flag + " " + text + " must be HOST:PORT with a port from 0 to 65535");
        }
    }
}
