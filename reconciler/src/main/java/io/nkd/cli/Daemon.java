package io.nkd.cli;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.nkd.infra.baremetal.BareMetalRegistry;
import io.nkd.infra.baremetal.FetchRecord;
import io.nkd.infra.registry.ProviderRegistry;
import io.nkd.reconcile.ClusterReconciler;
import io.nkd.reconcile.Collaborators;
import io.nkd.reconcile.Controller;
import io.nkd.reconcile.PollSchedule;
import io.nkd.reconcile.RevisionSource;
import io.nkd.secrets.ClusterSecrets;
import io.nkd.secrets.SecretResolver;
import io.nkd.server.ApiServer;
import io.nkd.server.ApiToken;
import io.nkd.server.IgnitionContent;
import io.nkd.server.IgnitionServer;
import io.nkd.server.IpxeServer;
import io.nkd.server.NodeBootstrap;
import io.nkd.server.NodeTokens;
import io.nkd.server.PointerConfigs;
import io.nkd.server.ServerSettings;
import io.nkd.server.ServingCa;
import io.nkd.server.ServingIdentity;
import io.nkd.server.Webhooks;
import io.nkd.server.http.HttpLimits;
import io.nkd.state.LocalStateStore;
import io.nkd.state.StateStore;
import io.nkd.ha.Guarded;
import io.nkd.ha.LeaseLeadership;
import io.nkd.ha.Leadership;
import io.nkd.server.SharedStateRefresh;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The running daemon: every part of nkd serve, wired once, closed in reverse order. */
final class Daemon implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Daemon.class);
    /** How long a shutdown hook waits for an orderly close (systemd's TimeoutStopSec is longer). */
    private static final Duration SHUTDOWN_WAIT = Duration.ofSeconds(15);

    /** What nkd serve was asked to do. */
    record Settings(RevisionSource source, Path stateDir, Duration interval, InetSocketAddress listen,
                    InetSocketAddress ignitionListen, String advertise, int parallelism, byte[] webhookSecret,
                    io.nkd.git.RefSelector followedRef, Http http, InetSocketAddress ipxeListen, Replicas replicas) {
        /** One process on its state directory. */
        Settings(RevisionSource source, Path stateDir, Duration interval, InetSocketAddress listen, InetSocketAddress ignitionListen,
                 String advertise, int parallelism, byte[] webhookSecret, io.nkd.git.RefSelector followedRef, Http http,
                 InetSocketAddress ipxeListen) {
            this(source, stateDir, interval, listen, ignitionListen, advertise, parallelism, webhookSecret, followedRef, http, ipxeListen, null);
        }

        /** Without the iPXE listener. */
        Settings(RevisionSource source, Path stateDir, Duration interval, InetSocketAddress listen, InetSocketAddress ignitionListen,
                 String advertise, int parallelism, byte[] webhookSecret, io.nkd.git.RefSelector followedRef, Http http) {
            this(source, stateDir, interval, listen, ignitionListen, advertise, parallelism, webhookSecret, followedRef, http, null);
        }
    }

    /**
     * Several replicas on one shared state: leader election decides which one follows Git and reconciles; every one
     * serves Ignition and the read API from {@code store}. The state directory is then this replica's scratch space
     * (the Git clone, and provider files unless {@code providerDir} says otherwise); no directory lock is taken.
     *
     * @param store       opens the shared state (Kubernetes Secrets and ConfigMaps) with the daemon's metrics
     * @param client      for the election's Lease
     * @param election    the Lease and its timings
     * @param providerDir where providers keep files of their own (the sandbox's machines, the bare-metal registry)
     */
    record Replicas(java.util.function.Function<io.micrometer.core.instrument.MeterRegistry, StateStore> store, String storeDescription,
                    io.fabric8.kubernetes.client.KubernetesClient client,
                    io.nkd.ha.LeaseLeadership.Settings election, Path providerDir) {
    }

    /**
     * The HTTP servers' limits and the API's token.
     *
     * @param apiTokenFile        null: the state directory's generated token ({@link ApiToken#ensure})
     * @param ignitionRate        requests per second per client address on the Ignition port (0: no limit)
     * @param apiRate             the same on the API port
     * @param headerTimeout       for a request header, and for a TLS handshake
     */
    record Http(Path apiTokenFile, int webhookMaxBytes, double ignitionRate, double apiRate, int maxConnections,
                int maxConnectionsPerIp, Duration headerTimeout, Duration idleTimeout, Duration shutdownGrace) {
        static Http defaults() {
            return new Http(null, ApiServer.Settings.DEFAULT_MAX_BODY_BYTES, ServerSettings.DEFAULT_RATE, ApiServer.Settings.DEFAULT_RATE,
                    HttpLimits.DEFAULT_MAX_CONNECTIONS, HttpLimits.DEFAULT_MAX_CONNECTIONS_PER_IP, HttpLimits.DEFAULT_HEADER_TIMEOUT,
                    HttpLimits.DEFAULT_IDLE_TIMEOUT, HttpLimits.DEFAULT_SHUTDOWN_GRACE);
        }

        HttpLimits apply(HttpLimits base, double rate) {
            int burst = (int) Math.max(1, Math.ceil(rate * 2));
            return base.withConnections(maxConnections, maxConnectionsPerIp).withRate(rate, burst)
                    .withTimeouts(headerTimeout, headerTimeout, idleTimeout).withShutdownGrace(shutdownGrace);
        }
    }

    final Controller controller;
    final ApiServer api;
    final IgnitionServer ignition;
    /** The iPXE listener, or null without --ipxe-listen. */
    final IpxeServer ipxe;
    private final List<AutoCloseable> parts = new ArrayList<>();

    /** Creates {@code dir} owner-only (its parents as usual) unless it exists; names the directory if it cannot. */
    private static void scratch(Path dir) {
        Path d = dir.toAbsolutePath().normalize();
        try {
            if (Files.notExists(d)) {
                if (d.getParent() != null) {
                    Files.createDirectories(d.getParent());
                }
                io.nkd.state.AtomicFiles.createPrivateDirectory(d);
            }
        } catch (java.io.IOException e) {
            throw new UserException("cannot create the directory " + d + " (--state-dir or --provider-dir): " + e
                    + "; create it, owner-only, or give a writable path");
        }
    }

    Daemon(Settings s) throws Exception {
        SecureRandom random = new SecureRandom();
        Clock clock = Clock.systemUTC();
        PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        Replicas replicas = s.replicas();
        StateStore store;
        if (replicas == null) {
            LocalStateStore local = StateDirs.call(() -> new LocalStateStore(s.stateDir()));
            // first of all: a second daemon on this state directory would create the same machines and tokens
            parts.add(StateDirs.call(() -> local.lockDirectory("nkd serve --repo " + s.source().describe() + " --listen "
                    + s.listen().getHostString() + ":" + s.listen().getPort() + " --ignition-listen "
                    + s.ignitionListen().getHostString() + ":" + s.ignitionListen().getPort())));
            store = local;
        } else {
            // several replicas: the election, not a directory lock, decides who acts
            store = StateDirs.call(() -> replicas.store().apply(metrics));
            // the scratch space (and the providers' directory) as the local store makes its directory: a new replica's
            // emptyDir exists, but a path given on a first run does not, and the bare-metal registry and the Git clone
            // would fail on it
            scratch(s.stateDir());
            if (replicas.providerDir() != null) {
                scratch(replicas.providerDir());
            }
            if (store instanceof AutoCloseable closeable) {
                parts.add(closeable); // closed last
            }
        }
        Path providerDir = replicas == null ? s.stateDir() : replicas.providerDir();

        ServingCa ca = ServingCa.ensure(store, random, clock);
        ServingIdentity identity = ca.issueServerIdentity(ServingCa.serverNames(List.of(s.advertise()), s.ignitionListen()));
        IgnitionContent content = new IgnitionContent();
        // with a remote store a fetch record's write is a request that may hang: never on a booting node's request thread
        java.util.concurrent.Executor fetchWrites = replicas == null ? Runnable::run : java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "nkd-fetch-records");
            t.setDaemon(true);
            return t;
        });
        NodeTokens tokens = new NodeTokens(store, random, clock, fetchWrites);
        NodeBootstrap boot = new NodeBootstrap(content, tokens, null);
        boot.restore(store); // before the server starts: what was served before a restart is served again at once
        ignition = IgnitionServer.start(ServerSettings.of(s.ignitionListen())
                .withLimits(s.http().apply(ServerSettings.defaultLimits(), s.http().ignitionRate())), identity, content, tokens, metrics);
        parts.add(ignition);
        URI base = URI.create("https://" + (s.advertise().contains(":") ? "[" + s.advertise() + "]" : s.advertise()) + ":"
                + ignition.address().getPort());
        boot = new NodeBootstrap(content, tokens, new PointerConfigs.Target(base, identity.caPem()));

        Leadership leadership;
        SharedStateRefresh refresh = null;
        if (replicas == null) {
            leadership = Leadership.SOLE;
            // the same meters as with several replicas: the only nkd always leads
            io.micrometer.core.instrument.Gauge.builder("nkd_leader", () -> 1)
                    .description("1 while this replica leads (follows Git and reconciles), else 0").register(metrics);
            io.micrometer.core.instrument.Counter.builder("nkd_leader_transitions_total")
                    .description("Times this replica started or stopped leading").register(metrics);
        } else {
            LeaseLeadership lease = LeaseLeadership.start(replicas.client(), replicas.election(), metrics);
            parts.add(lease); // closed after the controller: reconciles in progress finish, then the lease is released
            leadership = lease;
            // before the controller, so that a new leader takes what the last one rendered before rendering itself
            refresh = SharedStateRefresh.start(boot, store, leadership, lease::unreachable);
            parts.add(refresh);
            content.reloadOnMiss(refresh::reloadOnMiss);
        }

        SecretResolver secrets = new SecretResolver(s.stateDir(), System.getenv());
        // bare metal: the provider and the iPXE listener share one registry; a machine is provisioned when the
        // Ignition server saw its fetch. Handed to every provider registry before any provider is built.
        BareMetalRegistry hosts;
        try {
            hosts = new BareMetalRegistry(providerDir);
        } catch (java.io.UncheckedIOException e) {
            // a damaged state file, not a bug: say which and what to do, and release what was started (the lock)
            close();
            throw new UserException(e.getMessage());
        }
        // one provider per distinct spec.infrastructure, built on first use; with several replicas, built afresh for each
        // time this replica leads, since a provider may keep what it saw (the sandbox's machines) while another led
        ProviderTerms providers = new ProviderTerms(() -> {
            ProviderRegistry r = new ProviderRegistry(providerDir, secrets, cluster -> firstFetches(tokens, store, cluster));
            r.shared(BareMetalRegistry.class, () -> hosts);
            return r;
        });
        parts.add(providers);
        if (replicas != null) {
            leadership.addListener(new Leadership.Listener() {
                @Override
                public void gained() {
                }

                @Override
                public void lost(String why) {
                    providers.endTerm();
                }
            });
        }
        FetchRecord fetched = cluster -> firstFetches(tokens, store, cluster);
        if (s.ipxeListen() != null) {
            ipxe = IpxeServer.start(s.ipxeListen(), s.http().apply(IpxeServer.defaultLimits(), IpxeServer.DEFAULT_RATE)
                    .withMaxBodyBytes(IpxeServer.MAX_BODY_BYTES), hosts, fetched, clock, metrics);
            parts.add(ipxe);
        } else {
            ipxe = null;
        }
        // a cluster's own API after bootstrap: the sandbox's simulation for sandbox clusters, fabric8 for the others
        io.nkd.cluster.WorkloadClusters kube = new io.nkd.cluster.kube.KubeWorkloadClusters();
        io.nkd.cluster.WorkloadClusters workloads = target -> target.infrastructure().provider() == io.nkd.config.Infrastructure.ProviderType.SANDBOX
                ? providers.current().shared(io.nkd.infra.sandbox.SandboxClusters.class,
                        () -> new io.nkd.infra.sandbox.SandboxClusters(providers.current()::sandbox)).connect(target)
                : kube.connect(target);
        // every provider call and cluster write checks leadership first (a no-op for a single process)
        Collaborators collaborators = new Collaborators(new ClusterSecrets(store, secrets, random, clock), boot, boot,
                infra -> providers.current().forInfrastructure(infra).map(p -> Guarded.provider(p, leadership)),
                Guarded.workloads(workloads, leadership));
        ClusterReconciler reconciler = new ClusterReconciler(store, collaborators, clock, metrics);
        controller = new Controller(s.source(), reconciler, store, s.parallelism(), metrics, leadership);
        parts.add(controller);
        ApiToken token = s.http().apiTokenFile() != null ? ApiToken.fromFile(s.http().apiTokenFile()) : ApiToken.ensure(s.stateDir(), random);
        HttpLimits apiLimits = s.http().apply(ApiServer.Settings.defaultLimits(), s.http().apiRate()).withMaxBodyBytes(s.http().webhookMaxBytes());
        SharedStateRefresh serving = refresh;
        io.nkd.console.Console console = new io.nkd.console.Console(store, controller, s.source());
        parts.add(console); // closed after the API: its event streams end with their connections first
        api = new ApiServer(new ApiServer.Settings(s.listen(), apiLimits, token), store, controller, metrics,
                new Webhooks(s.webhookSecret(), s.followedRef(), controller::poll), serving == null ? null : serving::notReady, console);
        parts.add(api);
        parts.add(new PollSchedule(controller, s.interval()));
        LOG.info("nkd serving: source {}, API http://{}:{}, Ignition {} (nodes use {}){}{}", s.source().describe(),
                s.listen().getHostString(), api.port(), ignition.baseUrl(), base, ipxe == null ? "" : ", iPXE " + ipxe.baseUrl(),
                replicas == null ? "" : ", state " + replicas.storeDescription() + ", leader election " + leadership.describe()
                        + " as " + leadership.identity());
    }

    /**
     * The provider registry of the current leadership term. A provider may remember what it saw (the sandbox keeps its
     * machines in memory and boots them on its own threads): when this replica stops leading, the registry is closed
     * (the sandbox stops booting) and the next term builds a new one that reads everything back from the provider.
     */
    static final class ProviderTerms implements AutoCloseable {
        private final java.util.function.Supplier<ProviderRegistry> create;
        private ProviderRegistry current;

        ProviderTerms(java.util.function.Supplier<ProviderRegistry> create) {
            this.create = create;
        }

        synchronized ProviderRegistry current() {
            if (current == null) {
                current = create.get();
            }
            return current;
        }

        synchronized void endTerm() {
            if (current != null) {
                current.close();
                current = null;
            }
        }

        @Override
        public void close() {
            endTerm();
        }
    }

    /** When each node of the cluster first fetched its current pool config (the Ignition server's record; no lock needed). */
    static java.util.Map<String, java.time.Instant> firstFetches(NodeTokens tokens, StateStore store, String cluster) {
        return tokens.fetches().firstFetches(store.view(cluster));
    }

    /**
     * Starts the daemon, polls once, runs {@code started} (e.g. to print hints), and serves until SIGTERM or
     * SIGINT; then closes everything in order (servers stop accepting and finish the requests in progress) and
     * returns, so that the process exits 0. The JVM's default reaction to those signals would run shutdown hooks
     * and exit 143 without waiting for anything; a hook still covers other ways the JVM may end (System.exit,
     * SIGHUP) and waits for the close to finish.
     */
    static void runUntilStopped(Settings settings, java.util.function.Consumer<Daemon> started) throws Exception {
        runUntilStopped(settings, started, new CountDownLatch(1));
    }

    /** As above; counting {@code stop} down stops the daemon as a signal does (nkd demo --exit-after-tour). */
    static void runUntilStopped(Settings settings, java.util.function.Consumer<Daemon> started, CountDownLatch stop) throws Exception {
        CountDownLatch closed = new CountDownLatch(1);
        Daemon daemon = new Daemon(settings);
        Thread hook = new Thread(() -> {
            stop.countDown();
            try {
                closed.await(SHUTDOWN_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "nkd-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        StopSignals.install(stop::countDown);
        try {
            daemon.controller.poll();
            started.accept(daemon);
            stop.await();
            LOG.info("stopping: no new connections; requests in progress may finish");
        } finally {
            daemon.close();
            closed.countDown();
            LOG.info("nkd stopped");
        }
    }

    @Override
    public void close() {
        for (int i = parts.size() - 1; i >= 0; i--) {
            try {
                parts.get(i).close();
            } catch (Exception e) {
                LOG.warn("closing {} failed: {}", parts.get(i).getClass().getSimpleName(), e.getMessage());
            }
        }
    }
}
