package io.nkd.e2e;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.nkd.cluster.kube.KubeWorkloadClusters;
import io.nkd.reconcile.ClusterReconciler;
import io.nkd.reconcile.Collaborators;
import io.nkd.reconcile.DesiredRevision;
import io.nkd.secrets.ClusterSecrets;
import io.nkd.secrets.SecretResolver;
import io.nkd.state.ClusterState;
import io.nkd.state.LocalStateStore;
import io.nkd.testkit.PrivateApiServer;
import io.nkd.testsupport.ConfigRepository;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;

/**
 * nkd's reconciler wired for an end-to-end test: a real Git config repository with one cluster whose control-plane
 * endpoint is {@code 127.0.0.1:PORT}, nkd's state directory (its PKI, generated on the first reconcile), the
 * {@link SimulatedKubelets} provider, and {@link KubeWorkloadClusters}: nkd reaches the cluster's API exactly as
 * {@code nkd serve} does, with the admin kubeconfig of its own PKI.
 *
 * <p>Extend it rather than copy it: a test commits (through {@link #repo}), reconciles a commit, boots machines
 * (through {@link #machines}) and reads status, metrics and the API ({@code machines.api().client()}).
 */
public final class E2eDaemon implements AutoCloseable {
    public final String cluster;
    public final ConfigRepository repo;
    public final LocalStateStore store;
    public final SimulatedKubelets machines;
    public final ClusterReconciler reconciler;
    public final SimpleMeterRegistry metrics = new SimpleMeterRegistry();
    /** nkd's clock: the system's, plus what {@link ShiftedClock#advance} added (to pass nkd's grace times). */
    public final ShiftedClock clock = new ShiftedClock();
    /**
     * When true, nkd cannot reach the cluster's API (a network partition between nkd and the control plane): its
     * connector points at a loopback port where nothing listens, so every call is refused as a real one would be.
     */
    public volatile boolean partitioned;
    private final int port;
    private final Path stateDir;

    /** The system clock shifted forward by a test; the API server and the simulated kubelets keep real time. */
    public static final class ShiftedClock extends Clock {
        private volatile java.time.Duration offset = java.time.Duration.ZERO;

        public void advance(java.time.Duration d) {
            offset = offset.plus(d);
        }

        @Override
        public java.time.ZoneId getZone() {
            return java.time.ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public java.time.Instant instant() {
            return java.time.Instant.now().plus(offset);
        }
    }

    private E2eDaemon(Path dir, String cluster, int port, int controlPlanes, int workers) throws Exception {
        this.cluster = cluster;
        this.port = port;
        Clock clock = this.clock;
        int nowhere = PrivateApiServer.freePort();
        KubeWorkloadClusters connector = new KubeWorkloadClusters();
        repo = ConfigRepository.create(dir.resolve("config"));
        repo.write("clusters/" + cluster + "/cluster.yaml", ConfigRepository.cluster(cluster, "127.0.0.1:" + port, controlPlanes, workers))
                .commit("create " + cluster);
        stateDir = dir.resolve("state");
        store = new LocalStateStore(stateDir, clock);
        machines = new SimulatedKubelets(store, dir.resolve("machines"), port, "10.96.0.0/12", clock);
        SecureRandom random = new SecureRandom();
        Collaborators c = new Collaborators(new ClusterSecrets(store, new SecretResolver(dir, Map.of()), random, clock),
                (state, rendered) -> { },
                new Collaborators.BootConfigs() {
                    @Override
                    public String pointer(ClusterState state, String pool, String node, String poolVersion, String nodeVersion) {
                        return "{\"ignition\":{\"version\":\"3.3.0\"}}";
                    }

                    @Override
                    public void revoke(ClusterState state, String node) {
                    }
                },
                infra -> Optional.of(machines), target -> connector.connect(!partitioned ? target
                        : new io.nkd.cluster.WorkloadClusters.Target(target.cluster(), target.infrastructure(), new io.nkd.pki.Kubeconfig(
                        target.admin().clusterName(), "https://127.0.0.1:" + nowhere, target.admin().userName(),
                        target.admin().certificateAuthority(), target.admin().clientCertificate(), target.admin().clientKey()))));
        reconciler = new ClusterReconciler(store, c, clock, metrics);
    }

    /**
     * A repository with the cluster committed as step {@code "create NAME"}, on a free loopback port for its API.
     *
     * @param controlPlanes replicas of pool control-plane (nodes {@code NAME-control-plane-1…})
     * @param workers       replicas of pool workers (nodes {@code NAME-workers-1…})
     */
    public static E2eDaemon start(Path dir, String cluster, int controlPlanes, int workers) throws Exception {
        return new E2eDaemon(dir, cluster, PrivateApiServer.freePort(), controlPlanes, workers);
    }

    /** {@code https://127.0.0.1:PORT}: the cluster's control-plane endpoint. */
    public String endpoint() {
        return "https://127.0.0.1:" + port;
    }

    /** nkd's state directory (for the CLI: {@code nkd status NAME --state-dir DIR}, {@code nkd kubeconfig}). */
    public Path stateDir() {
        return stateDir;
    }

    /** One reconcile of the cluster at the commit of a step. */
    public ClusterReconciler.Outcome reconcile(String step) throws Exception {
        return reconciler.reconcile(cluster, DesiredRevision.of(repo.snapshot(step)));
    }

    /** What {@code nkd status CLUSTER --state-dir DIR} prints (the CLI run in this JVM, as a user runs it). */
    public String statusText() {
        java.io.PrintStream old = System.out;
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        try {
            System.setOut(new java.io.PrintStream(out, true, java.nio.charset.StandardCharsets.UTF_8));
            int exit = io.nkd.cli.Main.execute("status", cluster, "--state-dir", stateDir.toString());
            if (exit != 0) {
                throw new AssertionError("nkd status " + cluster + " exited " + exit + ": " + out.toString(java.nio.charset.StandardCharsets.UTF_8));
            }
        } finally {
            System.setOut(old);
        }
        return out.toString(java.nio.charset.StandardCharsets.UTF_8);
    }

    /** A gauge of this cluster ({@code nkd_cluster_api_ready}, {@code nkd_cluster_nodes} with state …). */
    public double gauge(String name, String... tags) {
        var search = metrics.get(name).tag("cluster", cluster);
        for (int i = 0; i + 1 < tags.length; i += 2) {
            search = search.tag(tags[i], tags[i + 1]);
        }
        return search.gauge().value();
    }

    @Override
    public void close() {
        machines.close();
        repo.close();
    }
}
