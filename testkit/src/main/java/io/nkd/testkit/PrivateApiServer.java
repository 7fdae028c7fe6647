package io.nkd.testkit;

import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.http.HttpResponse;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A kube-apiserver (with its own etcd) of a test's own, serving with a PKI the test gives: the certificates nkd
 * generated for a cluster, so that nkd reaches it with its own admin kubeconfig exactly as it would reach the
 * cluster's real control plane. Unlike the shared server of {@link KubeApiServerExtension}, each instance is private:
 * its own etcd data, its own ports on 127.0.0.1, stopped and deleted by {@link #close()}.
 *
 * <pre>{@code
 * int port = PrivateApiServer.freePort();                      // before nkd generates the PKI: the endpoint's port
 * // ... commit controlPlaneEndpoint: 127.0.0.1:<port>, let nkd generate the cluster's PKI, write it to pkiDir ...
 * try (PrivateApiServer api = PrivateApiServer.start(PrivateApiServer.binaries(), pkiDir, port)) {
 *     KubernetesClient admin = api.client();                   // system:masters, by token: the test's own access
 * }
 * }</pre>
 *
 * <p><b>The PKI directory</b> has kubeadm's layout (as {@code /etc/kubernetes/pki}): {@code ca.crt} (client CA),
 * {@code apiserver.crt}/{@code apiserver.key} (serving certificate: it must name 127.0.0.1), {@code sa.key}/{@code sa.pub};
 * when {@code front-proxy-ca.crt} and {@code front-proxy-client.crt}/{@code .key} are there, the aggregation layer's
 * request-header flags are set too.
 *
 * <p><b>Who may do what.</b> Authorization is {@code Node,RBAC}, as kubeadm configures it. A bare API server has no
 * binding for kubeadm's admin group {@code kubeadm:cluster-admins} (admin.conf's user since Kubernetes 1.29): kubeadm
 * creates the ClusterRoleBinding {@code kubeadm:cluster-admins} → {@code cluster-admin} during {@code init}. This
 * harness creates the same binding once the server is ready ({@link #bindClusterAdmins}), so that a client certificate
 * in that group, as nkd's admin.conf is, gets what it gets on a kubeadm cluster, and no more (not system:masters).
 * The harness itself authenticates with a random token in {@code system:masters}.
 *
 * <p><b>The binaries</b>: {@code /usr/bin/etcd} (Debian's etcd-server) and kube-apiserver from the cache of
 * {@code testenv/kube-apiserver.sh} ({@link #binaries()}). Start takes about 8 s on this machine; RSS about 350 MB.
 *
 * <p><b>Failures</b> name the log file of the process that failed and quote its last lines; the directory with the
 * logs is kept when the start failed (and deleted by {@link #close()} otherwise).
 */
public final class PrivateApiServer implements AutoCloseable {
    public static final String BIN_DIR_VARIABLE = "NKD_KUBE_BIN_DIR";
    /** The group of kubeadm's admin.conf user, and the binding {@code kubeadm init} creates for it. */
    public static final String CLUSTER_ADMINS = "kubeadm:cluster-admins";
    private static final Path ETCD = Path.of("/usr/bin/etcd");
    private static final Path DEFAULT_CACHE = Path.of("/var/cache/nkd-testenv/kube");
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(120);

    private final Path dir;
    private final int port;
    private final String token;
    private final Path caCert;
    private final List<Process> processes = new ArrayList<>();
    private KubernetesClient client;
    private boolean keepDir;
    /** Kills the processes if the JVM ends without close() (a test run interrupted): they would outlive it. */
    private final Thread reaper = new Thread(() -> processes.forEach(Process::destroyForcibly), "private-apiserver-reaper");

    private PrivateApiServer(Path dir, int port, String token, Path caCert) {
        this.dir = dir;
        this.port = port;
        this.token = token;
        this.caCert = caCert;
    }

    /**
     * The directory with {@code kube-apiserver}: {@code NKD_KUBE_BIN_DIR} (as {@code testenv/kube-apiserver.sh env}
     * prints it), else the newest build in the script's cache ({@code /var/cache/nkd-testenv/kube/*}); empty when there
     * is none, together with what was tried (for {@link Ci#require}).
     */
    public static Binaries binaries() {
        List<String> tried = new ArrayList<>();
        String fromEnv = System.getenv(BIN_DIR_VARIABLE);
        if (fromEnv != null && !fromEnv.isBlank()) {
            Path p = Path.of(fromEnv);
            if (Files.isExecutable(p.resolve("kube-apiserver"))) {
                return new Binaries(Optional.of(p), "");
            }
            tried.add(BIN_DIR_VARIABLE + "=" + fromEnv + " has no executable kube-apiserver");
        } else {
            tried.add(BIN_DIR_VARIABLE + " is not set");
        }
        if (Files.isDirectory(DEFAULT_CACHE)) {
            try (Stream<Path> dirs = Files.list(DEFAULT_CACHE)) {
                Optional<Path> built = dirs.filter(d -> Files.isExecutable(d.resolve("kube-apiserver")))
                        .max(Comparator.comparing(d -> d.toFile().lastModified()));
                if (built.isPresent()) {
                    return new Binaries(built, "");
                }
            } catch (IOException e) {
                tried.add(DEFAULT_CACHE + ": " + e.getMessage());
            }
        }
        tried.add("no build in " + DEFAULT_CACHE);
        if (!Files.isExecutable(ETCD)) {
            tried.add(ETCD + " is missing (apt-get install etcd-server)");
        }
        return new Binaries(Optional.empty(), "no kube-apiserver binary: " + String.join("; ", tried)
                + "; build it with: sudo testenv/kube-apiserver.sh up && eval \"$(sudo testenv/kube-apiserver.sh env)\"");
    }

    /** Where kube-apiserver is, or why it was not found. */
    public record Binaries(Optional<Path> dir, String missing) {
        public boolean present() {
            return dir.isPresent() && Files.isExecutable(ETCD);
        }
    }

    /** A port on 127.0.0.1 that nothing listens on now (for the cluster's endpoint, before its PKI is generated). */
    public static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port on 127.0.0.1", e);
        }
    }

    /**
     * Starts etcd and kube-apiserver on 127.0.0.1:{@code port} with the PKI in {@code pkiDir}, waits for
     * {@code /readyz} (at most 2 minutes) and creates kubeadm's {@code kubeadm:cluster-admins} binding.
     *
     * @param binaries      from {@link #binaries()} (must be present)
     * @param serviceSubnet the cluster's service CIDR (its first address is in nkd's apiserver certificate)
     */
    public static PrivateApiServer start(Binaries binaries, Path pkiDir, int port, String serviceSubnet) {
        if (!binaries.present()) {
            throw new IllegalStateException(binaries.missing());
        }
        for (String f : List.of("ca.crt", "apiserver.crt", "apiserver.key", "sa.key", "sa.pub")) {
            if (!Files.isReadable(pkiDir.resolve(f))) {
                throw new IllegalArgumentException("the PKI directory " + pkiDir + " has no " + f + " (kubeadm's layout: ca.crt, "
                        + "apiserver.crt, apiserver.key, sa.key, sa.pub)");
            }
        }
        Path dir;
        try {
            dir = Files.createTempDirectory("nkd-private-apiserver-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a directory for the API server", e);
        }
        byte[] random = new byte[24];
        new SecureRandom().nextBytes(random);
        String token = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
        PrivateApiServer server = new PrivateApiServer(dir, port, token, pkiDir.resolve("ca.crt"));
        Runtime.getRuntime().addShutdownHook(server.reaper);
        try {
            server.run(binaries.dir().orElseThrow().resolve("kube-apiserver"), pkiDir, serviceSubnet);
            server.bindClusterAdmins();
            return server;
        } catch (RuntimeException | Error e) {
            server.keepDir = true;
            server.close();
            throw e;
        }
    }

    /** {@code https://127.0.0.1:PORT}. */
    public String url() {
        return "https://127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    /**
     * The harness's own client (a token in {@code system:masters}, the server verified against the PKI's CA): for the
     * test's side of things, e.g. registering Nodes as kubelets would. Closed by {@link #close()}.
     */
    public synchronized KubernetesClient client() {
        if (client == null) {
            Config config = new ConfigBuilder(Config.empty()).withAutoConfigure(false).withMasterUrl(url())
                    .withCaCertFile(caCert.toString()).withOauthToken(token).withRequestRetryBackoffLimit(0)
                    .withConnectionTimeout(5_000).withRequestTimeout(10_000).withNamespace("default").build();
            client = new KubernetesClientBuilder().withConfig(config).build();
        }
        return client;
    }

    /** The directory of the logs ({@code etcd.log}, {@code kube-apiserver.log}). */
    public Path logDir() {
        return dir;
    }

    /**
     * What {@code kubeadm init} does for admin.conf's group (phase {@code kubeconfig}, since 1.29): the
     * ClusterRoleBinding {@code kubeadm:cluster-admins} binds group {@code kubeadm:cluster-admins} to {@code cluster-admin}.
     * Idempotent.
     */
    public void bindClusterAdmins() {
        client().rbac().clusterRoleBindings().resource(new ClusterRoleBindingBuilder()
                .withNewMetadata().withName(CLUSTER_ADMINS).endMetadata()
                .withNewRoleRef().withApiGroup("rbac.authorization.k8s.io").withKind("ClusterRole").withName("cluster-admin").endRoleRef()
                .addNewSubject().withApiGroup("rbac.authorization.k8s.io").withKind("Group").withName(CLUSTER_ADMINS).endSubject()
                .build()).createOr(existing -> existing.update());
    }

    private void run(Path apiserver, Path pki, String serviceSubnet) {
        int etcdPort = freePort();
        int peerPort = freePort();
        String etcdUrl = "http://127.0.0.1:" + etcdPort;
        String peerUrl = "http://127.0.0.1:" + peerPort;
        try {
            Files.createDirectories(dir.resolve("etcd"));
            Files.writeString(dir.resolve("tokens.csv"), token + ",nkd-test-harness,nkd-test-harness,system:masters\n",
                    StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare " + dir, e);
        }
        Process etcd = launch("etcd", List.of(ETCD.toString(), "--name", "private", "--data-dir", dir.resolve("etcd").toString(),
                "--listen-client-urls", etcdUrl, "--advertise-client-urls", etcdUrl, "--listen-peer-urls", peerUrl,
                "--initial-advertise-peer-urls", peerUrl, "--initial-cluster", "private=" + peerUrl, "--log-level", "warn"));
        List<String> args = new ArrayList<>(List.of(apiserver.toString(),
                "--etcd-servers", etcdUrl,
                "--bind-address", "127.0.0.1", "--advertise-address", "127.0.0.1", "--secure-port", String.valueOf(port),
                "--insecure-port", "0", "--endpoint-reconciler-type", "none",
                "--tls-cert-file", pki.resolve("apiserver.crt").toString(), "--tls-private-key-file", pki.resolve("apiserver.key").toString(),
                "--client-ca-file", pki.resolve("ca.crt").toString(),
                "--token-auth-file", dir.resolve("tokens.csv").toString(),
                "--authorization-mode", "Node,RBAC", "--enable-bootstrap-token-auth=true",
                "--service-account-key-file", pki.resolve("sa.pub").toString(),
                "--service-account-signing-key-file", pki.resolve("sa.key").toString(),
                "--service-account-issuer", "https://kubernetes.default.svc.cluster.local",
                "--service-cluster-ip-range", serviceSubnet,
                "--cert-dir", dir.resolve("certs").toString(),
                "--allow-privileged=true"));
        if (Files.exists(pki.resolve("front-proxy-ca.crt")) && Files.exists(pki.resolve("front-proxy-client.crt"))) {
            args.addAll(List.of("--requestheader-client-ca-file", pki.resolve("front-proxy-ca.crt").toString(),
                    "--requestheader-allowed-names", "front-proxy-client",
                    "--requestheader-username-headers", "X-Remote-User", "--requestheader-group-headers", "X-Remote-Group",
                    "--requestheader-extra-headers-prefix", "X-Remote-Extra-",
                    "--proxy-client-cert-file", pki.resolve("front-proxy-client.crt").toString(),
                    "--proxy-client-key-file", pki.resolve("front-proxy-client.key").toString()));
        }
        waitForEtcd(etcd, etcdUrl);
        Process api = launch("kube-apiserver", args);
        waitForReady(api);
    }

    private Process launch(String name, List<String> command) {
        Path log = dir.resolve(name + ".log");
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            processes.add(p);
            return p;
        } catch (IOException e) {
            throw new IllegalStateException("cannot start " + command.get(0) + ": " + e.getMessage() + " (log: " + log + ")", e);
        }
    }

    private void waitForEtcd(Process etcd, String url) {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
        java.net.http.HttpClient http = java.net.http.HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        while (true) {
            if (!etcd.isAlive()) {
                throw failure("etcd exited with " + etcd.exitValue(), "etcd");
            }
            try {
                var response = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(url + "/health"))
                        .timeout(Duration.ofSeconds(2)).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for etcd", e);
            }
            if (Instant.now().isAfter(deadline)) {
                throw failure("etcd did not answer " + url + "/health within 60 s", "etcd");
            }
            sleep();
        }
    }

    private void waitForReady(Process api) {
        Instant deadline = Instant.now().plus(READY_TIMEOUT);
        String last = "no answer yet";
        while (true) {
            if (!api.isAlive()) {
                throw failure("kube-apiserver exited with " + api.exitValue(), "kube-apiserver");
            }
            try {
                var http = client().getHttpClient();
                HttpResponse<String> r = http.sendAsync(http.newHttpRequestBuilder().uri(url() + "/readyz").timeout(3, TimeUnit.SECONDS)
                        .build(), String.class).get(5, TimeUnit.SECONDS);
                if (r.code() == 200) {
                    return;
                }
                last = "HTTP " + r.code();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for kube-apiserver", e);
            } catch (Exception e) {
                last = String.valueOf(e.getCause() == null ? e : e.getCause());
            }
            if (Instant.now().isAfter(deadline)) {
                throw failure("kube-apiserver's " + url() + "/readyz did not answer 200 within " + READY_TIMEOUT.toSeconds()
                        + " s (last: " + last + ")", "kube-apiserver");
            }
            sleep();
        }
    }

    private IllegalStateException failure(String what, String process) {
        Path log = dir.resolve(process + ".log");
        String tail;
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            tail = String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
        } catch (IOException e) {
            tail = "(cannot read it: " + e.getMessage() + ")";
        }
        return new IllegalStateException(what + "; see " + log + ", which ends with:\n" + tail);
    }

    private static void sleep() {
        try {
            Thread.sleep(250);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** Stops kube-apiserver, then etcd (SIGTERM, then SIGKILL after 15 s), and deletes the directory (unless start failed). */
    @Override
    public synchronized void close() {
        if (client != null) {
            client.close();
            client = null;
        }
        for (int i = processes.size() - 1; i >= 0; i--) {
            Process p = processes.get(i);
            p.destroy();
            try {
                if (!p.waitFor(15, TimeUnit.SECONDS)) {
                    p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
        processes.clear();
        try {
            Runtime.getRuntime().removeShutdownHook(reaper);
        } catch (IllegalStateException | IllegalArgumentException e) {
            // the JVM is shutting down, or close() ran before
        }
        if (!keepDir) {
            delete(dir);
        }
    }

    private static void delete(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException | UncheckedIOException e) {
            // a leftover temporary directory is not worth failing a test for
        }
    }
}
