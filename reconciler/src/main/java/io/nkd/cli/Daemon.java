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
import java.net.InetSocketAddress;
import java.net.URI;
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
                    io.nkd.git.RefSelector followedRef, Http http, InetSocketAddress ipxeListen) {
        /** Without the iPXE listener. */
        Settings(RevisionSource source, Path stateDir, Duration interval, InetSocketAddress listen, InetSocketAddress ignitionListen,
                 String advertise, int parallelism, byte[] webhookSecret, io.nkd.git.RefSelector followedRef, Http http) {
            this(source, stateDir, interval, listen, ignitionListen, advertise, parallelism, webhookSecret, followedRef, http, null);
        }
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

    Daemon(Settings s) throws Exception {
        SecureRandom random = new SecureRandom();
        Clock clock = Clock.systemUTC();
        LocalStateStore store = StateDirs.call(() -> new LocalStateStore(s.stateDir()));
        // first of all: a second daemon on this state directory would create the same machines and tokens
        parts.add(StateDirs.call(() -> store.lockDirectory("nkd serve --repo " + s.source().describe() + " --listen "
                + s.listen().getHostString() + ":" + s.listen().getPort() + " --ignition-listen "
                + s.ignitionListen().getHostString() + ":" + s.ignitionListen().getPort())));
        PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

        ServingCa ca = ServingCa.ensure(store, random, clock);
        ServingIdentity identity = ca.issueServerIdentity(ServingCa.serverNames(List.of(s.advertise()), s.ignitionListen()));
        IgnitionContent content = new IgnitionContent();
        NodeTokens tokens = new NodeTokens(store, random, clock);
        NodeBootstrap boot = new NodeBootstrap(content, tokens, null);
        boot.restore(store); // before the server starts: what was served before a restart is served again at once
        ignition = IgnitionServer.start(ServerSettings.of(s.ignitionListen())
                .withLimits(s.http().apply(ServerSettings.defaultLimits(), s.http().ignitionRate())), identity, content, tokens, metrics);
        parts.add(ignition);
        URI base = URI.create("https://" + (s.advertise().contains(":") ? "[" + s.advertise() + "]" : s.advertise()) + ":"
                + ignition.address().getPort());
        boot = new NodeBootstrap(content, tokens, new PointerConfigs.Target(base, identity.caPem()));

        SecretResolver secrets = new SecretResolver(s.stateDir(), System.getenv());
        // one provider per distinct spec.infrastructure, built on first use, closed with the daemon
        ProviderRegistry providers = new ProviderRegistry(s.stateDir(), secrets, cluster -> firstFetches(tokens, store, cluster));
        parts.add(providers);
        // bare metal: the provider and the iPXE listener share one registry; a machine is provisioned when the
        // Ignition server saw its fetch. Handed to the registry before any provider is built.
        BareMetalRegistry hosts;
        try {
            hosts = providers.shared(BareMetalRegistry.class, () -> new BareMetalRegistry(s.stateDir()));
        } catch (java.io.UncheckedIOException e) {
            // a damaged state file, not a bug: say which and what to do, and release what was started (the lock)
            close();
            throw new UserException(e.getMessage());
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
        io.nkd.infra.sandbox.SandboxClusters simulated = providers.shared(io.nkd.infra.sandbox.SandboxClusters.class,
                () -> new io.nkd.infra.sandbox.SandboxClusters(providers::sandbox));
        io.nkd.cluster.WorkloadClusters workloads = target -> target.infrastructure().provider() == io.nkd.config.Infrastructure.ProviderType.SANDBOX
                ? simulated.connect(target) : kube.connect(target);
        Collaborators collaborators = new Collaborators(new ClusterSecrets(store, secrets, random, clock), boot, boot,
                providers::forInfrastructure, workloads);
        ClusterReconciler reconciler = new ClusterReconciler(store, collaborators, clock, metrics);
        controller = new Controller(s.source(), reconciler, store, s.parallelism(), metrics);
        parts.add(controller);
        ApiToken token = s.http().apiTokenFile() != null ? ApiToken.fromFile(s.http().apiTokenFile()) : ApiToken.ensure(s.stateDir(), random);
        HttpLimits apiLimits = s.http().apply(ApiServer.Settings.defaultLimits(), s.http().apiRate()).withMaxBodyBytes(s.http().webhookMaxBytes());
        io.nkd.console.Console console = new io.nkd.console.Console(store, controller, s.source());
        parts.add(console); // closed after the API: its event streams end with their connections first
        api = new ApiServer(new ApiServer.Settings(s.listen(), apiLimits, token), store, controller, metrics,
                new Webhooks(s.webhookSecret(), s.followedRef(), controller::poll), console);
        parts.add(api);
        parts.add(new PollSchedule(controller, s.interval()));
        LOG.info("nkd serving: source {}, API http://{}:{}, Ignition {} (nodes use {}){}", s.source().describe(),
                s.listen().getHostString(), api.port(), ignition.baseUrl(), base, ipxe == null ? "" : ", iPXE " + ipxe.baseUrl());
    }

    /** When each node of the cluster first fetched its current pool config (the Ignition server's record; no lock needed). */
    static java.util.Map<String, java.time.Instant> firstFetches(NodeTokens tokens, LocalStateStore store, String cluster) {
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
