package io.nkd.housekeeper.agent;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.nkd.housekeeper.agent.host.ImageTransport;
import io.nkd.housekeeper.agent.host.NodeHost;
import io.nkd.housekeeper.agent.host.ProcessHostCommands;
import io.nkd.housekeeper.agent.time.Sleeper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code housekeeper agent}: the node agent of the DaemonSet. It needs the container to be privileged with the
 * host's PID namespace (host commands run through {@code nsenter --target 1}), and {@code NODE_NAME} from the
 * downward API ({@code spec.nodeName}).
 */
@Command(name = "agent", mixinStandardHelpOptions = true,
        description = "Run the node agent: report the node's OS and Kubernetes versions and carry out the operator's "
                + "assignments (cordon, drain, rpm-ostree rebase, reboot, kubeadm upgrade, verify, uncordon).")
public final class AgentCommand implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(AgentCommand.class);

    @Option(names = "--node", defaultValue = "${env:NODE_NAME}",
            description = "This node's name (default: the NODE_NAME environment variable).")
    String node;

    @Option(names = "--image-transport", defaultValue = "unverified",
            converter = TransportConverter.class,
            description = "How rpm-ostree fetches OS images: unverified (ostree-unverified-image:docker://, as the "
                    + "upstream Housekeeper) or signed (ostree-remote-image:REMOTE:docker://, verified with the keys "
                    + "of --ostree-remote). Default: ${DEFAULT-VALUE}.")
    ImageTransport imageTransport;

    @Option(names = "--ostree-remote",
            description = "The host's ostree remote whose keys verify OS images (with --image-transport signed).")
    String ostreeRemote;

    @Option(names = "--health-port", defaultValue = "8081",
            description = "Port of /healthz and /metrics (0: none). Default: ${DEFAULT-VALUE}.")
    int healthPort;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        if (node == null || node.isBlank()) {
            err.println("housekeeper agent: no node name: pass --node or set NODE_NAME (in the DaemonSet: env "
                    + "NODE_NAME from fieldRef spec.nodeName)");
            return 2;
        }
        if (healthPort < 0 || healthPort > 65535) {
            err.println("housekeeper agent: --health-port " + healthPort + ": write a port from 0 to 65535 (0: none)");
            return 2;
        }
        NodeHost host;
        try {
            host = new NodeHost(ProcessHostCommands.nsenter(), imageTransport, ostreeRemote, Clock.systemUTC());
        } catch (IllegalArgumentException e) {
            err.println("housekeeper agent: " + e.getMessage());
            return 2;
        }
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        CountDownLatch stopped = new CountDownLatch(1);
        try (KubernetesClient client = new KubernetesClientBuilder().build()) {
            NodeAgent agent = NodeAgent.create(client, node, host, Clock.systemUTC(), Sleeper.real());
            AgentMetrics metrics = new AgentMetrics(registry, agent::lastReport, agent::drainBlockedPods);
            host.onCommand(metrics::record);
            HttpServer health = healthPort > 0 ? healthServer(agent, registry) : null;
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                LOG.info("node={} agent stopping (signal)", node);
                agent.close();
                if (health != null) {
                    health.stop(0);
                }
                stopped.countDown();
            }, "housekeeper-agent-shutdown"));
            LOG.info("node={} agent {} starting (image transport {}{})", node, NodeAgent.VERSION, imageTransport,
                    ostreeRemote == null ? "" : ", ostree remote " + ostreeRemote);
            agent.start();
            stopped.await();
        }
        return 0;
    }

    private HttpServer healthServer(NodeAgent agent, PrometheusMeterRegistry registry) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(healthPort), 0);
        server.createContext("/healthz", ex -> {
            boolean ok = agent.healthy();
            reply(ex, ok ? 200 : 503, ok ? "ok\n" : "agent loop not running\n", "text/plain");
        });
        server.createContext("/metrics", ex -> reply(ex, 200, registry.scrape(),
                "text/plain; version=0.0.4; charset=utf-8"));
        server.start();
        return server;
    }

    private static void reply(HttpExchange ex, int status, String body, String type) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", type);
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    /** unverified|signed, case-insensitive; the error lists the accepted values. */
    static final class TransportConverter implements picocli.CommandLine.ITypeConverter<ImageTransport> {
        @Override
        public ImageTransport convert(String value) {
            for (ImageTransport t : ImageTransport.values()) {
                if (t.name().equalsIgnoreCase(value.strip())) {
                    return t;
                }
            }
            throw new picocli.CommandLine.TypeConversionException("'" + value + "' is not an image transport: use "
                    + "unverified or signed");
        }
    }
}
