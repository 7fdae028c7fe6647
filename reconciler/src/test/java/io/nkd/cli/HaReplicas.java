package io.nkd.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.client.Config;
import io.nkd.testkit.FaultyProxy;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Several {@code nkd serve} processes as replicas of one deployment, for the high-availability tests: one shared state
 * (a namespace of the real API server, or a shared directory), one Lease, one "cloud" (the sandbox's directory, shared,
 * with its journal of machine changes), and one Ignition "Service": booting machines reach
 * {@code https://127.0.0.1:PORT}, a {@link FaultyProxy} forwarding to the first live replica, each of which listens on
 * its own loopback address with that same port (127.0.0.2, 127.0.0.3, …), so the pointer configs they make name the
 * Service, as in Kubernetes.
 */
final class HaReplicas implements AutoCloseable {
    static final String LEASE_DURATION = "4s";
    static final String RENEW_DEADLINE = "3s";
    static final String RETRY_PERIOD = "1s";

    final Path dir;
    final Path cloud;
    final Path tokenFile;
    final int ignitionPort;
    final FaultyProxy service;
    private final List<String> stateArgs;
    private final String repoUrl;
    private final Map<String, Replica> replicas = new ConcurrentHashMap<>();
    private final List<String> order = new java.util.concurrent.CopyOnWriteArrayList<>();

    /** One {@code nkd serve} process. */
    record Replica(String name, Process process, int apiPort, InetSocketAddress ignition, Path log) {
        long pid() {
            return process.pid();
        }

        String logText() throws IOException {
            return Files.readString(log);
        }
    }

    /**
     * @param stateArgs how the replicas share their state, e.g. {@code --state kubernetes:NS --kubeconfig FILE}
     */
    HaReplicas(Path dir, String repoUrl, List<String> stateArgs) throws IOException {
        this.dir = dir;
        this.repoUrl = repoUrl;
        this.stateArgs = List.copyOf(stateArgs);
        this.cloud = Files.createDirectories(dir.resolve("cloud"));
        Files.setPosixFilePermissions(cloud, PosixFilePermissions.fromString("rwx------"));
        this.tokenFile = dir.resolve("api-token");
        Files.writeString(tokenFile, "ha-test-api-token-0123456789abcdef0123456789abcdef");
        Files.setPosixFilePermissions(tokenFile, PosixFilePermissions.fromString("rw-------"));
        this.ignitionPort = freePort();
        // like a Service: only replicas whose readiness probe passes (probed every 500 ms) get connections
        this.service = FaultyProxy.on(new InetSocketAddress("127.0.0.1", ignitionPort),
                () -> order.stream().filter(ready::contains).map(replicas::get)
                        .filter(r -> r != null && r.process().isAlive()).map(Replica::ignition).toList());
        this.prober = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                for (Replica r : replicas.values()) {
                    boolean ok = r.process().isAlive() && get(r, "/readyz").filter(x -> x.statusCode() == 200).isPresent();
                    if (ok) {
                        ready.add(r.name());
                    } else {
                        ready.remove(r.name());
                    }
                }
                try {
                    Thread.sleep(500);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "readiness-prober");
        prober.setDaemon(true);
        prober.start();
    }

    private final java.util.Set<String> ready = ConcurrentHashMap.newKeySet();
    private final Thread prober;

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** A kubeconfig file for the test API server as {@code config} reaches it, at {@code server} (e.g. through a proxy). */
    static Path kubeconfig(Path file, Config config, String server) throws IOException {
        String ca = config.getCaCertData() != null ? config.getCaCertData()
                : java.util.Base64.getEncoder().encodeToString(Files.readAllBytes(Path.of(config.getCaCertFile())));
        String token = config.getOauthToken() != null ? config.getOauthToken() : config.getAutoOAuthToken();
        Files.writeString(file, """
                apiVersion: v1
                kind: Config
                clusters:
                - name: test
                  cluster:
                    server: %s
                    certificate-authority-data: %s
                users:
                - name: admin
                  user:
                    token: %s
                contexts:
                - name: test
                  context: {cluster: test, user: admin}
                current-context: test
                """.formatted(server, ca, token));
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        return file;
    }

    /**
     * Starts replica {@code name} (the n-th gets loopback address 127.0.0.(n+1) for Ignition); {@code extraArgs} are
     * options and values, and replace the same options of the shared ones.
     */
    Replica start(String name, String... extraArgs) throws IOException {
        int index = order.contains(name) ? order.indexOf(name) : order.size();
        InetSocketAddress ignition = new InetSocketAddress("127.0.0." + (index + 2), ignitionPort);
        int api = freePort();
        Path scratch = Files.createDirectories(dir.resolve(name + "-scratch"));
        Files.setPosixFilePermissions(scratch, PosixFilePermissions.fromString("rwx------"));
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-cp", System.getProperty("java.class.path"), "io.nkd.cli.Main", "serve",
                "--repo", repoUrl, "--interval", "2s", "--state-dir", scratch.toString(),
                "--listen", "127.0.0.1:" + api, "--advertise", "127.0.0.1", "--ignition-listen", ignition.getHostString() + ":" + ignitionPort,
                "--api-token-file", tokenFile.toString(), "--provider-dir", cloud.toString(), "--replica-id", name,
                "--lease-duration", LEASE_DURATION, "--renew-deadline", RENEW_DEADLINE, "--retry-period", RETRY_PERIOD));
        // an option in extraArgs replaces the shared one (e.g. one replica's own --kubeconfig)
        List<String> extra = List.of(extraArgs);
        for (int i = 0; i + 1 < stateArgs.size(); i += 2) {
            if (!extra.contains(stateArgs.get(i))) {
                cmd.add(stateArgs.get(i));
                cmd.add(stateArgs.get(i + 1));
            }
        }
        cmd.addAll(extra);
        Path log = dir.resolve(name + ".log");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        Replica r = new Replica(name, pb.start(), api, ignition, log);
        replicas.put(name, r);
        if (!order.contains(name)) {
            order.add(name);
        }
        return r;
    }

    Replica replica(String name) {
        return replicas.get(name);
    }

    /** GET /api/v1/leader of a replica, or empty while it does not answer. */
    static Optional<JsonNode> leader(Replica r) {
        return get(r, "/api/v1/leader").filter(x -> x.statusCode() == 200).map(x -> {
            try {
                return new ObjectMapper().readTree(x.body());
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
    }

    static boolean leading(Replica r) {
        return leader(r).map(j -> j.path("leading").asBoolean()).orElse(false);
    }

    static Optional<HttpResponse<String>> get(Replica r, String path) {
        try {
            return Optional.of(HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + r.apiPort() + path))
                    .timeout(Duration.ofSeconds(3)).build(), HttpResponse.BodyHandlers.ofString()));
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    /** Waits for {@code condition}; returns how long it took. */
    static Duration await(BooleanSupplier condition, Duration timeout, String what) throws InterruptedException {
        long start = System.nanoTime();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - start > timeout.toNanos()) {
                throw new AssertionError("not within " + timeout.toSeconds() + " s: " + what);
            }
            Thread.sleep(50);
        }
        return Duration.ofNanos(System.nanoTime() - start);
    }

    /** One line of the cloud's journal: {@code <instant> pid=<pid> host=<host> <op> cluster=<c> machine=<m>}. */
    record Mutation(Instant at, long pid, String op, String cluster, String machine) {
    }

    private static final Pattern JOURNAL_LINE = Pattern.compile("(\\S+) pid=(\\d+) host=\\S+ (create|delete) cluster=(\\S+) machine=(\\S+)");

    /** Every machine change the cloud recorded, in order. */
    List<Mutation> journal() throws IOException {
        Path file = cloud.resolve("sandbox/mutations.log");
        if (!Files.exists(file)) {
            return List.of();
        }
        List<Mutation> out = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            Matcher m = JOURNAL_LINE.matcher(line);
            if (!m.matches()) {
                throw new AssertionError("unexpected journal line: " + line);
            }
            out.add(new Mutation(Instant.parse(m.group(1)), Long.parseLong(m.group(2)), m.group(3), m.group(4), m.group(5)));
        }
        return out;
    }

    private static final Pattern LOG_TIME = Pattern.compile("^(\\d{4}-\\d\\d-\\d\\dT\\S+Z) ");

    /** The time stamps of a replica's log lines that contain {@code text}. */
    static List<Instant> logTimes(Replica r, String text) throws IOException {
        List<Instant> out = new ArrayList<>();
        for (String line : Files.readAllLines(r.log())) {
            Matcher m = LOG_TIME.matcher(line);
            if (line.contains(text) && m.find()) {
                out.add(Instant.parse(m.group(1)));
            }
        }
        return out;
    }

    @Override
    public void close() {
        prober.interrupt();
        replicas.values().forEach(r -> r.process().destroyForcibly());
        replicas.values().forEach(r -> {
            try {
                r.process().waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        service.close();
    }
}
