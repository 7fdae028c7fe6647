package io.nkd.housekeeper.testing;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.NodeConditionBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.nkd.housekeeper.agent.NodeAgent;
import io.nkd.housekeeper.agent.drain.Drainer;
import io.nkd.housekeeper.agent.host.ImageTransport;
import io.nkd.housekeeper.agent.host.NodeHost;
import io.nkd.housekeeper.agent.time.Sleeper;
import io.nkd.housekeeper.api.AgentState;
import io.nkd.housekeeper.api.ContractJson;
import io.nkd.housekeeper.api.NodeReport;
import io.nkd.housekeeper.api.NodeRole;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * One simulated node of a {@link SimulatedCluster}: a real Node object on the API server, a {@link FakeHost}, and
 * real {@link NodeAgent}s (one at a time, as the DaemonSet runs one pod per node).
 *
 * <p>A reboot ({@code systemctl reboot} on the host) plays out as on a real node, on its own thread: the running
 * agent is killed (closed without any cleanup, as the process dies), the Node turns NotReady, the host boots its next
 * deployment, after {@link #rebootDuration} the Node turns Ready again with the kubelet version the host now runs
 * (status subresource), and a new agent starts and continues from the Node and the host. A kubelet restart on the
 * host updates {@code status.nodeInfo.kubeletVersion} likewise.
 */
public final class SimulatedNode {
    private final KubernetesClient client;
    private final String name;
    private final NodeRole role;
    private final FakeHost host;
    private final Clock clock;
    private final Sleeper sleeper;
    private final ImageTransport transport;
    private final String ostreeRemote;
    private final List<NodeAgent> agents = new ArrayList<>();
    private volatile Duration rebootDuration = Duration.ofMillis(200);
    private volatile Duration agentResync = Duration.ofSeconds(30);
    private volatile NodeAgent agent;

    SimulatedNode(KubernetesClient client, String name, NodeRole role, FakeHost host, Clock clock, Sleeper sleeper,
                  ImageTransport transport, String ostreeRemote) {
        this.client = client;
        this.name = name;
        this.role = role;
        this.host = host;
        this.clock = clock;
        this.sleeper = sleeper;
        this.transport = transport;
        this.ostreeRemote = ostreeRemote;
        host.onReboot(h -> reboot());
        host.onKubeletRestart(h -> setStatus(true));
    }

    public String name() {
        return name;
    }

    public NodeRole role() {
        return role;
    }

    public FakeHost host() {
        return host;
    }

    /** The running agent, or null when none runs (killed, or rebooting). */
    public NodeAgent agent() {
        return agent;
    }

    /** How many agent processes have been started on this node (1 + one per reboot or restart). */
    public synchronized int agentStarts() {
        return agents.size();
    }

    /** How long the node stays NotReady during a reboot (default 200 ms). */
    public SimulatedNode rebootDuration(Duration d) {
        rebootDuration = d;
        return this;
    }

    /** How often the agent resyncs without events (default 30 s). Takes effect with the next agent started. */
    public SimulatedNode agentResync(Duration d) {
        agentResync = d;
        return this;
    }

    /** The command lines the host ran, in order (see {@link FakeHost#commandLines()}). */
    public List<String> commandLines() {
        return host.commandLines();
    }

    public synchronized SimulatedNode startAgent() {
        if (agent == null) {
            NodeHost nodeHost = new NodeHost(host, transport, ostreeRemote, clock);
            NodeAgent a = new NodeAgent(client, name, nodeHost, new Drainer(client, clock, sleeper), clock,
                    agentResync, sleeper);
            agents.add(a);
            agent = a;
            a.start();
        }
        return this;
    }

    /** Kills the agent as a crashed process: no cleanup; what it did so far is on the Node and the host. */
    public SimulatedNode killAgent() {
        NodeAgent a;
        synchronized (this) {
            a = agent;
            agent = null;
        }
        if (a != null) {
            a.close();
        }
        return this;
    }

    public SimulatedNode restartAgent() {
        killAgent();
        return startAgent();
    }

    private void reboot() {
        killAgent();
        setStatus(false);
        host.boot();
        try {
            Thread.sleep(rebootDuration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        setStatus(true);
        startAgent();
    }

    public Node node() {
        return client.nodes().withName(name).get();
    }

    /** The agent's report on the Node, if any. */
    public Optional<NodeReport> report() {
        Node n = node();
        return n == null ? Optional.empty() : ContractJson.report(n);
    }

    public boolean unschedulable() {
        Node n = node();
        return n != null && n.getSpec() != null && Boolean.TRUE.equals(n.getSpec().getUnschedulable());
    }

    /** Sets the Ready condition and status.nodeInfo.kubeletVersion (from the host) through the status subresource. */
    public void setStatus(boolean ready) {
        String now = Instant.now().toString().replaceAll("\\.\\d+Z$", "Z");
        NodeCondition condition = new NodeConditionBuilder().withType("Ready").withStatus(ready ? "True" : "False")
                .withReason(ready ? "KubeletReady" : "KubeletNotReady")
                .withMessage(ready ? "kubelet is posting ready status" : "node is rebooting")
                .withLastHeartbeatTime(now).withLastTransitionTime(now).build();
        String kubelet = host.kubeletVersion().toString();
        client.nodes().withName(name).editStatus(n -> {
            if (n.getStatus() == null) {
                n.setStatus(new io.fabric8.kubernetes.api.model.NodeStatus());
            }
            if (n.getStatus().getNodeInfo() == null) {
                n.getStatus().setNodeInfo(new io.fabric8.kubernetes.api.model.NodeSystemInfo());
            }
            n.getStatus().setConditions(new ArrayList<>(List.of(condition)));
            n.getStatus().getNodeInfo().setKubeletVersion(kubelet);
            return n;
        });
    }

    /** Waits (polling the Node) until the report satisfies {@code condition}; returns it. */
    public NodeReport awaitReport(Predicate<NodeReport> condition, Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        NodeReport last = null;
        while (System.nanoTime() < end) {
            try {
                last = report().orElse(null);
            } catch (ContractJson.ContractException e) {
                last = null; // a corrupt report (a test wrote it): not yet what the agent writes
            }
            if (last != null && condition.test(last)) {
                return last;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("node " + name + ": the report did not reach the expected state within " + timeout
                + "; last report: " + (last == null ? "none" : ContractJson.write(last)) + "; host commands: "
                + host.commandLines());
    }

    /** Waits until the report is in {@code state} for assignment {@code assignmentId}. */
    public NodeReport awaitState(AgentState state, String assignmentId, Duration timeout) throws InterruptedException {
        return awaitReport(r -> r.state() == state && java.util.Objects.equals(assignmentId, r.assignment()), timeout);
    }
}
