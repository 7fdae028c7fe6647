package io.nkd.housekeeper.operator;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.nkd.housekeeper.api.GoDuration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code housekeeper operator}: runs the operator until it is stopped or loses its Lease. */
@Command(name = "operator", mixinStandardHelpOptions = true,
        description = "Roll OS and Kubernetes upgrades out node by node, as the Updates of a namespace ask.")
public final class OperatorCommand implements Callable<Integer> {
    @Option(names = "--namespace", description = "Namespace of the Updates, the Lease and the Events "
            + "(default: $POD_NAMESPACE, else housekeeper-system).")
    String namespace;

    @Option(names = "--lease-name", defaultValue = OperatorConfig.DEFAULT_LEASE,
            description = "The coordination.k8s.io/v1 Lease of the leader election (default: ${DEFAULT-VALUE}).")
    String leaseName;

    @Option(names = "--identity", description = "This replica's name in the Lease (default: $POD_NAME, else the "
            + "host name).")
    String identity;

    @Option(names = "--node-ready-timeout", defaultValue = "15m", description = "How long a node may stay NotReady "
            + "after its agent reported a reboot or a Kubernetes upgrade before it fails (default: ${DEFAULT-VALUE}).")
    String nodeReadyTimeout;

    @Option(names = "--resync", defaultValue = "30s", description = "Periodic reconcile for timeouts; everything else "
            + "is event-driven (default: ${DEFAULT-VALUE}).")
    String resync;

    @Option(names = "--etcd-check", defaultValue = "pods", description = "pods: every pod component=etcd in "
            + "kube-system Running and Ready before and after each control-plane node; none: not checked "
            + "(external etcd) (default: ${DEFAULT-VALUE}).")
    String etcdCheck;

    @Option(names = "--node-selector", description = "Manage only the Nodes with these labels (key=value,...; "
            + "default: every Node).")
    String nodeSelector;

    @Option(names = "--metrics-port", defaultValue = "8080", description = "Port of /metrics and /healthz "
            + "(default: ${DEFAULT-VALUE}).")
    int metricsPort;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        OperatorConfig config;
        try {
            config = config();
        } catch (IllegalArgumentException e) {
            // a usage error: the message names the option; a stack trace would only bury it
            spec.commandLine().getErr().println("housekeeper operator: " + e.getMessage());
            return 2;
        }
        CountDownLatch stop = new CountDownLatch(1);
        try (KubernetesClient client = new KubernetesClientBuilder().build();
             Operator operator = new Operator(client, config)) {
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                operator.close(); // releases the Lease so that another replica takes over at once
                stop.countDown();
            }, "housekeeper-shutdown"));
            operator.leadershipLost().thenRun(stop::countDown);
            operator.start();
            stop.await();
            return operator.leadershipLost().isDone() ? 1 : 0;
        }
    }

    /** The options as a config. @throws IllegalArgumentException naming the option and what to write */
    OperatorConfig config() {
        String ns = namespace != null ? namespace : env("POD_NAMESPACE", OperatorConfig.DEFAULT_NAMESPACE);
        String id = identity != null ? identity : env("POD_NAME", hostname());
        EtcdCheckMode mode;
        try {
            mode = EtcdCheckMode.valueOf(etcdCheck.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--etcd-check " + etcdCheck + ": write pods or none", e);
        }
        if (metricsPort < 0 || metricsPort > 65535) {
            throw new IllegalArgumentException("--metrics-port " + metricsPort + ": write a port from 0 to 65535");
        }
        return new OperatorConfig(ns, leaseName, id, duration("--node-ready-timeout", nodeReadyTimeout),
                duration("--resync", resync), mode, "kube-system", metricsPort, OperatorConfig.LeaseTiming.DEFAULT,
                selector(nodeSelector));
    }

    private static Duration duration(String option, String text) {
        try {
            Duration d = GoDuration.parse(text);
            if (d.isZero()) {
                throw new IllegalArgumentException("'" + text + "' is zero");
            }
            return d;
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(option + ": " + e.getMessage(), e);
        }
    }

    /** key=value,key=value; a key alone selects the label with an empty value (as the role labels have). */
    static Map<String, String> selector(String text) {
        Map<String, String> labels = new LinkedHashMap<>();
        if (text == null || text.isBlank()) {
            return labels;
        }
        for (String part : text.split(",")) {
            String p = part.strip();
            int eq = p.indexOf('=');
            String key = eq < 0 ? p : p.substring(0, eq).strip();
            if (key.isEmpty() || p.contains("!") || p.contains(" in ")) {
                throw new IllegalArgumentException("--node-selector " + text + ": write key=value pairs separated by "
                        + "commas, e.g. nkd.io/pool=workers");
            }
            labels.put(key, eq < 0 ? "" : p.substring(eq + 1).strip());
        }
        return labels;
    }

    private static String env(String name, String fallback) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? fallback : v;
    }

    private static String hostname() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "housekeeper-operator-" + ProcessHandle.current().pid();
        }
    }
}
