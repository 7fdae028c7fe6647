package io.nkd.cli;

import io.nkd.reconcile.LocalRepoSource;
import io.nkd.reconcile.RevisionSource;
import io.nkd.yaml.GoDuration;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code nkd serve}: the daemon that makes clusters follow a Git branch. */
@Command(name = "serve",
        mixinStandardHelpOptions = true,
        description = {
            "Follow a config repository and keep every cluster in it reconciled: render, serve Ignition to booting "
                    + "nodes over HTTPS, provision machines, and report status (HTTP API, /metrics, nkd status)."
        },
        footer = {"", "Examples:",
            "  nkd serve --repo ./clusters --state-dir /var/lib/nkd",
            "  nkd serve --repo ./clusters --ref main --interval 30s --listen 127.0.0.1:9090 --ignition-listen 0.0.0.0:8443 \\",
            "      --advertise nkd.example.com --state-dir /var/lib/nkd"})
final class ServeCommand implements Callable<Integer> {
    @Option(names = "--repo", required = true, paramLabel = "URL|PATH",
            description = "The config repository: a URL (https://, ssh://, git@host:path, git://, file://) or a local Git repository.")
    String repo;

    @Option(names = "--git-token-file", paramLabel = "FILE", description = "HTTPS token for the repository, read from FILE.")
    Path gitTokenFile;

    @Option(names = "--git-token-env", paramLabel = "VAR", description = "HTTPS token for the repository, from environment variable VAR.")
    String gitTokenEnv;

    @Option(names = "--git-username", paramLabel = "USER", description = "With a token: the user name for HTTPS basic auth.")
    String gitUsername;

    @Option(names = "--ssh-key", paramLabel = "FILE", description = "SSH private key for ssh:// and git@host:path URLs.")
    Path sshKey;

    @Option(names = "--known-hosts", paramLabel = "FILE", description = "known_hosts file the SSH server's key must be in.")
    Path knownHosts;

    @Option(names = "--write-notes", description = "Record each cluster's outcome as a Git note (refs/notes/nkd) and push it.")
    boolean writeNotes;

    @Option(names = "--verify-commits", paramLabel = "KEYRING",
            description = "Apply only commits signed by a key in this OpenPGP keyring (armored public keys).")
    Path verifyCommits;

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
                address(ignitionListen, "--ignition-listen"), advertise, Math.max(1, parallelism), webhookSecret(),
                isLocal() ? null : io.nkd.git.RefSelector.parse(ref));
        Daemon.runUntilStopped(settings, daemon -> { });
        return 0;
    }

    private boolean isLocal() {
        return !repo.contains("://") && !repo.matches("[^/]+@[^/:]+:.*") && Files.isDirectory(Path.of(repo));
    }

    /** A local repository is read in place; anything else is cloned into the state directory and fetched. */
    private RevisionSource source() throws Exception {
        if (isLocal() && verifyCommits == null && !writeNotes) {
            return new LocalRepoSource(Path.of(repo), ref);
        }
        io.nkd.git.GitAuth auth = io.nkd.git.GitAuth.NONE;
        if (sshKey != null) {
            if (knownHosts == null) {
                throw new UserException("--ssh-key needs --known-hosts: nkd checks the server's host key and never adds keys itself");
            }
            auth = new io.nkd.git.GitAuth.SshKey(sshKey, knownHosts);
        } else if (gitTokenFile != null || gitTokenEnv != null) {
            io.nkd.git.SecretSource token = gitTokenFile != null ? new io.nkd.git.SecretSource.FromFile(gitTokenFile)
                    : new io.nkd.git.SecretSource.FromEnv(gitTokenEnv);
            auth = gitUsername == null ? new io.nkd.git.GitAuth.HttpsToken(token) : new io.nkd.git.GitAuth.HttpsBasic(gitUsername, token);
        }
        io.nkd.git.RepoSource source;
        try {
            String url = isLocal() ? Path.of(repo).toAbsolutePath().toUri().toString() : repo;
            source = io.nkd.git.RepoSource.of(url).withRef(io.nkd.git.RefSelector.parse(ref)).withAuth(auth);
        } catch (IllegalArgumentException e) {
            throw new UserException("--repo/--ref: " + Failures.describe(e));
        }
        io.nkd.git.CommitVerifier verifier = null;
        if (verifyCommits != null) {
            try {
                verifier = io.nkd.git.CommitVerifier.fromKeyring(verifyCommits);
            } catch (java.io.IOException e) {
                throw new UserException("--verify-commits " + verifyCommits + ": " + Failures.describe(e));
            }
        }
        try {
            return new io.nkd.reconcile.FollowerSource(io.nkd.git.RepoFollower.open(source, stateDir.resolve("git")), verifier,
                    writeNotes);
        } catch (io.nkd.git.GitException e) {
            throw new UserException("cannot follow " + repo + ": " + Failures.describe(e));
        }
    }

    private Duration duration() {
        try {
            Duration d = GoDuration.parse(interval);
            if (d.compareTo(Duration.ofSeconds(1)) < 0) {
                throw new UserException("--interval must be at least 1s");
            }
            return d;
        } catch (IllegalArgumentException e) {
            throw new UserException("--interval: " + Failures.describe(e));
        }
    }

    private byte[] webhookSecret() {
        if (webhookSecretFile == null) {
            return null;
        }
        try {
            return Files.readString(webhookSecretFile).strip().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        } catch (java.io.IOException e) {
            throw new UserException("cannot read --webhook-secret-file " + webhookSecretFile + ": " + Failures.describe(e));
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
