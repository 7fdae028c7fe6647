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
            "  nkd serve --repo ./clusters --ref main --interval 30s \\",
            "      --listen 127.0.0.1:9090 --advertise 10.0.0.5 --state-dir /var/lib/nkd",
            "",
            "Ignition listens on the --advertise address (port 8443) unless",
            "--ignition-listen says otherwise. Mutating API requests need the bearer",
            "token in --api-token-file or DIR/api-token."})
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

    @Option(names = "--state-dir", required = true, paramLabel = "DIR",
            description = "nkd's state directory; with --state kubernetes this replica's scratch space (the Git clone, provider files).")
    Path stateDir;

    @Option(names = "--state", paramLabel = "LOCATION",
            description = "Where the state lives: local (the --state-dir, default), local:DIR (a directory shared by replicas, "
                    + "with --leader-election-lease), kubernetes or kubernetes:NAMESPACE (Secrets and ConfigMaps; several replicas "
                    + "with leader election; default namespace nkd-system).")
    String state;

    @Option(names = "--kubeconfig", paramLabel = "FILE",
            description = "Kubeconfig for --state kubernetes and the election's Lease (default: the pod's service account, or KUBECONFIG).")
    Path kubeconfig;

    @Option(names = "--leader-election-lease", paramLabel = "NAME",
            description = "The Lease replicas elect their leader with (default nkd with --state kubernetes; required with --state local:DIR).")
    String leaseName;

    @Option(names = "--leader-election-namespace", paramLabel = "NS",
            description = "The Lease's namespace (default: the state's namespace, or nkd-system).")
    String leaseNamespace;

    @Option(names = "--lease-duration", paramLabel = "DURATION", defaultValue = "15s",
            description = "How long followers wait after the leader's last renewal before taking over (default ${DEFAULT-VALUE}).")
    String leaseDuration;

    @Option(names = "--renew-deadline", paramLabel = "DURATION", defaultValue = "10s",
            description = "How long the leader goes on acting without a successful renewal; shorter than --lease-duration (default ${DEFAULT-VALUE}).")
    String renewDeadline;

    @Option(names = "--retry-period", paramLabel = "DURATION", defaultValue = "2s",
            description = "How often the leader renews and followers try to take the Lease (default ${DEFAULT-VALUE}).")
    String retryPeriod;

    @Option(names = "--replica-id", paramLabel = "ID",
            description = "This replica's identity in the election (default: POD_NAME or the host name, plus a random suffix).")
    String replicaId;

    @Option(names = "--provider-dir", paramLabel = "DIR",
            description = "Where providers keep files of their own: the sandbox's machines, the bare-metal registry (default: the --state-dir).")
    Path providerDir;

    @Option(names = "--listen", defaultValue = "127.0.0.1:9090", description = "API, metrics and webhooks (default ${DEFAULT-VALUE}).")
    String listen;

    @Option(names = "--ignition-listen", paramLabel = "HOST:PORT",
            description = "HTTPS address booting nodes fetch Ignition from (default: the --advertise address, port 8443; "
                    + "give 0.0.0.0:8443 explicitly to listen on every address).")
    String ignitionListen;

    @Option(names = "--ipxe-listen", paramLabel = "HOST:PORT",
            description = "Plain-HTTP address bare-metal machines fetch their iPXE scripts and pointer configs from "
                    + "(off unless given; bind it to the provisioning network only, see docs/security.md).")
    String ipxeListen;

    @Option(names = "--advertise", defaultValue = "127.0.0.1",
            description = "Host name or IP nodes use to reach the Ignition server; on its certificate (default ${DEFAULT-VALUE}).")
    String advertise;

    @Option(names = "--parallelism", defaultValue = "4", description = "Clusters reconciled at once (default ${DEFAULT-VALUE}).")
    int parallelism;

    @Option(names = "--webhook-secret-file", paramLabel = "FILE",
            description = "Shared secret for POST /hooks/generic (X-Nkd-Signature: sha256=<HMAC of the body>).")
    Path webhookSecretFile;

    @Option(names = "--api-token-file", paramLabel = "FILE",
            description = "Bearer token that mutating API requests must send (default: DIR/api-token, generated at first start).")
    Path apiTokenFile;

    @Option(names = "--webhook-max-bytes", paramLabel = "N", defaultValue = "1048576",
            description = "Largest webhook body accepted; larger ones get 413 before their signature is checked (default ${DEFAULT-VALUE}).")
    int webhookMaxBytes;

    @Option(names = "--ignition-rate-limit", paramLabel = "N", defaultValue = "200",
            description = "Requests per second per client address on the Ignition port, 0 for no limit (default ${DEFAULT-VALUE}).")
    double ignitionRate;

    @Option(names = "--api-rate-limit", paramLabel = "N", defaultValue = "50",
            description = "Requests per second per client address on the API port, 0 for no limit (default ${DEFAULT-VALUE}).")
    double apiRate;

    @Option(names = "--max-connections", paramLabel = "N", defaultValue = "10000",
            description = "Open connections per port (default ${DEFAULT-VALUE}).")
    int maxConnections;

    @Option(names = "--max-connections-per-ip", paramLabel = "N", defaultValue = "1024",
            description = "Open connections per port from one client address (default ${DEFAULT-VALUE}).")
    int maxConnectionsPerIp;

    @Option(names = "--header-timeout", paramLabel = "DURATION", defaultValue = "10s",
            description = "Time a client has for a TLS handshake and for each request header; also the keep-alive time (default ${DEFAULT-VALUE}).")
    String headerTimeout;

    @Option(names = "--idle-timeout", paramLabel = "DURATION", defaultValue = "60s",
            description = "A connection without any traffic for this long is closed (default ${DEFAULT-VALUE}).")
    String idleTimeout;

    @Option(names = "--shutdown-grace", paramLabel = "DURATION", defaultValue = "5s",
            description = "On SIGTERM, how long requests in progress may take to finish (default ${DEFAULT-VALUE}).")
    String shutdownGrace;

    /** The Ignition port when --ignition-listen is not given. */
    static final int DEFAULT_IGNITION_PORT = 8443;

    @Override
    public Integer call() throws Exception {
        InetSocketAddress api = address(listen, "--listen");
        InetSocketAddress ignition = ignitionListen != null ? address(ignitionListen, "--ignition-listen")
                : new InetSocketAddress(advertise, DEFAULT_IGNITION_PORT);
        if (ignition.isUnresolved()) {
            throw new UserException((ignitionListen != null ? "--ignition-listen " + ignitionListen : "--advertise " + advertise)
                    + ": cannot resolve " + ignition.getHostString() + (ignitionListen != null ? ""
                    : "; the Ignition server listens on the --advertise address unless --ignition-listen HOST:PORT says where"));
        }
        InetSocketAddress ipxe = ipxeListen == null ? null : address(ipxeListen, "--ipxe-listen");
        if (ipxe != null && ipxe.isUnresolved()) {
            throw new UserException("--ipxe-listen " + ipxeListen + ": cannot resolve " + ipxe.getHostString());
        }
        Daemon.Http http = http();
        Daemon.Replicas replicas = replicas(http);
        Daemon.Settings settings;
        try {
            settings = new Daemon.Settings(source(), stateDir, duration(), api, ignition, advertise,
                    Math.max(1, parallelism), webhookSecret(), isLocal() ? null : io.nkd.git.RefSelector.parse(ref), http, ipxe, replicas);
            runMappingBindErrors(settings, daemon -> { }, api, ignitionListen == null ? "--advertise" : "--ignition-listen");
        } finally {
            if (replicas != null) {
                replicas.client().close();
            }
        }
        return 0;
    }

    /** The shared state and the election, or null for one process on its state directory (the default). */
    private Daemon.Replicas replicas(Daemon.Http http) {
        io.nkd.state.StateLocation location;
        try {
            location = state == null || state.strip().equals("local") ? new io.nkd.state.StateLocation.Local(stateDir)
                    : io.nkd.state.StateLocation.parse(state.strip());
        } catch (IllegalArgumentException e) {
            throw new UserException(e.getMessage());
        }
        String namespace;
        java.util.function.Function<io.micrometer.core.instrument.MeterRegistry, io.nkd.state.StateStore> store;
        if (location instanceof io.nkd.state.StateLocation.Local local) {
            if (local.dir().toAbsolutePath().normalize().equals(stateDir.toAbsolutePath().normalize())) {
                if (leaseName != null) {
                    throw new UserException("--leader-election-lease needs a shared state: --state kubernetes[:NAMESPACE], or"
                            + " --state local:DIR with a directory every replica reaches (not the --state-dir, which is this replica's)");
                }
                return null;
            }
            if (leaseName == null) {
                throw new UserException("--state " + state + ": a state directory other than --state-dir is for several replicas,"
                        + " which need --leader-election-lease NAME (and a Kubernetes API for the Lease: --kubeconfig)");
            }
            namespace = leaseNamespace != null ? leaseNamespace : io.nkd.state.StateLocation.DEFAULT_NAMESPACE;
            store = metrics -> StateDirs.call(() -> new io.nkd.state.LocalStateStore(local.dir()));
        } else {
            namespace = ((io.nkd.state.StateLocation.Kubernetes) location).namespace();
            // the clusters' locks (one Lease each) run on the election's timings: a crashed leader's locks expire as soon as
            // its leadership does, so the next leader resumes within one lease duration, not two different ones
            Duration lease = positive(leaseDuration, "--lease-duration");
            Duration renew = positive(renewDeadline, "--renew-deadline");
            Duration retry = positive(retryPeriod, "--retry-period");
            store = metrics -> io.nkd.state.open.StateStores.openKubernetes(namespace, java.util.Optional.ofNullable(kubeconfig), metrics,
                    lockTiming(lease, renew, retry));
        }
        if (http.apiTokenFile() == null) {
            throw new UserException("--state " + state + " runs several replicas, which must share one API token: give"
                    + " --api-token-file FILE (in Kubernetes, a Secret mounted into every pod; see deploy/kubernetes/nkd.yaml)");
        }
        io.nkd.ha.LeaseLeadership.Settings election;
        try {
            election = new io.nkd.ha.LeaseLeadership.Settings(leaseNamespace != null ? leaseNamespace : namespace,
                    leaseName != null ? leaseName : io.nkd.ha.LeaseLeadership.Settings.DEFAULT_LEASE, replicaId != null ? replicaId
                    : io.nkd.ha.LeaseLeadership.Settings.identity(System.getenv("POD_NAME"), hostName(), new java.security.SecureRandom()),
                    positive(leaseDuration, "--lease-duration"), positive(renewDeadline, "--renew-deadline"),
                    positive(retryPeriod, "--retry-period"));
        } catch (IllegalArgumentException e) {
            throw new UserException(e.getMessage());
        }
        return new Daemon.Replicas(store, location.toString(), kubernetesClient(), election,
                providerDir != null ? providerDir : stateDir);
    }

    private static io.nkd.state.kube.KubernetesStateStore.Options lockTiming(Duration lease, Duration renew, Duration retry) {
        try {
            return new io.nkd.state.kube.KubernetesStateStore.Options(lease, retry, renew, java.time.Clock.systemUTC());
        } catch (IllegalArgumentException e) {
            throw new UserException("--lease-duration, --renew-deadline, --retry-period: " + e.getMessage());
        }
    }

    private static String hostName() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.net.UnknownHostException e) {
            return System.getenv("HOSTNAME");
        }
    }

    /** A client from --kubeconfig, else fabric8's own discovery (in-cluster service account, KUBECONFIG, ~/.kube/config). */
    private io.fabric8.kubernetes.client.KubernetesClient kubernetesClient() {
        io.fabric8.kubernetes.client.Config config;
        if (kubeconfig != null) {
            try {
                config = io.fabric8.kubernetes.client.Config.fromKubeconfig(null, Files.readString(kubeconfig), kubeconfig.toString());
            } catch (java.io.IOException | RuntimeException e) {
                throw new UserException("--kubeconfig " + kubeconfig + ": cannot read it: " + Failures.describe(e));
            }
        } else {
            config = io.fabric8.kubernetes.client.Config.autoConfigure(null);
        }
        return new io.fabric8.kubernetes.client.KubernetesClientBuilder().withConfig(config).build();
    }

    /**
     * Runs the daemon; a port that cannot be bound becomes an error naming the flag and the port. Shared with
     * {@code nkd demo}, which has the same two listeners.
     */
    static void runMappingBindErrors(Daemon.Settings settings, java.util.function.Consumer<Daemon> started, InetSocketAddress api,
                                     String ignitionFlag) throws Exception {
        runMappingBindErrors(settings, started, api, ignitionFlag, new java.util.concurrent.CountDownLatch(1));
    }

    /** As above, stopped also when {@code stop} is counted down. */
    static void runMappingBindErrors(Daemon.Settings settings, java.util.function.Consumer<Daemon> started, InetSocketAddress api,
                                     String ignitionFlag, java.util.concurrent.CountDownLatch stop) throws Exception {
        try {
            Daemon.runUntilStopped(settings, started, stop);
        } catch (io.nkd.server.http.PortInUseException e) {
            String flag = e.address().equals(api) ? "--listen" : e.address().equals(settings.ipxeListen()) ? "--ipxe-listen" : ignitionFlag;
            throw new UserException("port " + e.address().getPort() + " (" + flag + ") is already in use on "
                    + e.address().getHostString() + ": stop the process that holds it, or choose another port with " + flag);
        } catch (java.net.BindException e) {
            boolean isApi = e.getMessage() != null && e.getMessage().startsWith("the API");
            boolean isIpxe = e.getMessage() != null && e.getMessage().startsWith("the iPXE");
            String flag = isApi ? "--listen" : isIpxe ? "--ipxe-listen" : ignitionFlag;
            throw new UserException(flag + ": " + e.getMessage() + (!isApi && !isIpxe && flag.equals("--advertise")
                    ? " (the Ignition server listens on the --advertise address unless --ignition-listen HOST:PORT says where,"
                    + " e.g. 0.0.0.0:8443 behind NAT)" : ""));
        }
    }

    private Daemon.Http http() {
        if (webhookMaxBytes < 1) {
            throw new UserException("--webhook-max-bytes must be at least 1");
        }
        if (ignitionRate < 0 || apiRate < 0) {
            throw new UserException("--ignition-rate-limit and --api-rate-limit must be 0 (no limit) or more");
        }
        if (maxConnections < 1 || maxConnectionsPerIp < 1) {
            throw new UserException("--max-connections and --max-connections-per-ip must be at least 1");
        }
        return new Daemon.Http(apiTokenFile, webhookMaxBytes, ignitionRate, apiRate, maxConnections, maxConnectionsPerIp,
                positive(headerTimeout, "--header-timeout"), positive(idleTimeout, "--idle-timeout"), positive(shutdownGrace, "--shutdown-grace"));
    }

    private static Duration positive(String text, String flag) {
        try {
            Duration d = GoDuration.parse(text);
            if (d.isNegative() || d.isZero()) {
                throw new UserException(flag + " must be more than 0");
            }
            return d;
        } catch (IllegalArgumentException e) {
            throw new UserException(flag + ": " + e.getMessage());
        }
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
