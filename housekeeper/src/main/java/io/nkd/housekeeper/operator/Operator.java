package io.nkd.housekeeper.operator;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfigBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;
import io.nkd.housekeeper.api.Update;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * One operator process: metrics and health endpoints, leader election through a coordination.k8s.io/v1 Lease, and,
 * only while this replica leads, an {@link UpdateReconciler}. Losing the Lease stops reconciling at once (the
 * reconciler asks before every write) and completes {@link #leadershipLost()}: the process then exits, so that the
 * Deployment restarts it as a fresh candidate, as controller-runtime does.
 */
public final class Operator implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Operator.class);

    private final KubernetesClient client;
    private final OperatorConfig config;
    private final Function<KubernetesClient, EtcdHealthCheck> etcd;
    private final Clock clock;
    private final OperatorMetrics metrics = new OperatorMetrics();
    private final CompletableFuture<Void> lost = new CompletableFuture<>();
    private volatile boolean leading;
    private volatile boolean closed;
    private MetricsServer server;
    private CompletableFuture<?> election;
    private UpdateReconciler reconciler;

    public Operator(KubernetesClient client, OperatorConfig config) {
        this(client, config, c -> switch (config.etcdCheck()) {
            case PODS -> new PodEtcdHealthCheck(c, config.etcdNamespace());
            case NONE -> EtcdHealthCheck.none();
        }, Clock.systemUTC());
    }

    /** For tests: another etcd check or clock. */
    public Operator(KubernetesClient client, OperatorConfig config, Function<KubernetesClient, EtcdHealthCheck> etcd,
                    Clock clock) {
        this.client = client;
        this.config = config;
        this.etcd = etcd;
        this.clock = clock;
    }

    /** Serves the metrics and enters the leader election; returns at once. */
    public synchronized void start() {
        if (config.metricsPort() >= 0) {
            server = new MetricsServer(config.metricsPort(), metrics::scrape, () -> !closed);
            LOG.info("metrics on :{}/metrics, health on :{}/healthz", server.port(), server.port());
        }
        OperatorConfig.LeaseTiming t = config.lease();
        LOG.info("{} is a candidate for Lease {}/{}", config.identity(), config.namespace(), config.leaseName());
        election = client.leaderElector().withConfig(new LeaderElectionConfigBuilder()
                .withName(config.leaseName())
                .withLock(new LeaseLock(config.namespace(), config.leaseName(), config.identity()))
                .withLeaseDuration(t.duration()).withRenewDeadline(t.renewDeadline()).withRetryPeriod(t.retryPeriod())
                .withReleaseOnCancel(true)
                .withLeaderCallbacks(new LeaderCallbacks(this::startLeading, this::stopLeading,
                        leader -> LOG.info("Lease {}/{} is held by {}", config.namespace(), config.leaseName(),
                                leader)))
                .build()).build().start();
    }

    private synchronized void startLeading() {
        if (closed) {
            return;
        }
        LOG.info("{} leads: reconciling", config.identity());
        leading = true;
        metrics.leader(true);
        UpdateReconciler r = new UpdateReconciler(client, config, etcd.apply(client), metrics, clock, () -> leading);
        reconciler = r;
        // not on the elector's thread: the informers' first list may take a while on a large cluster, and the
        // elector must keep renewing the Lease meanwhile
        Thread starter = new Thread(() -> {
            try {
                r.start();
            } catch (RuntimeException e) {
                LOG.error("{} could not start reconciling: {}; is the CRD {} installed, and may the ServiceAccount "
                                + "list and watch updates in namespace {} and nodes? Stopping; the Deployment restarts "
                                + "it", config.identity(), e.getMessage(), Update.CRD_NAME,
                        config.namespace(), e);
                lost.complete(null);
            }
        }, "housekeeper-start");
        starter.setDaemon(true);
        starter.start();
    }

    private void stopLeading() {
        leading = false; // first, without the lock: the reconciler checks it before every write
        metrics.leader(false);
        synchronized (this) {
            if (reconciler != null) {
                reconciler.close();
                reconciler = null;
            }
            if (!closed) {
                LOG.error("{} lost Lease {}/{}: stopped reconciling", config.identity(), config.namespace(),
                        config.leaseName());
                lost.complete(null);
            }
        }
    }

    public boolean isLeader() {
        return leading;
    }

    /** Completes when this replica led and lost the Lease (not when it is closed). */
    public CompletableFuture<Void> leadershipLost() {
        return lost;
    }

    /** The metrics port actually bound (for --metrics-port 0), or -1. */
    public synchronized int metricsPort() {
        return server == null ? -1 : server.port();
    }

    public OperatorMetrics metrics() {
        return metrics;
    }

    /** Stops reconciling, releases the Lease (so another replica takes over at once) and stops serving. */
    @Override
    public void close() {
        CompletableFuture<?> e;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            e = election;
        }
        leading = false;
        if (e != null) {
            e.cancel(true);
        }
        synchronized (this) {
            if (reconciler != null) {
                reconciler.close();
                reconciler = null;
            }
            metrics.leader(false);
            if (server != null) {
                server.close();
            }
        }
        LOG.info("{} stopped", config.identity());
    }
}
