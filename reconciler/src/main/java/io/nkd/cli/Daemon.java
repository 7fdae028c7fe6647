package io.nkd.cli;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.nkd.config.Infrastructure;
import io.nkd.infra.Provider;
import io.nkd.infra.sandbox.SandboxProvider;
import io.nkd.reconcile.ClusterReconciler;
import io.nkd.reconcile.Collaborators;
import io.nkd.reconcile.Controller;
import io.nkd.reconcile.PollSchedule;
import io.nkd.reconcile.RevisionSource;
import io.nkd.secrets.ClusterSecrets;
import io.nkd.secrets.SecretResolver;
import io.nkd.server.ApiServer;
import io.nkd.server.IgnitionContent;
import io.nkd.server.IgnitionServer;
import io.nkd.server.NodeBootstrap;
import io.nkd.server.NodeTokens;
import io.nkd.server.PointerConfigs;
import io.nkd.server.ServerSettings;
import io.nkd.server.ServingCa;
import io.nkd.server.ServingIdentity;
import io.nkd.server.Webhooks;
import io.nkd.state.LocalStateStore;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The running daemon: every part of nkd serve, wired once, closed in reverse order. */
final class Daemon implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Daemon.class);

    /** What nkd serve was asked to do. */
    record Settings(RevisionSource source, Path stateDir, Duration interval, InetSocketAddress listen,
                    InetSocketAddress ignitionListen, String advertise, int parallelism, byte[] webhookSecret,
                    io.nkd.git.RefSelector followedRef) {
    }

    final Controller controller;
    final ApiServer api;
    final IgnitionServer ignition;
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
        ignition = IgnitionServer.start(ServerSettings.of(s.ignitionListen()), identity, content, tokens, metrics, random);
        parts.add(ignition);
        URI base = URI.create("https://" + (s.advertise().contains(":") ? "[" + s.advertise() + "]" : s.advertise()) + ":"
                + ignition.address().getPort());
        boot = new NodeBootstrap(content, tokens, new PointerConfigs.Target(base, identity.caPem()));

        SandboxProvider sandbox = new SandboxProvider(s.stateDir(), Duration.ofSeconds(2));
        parts.add(sandbox);
        Collaborators.Providers providers = infra -> providerFor(infra, sandbox);
        Collaborators collaborators = new Collaborators(new ClusterSecrets(store, new SecretResolver(s.stateDir(), System.getenv()),
                random, clock), boot, boot, providers);
        ClusterReconciler reconciler = new ClusterReconciler(store, collaborators, clock, metrics);
        controller = new Controller(s.source(), reconciler, store, s.parallelism(), metrics);
        parts.add(controller);
        api = new ApiServer(s.listen(), store, controller, metrics, new Webhooks(s.webhookSecret(), s.followedRef(), controller::poll));
        parts.add(api);
        parts.add(new PollSchedule(controller, s.interval()));
        LOG.info("nkd serving: source {}, API http://{}:{}, Ignition {} (nodes use {})", s.source().describe(),
                s.listen().getHostString(), api.port(), ignition.baseUrl(), base);
    }

    /** Providers this nkd has: the in-process sandbox today; OpenStack, libvirt and bare metal come later. */
    private static Optional<Provider> providerFor(Infrastructure infra, SandboxProvider sandbox) {
        if (infra.provider() == Infrastructure.ProviderType.SANDBOX) {
            return Optional.of(infra.sandbox() == null ? sandbox : sandbox.withBootTime(infra.sandbox().bootTime()));
        }
        return Optional.empty();
    }

    /** Starts the daemon, polls once, runs {@code started} (e.g. to print hints), and serves until the JVM is stopped. */
    static void runUntilStopped(Settings settings, java.util.function.Consumer<Daemon> started) throws Exception {
        java.util.concurrent.CountDownLatch stopped = new java.util.concurrent.CountDownLatch(1);
        try (Daemon daemon = new Daemon(settings)) {
            Runtime.getRuntime().addShutdownHook(new Thread(stopped::countDown, "nkd-shutdown"));
            daemon.controller.poll();
            started.accept(daemon);
            stopped.await();
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
