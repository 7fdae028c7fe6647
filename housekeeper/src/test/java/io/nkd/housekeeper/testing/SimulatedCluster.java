package io.nkd.housekeeper.testing;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.nkd.housekeeper.agent.host.ImageTransport;
import io.nkd.housekeeper.agent.time.Sleeper;
import io.nkd.housekeeper.api.NodeKeys;
import io.nkd.housekeeper.api.NodeRole;

import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Simulated nodes with real node agents against a real API server, for tests of the agent and of the operator.
 *
 * <pre>{@code
 * // in a test class extended with io.nkd.testkit.KubeApiServerExtension (client and kube injected):
 * try (SimulatedCluster cluster = new SimulatedCluster(client, kube.uniqueName("roll"))) {
 *     SimulatedNode cp = cluster.addNode("cp-1", NodeRole.CONTROL_PLANE,
 *             new FakeHost("registry.example/nestos:1", FakeHost.digestOf("registry.example/nestos:1"), "v1.28.4")
 *                     .publish("registry.example/nestos:2", FakeHost.digestOf("registry.example/nestos:2"), "v1.29.3"));
 *     SimulatedNode w1 = cluster.addNode("w-1", NodeRole.WORKER, new FakeHost(...));
 *     cluster.startAgents();               // each agent writes its report (state Idle) on its Node
 *     // ... the operator (or the test) writes assignments on the Nodes ...
 *     cp.awaitState(AgentState.DONE, assignment.id(), Duration.ofSeconds(30));
 *     assertEquals(List.of("rpm-ostree status --json", ...), cp.commandLines());
 *     w1.host().fail("rpm-ostree rebase", 1, "error: manifest unknown", 1);   // the next rebase fails once
 *     w1.host().delay("rpm-ostree rebase", Duration.ofSeconds(2));            // and takes 2 s
 *     w1.setStatus(false);                                                    // NotReady (as a node controller would)
 *     w1.killAgent(); w1.startAgent();                                        // a crashed agent pod
 * }
 * }</pre>
 *
 * <ul>
 *   <li>Nodes are named {@code <prefix>-<name>} (use a unique prefix per test: the server is shared), labelled with
 *   {@code kubernetes.io/hostname} and, for control-plane nodes, {@code node-role.kubernetes.io/control-plane}; they are
 *   created Ready with {@code status.nodeInfo.kubeletVersion} from the host.</li>
 *   <li>Each node runs one real {@link io.nkd.housekeeper.agent.NodeAgent} against its {@link FakeHost}. Reboots
 *   and agent restarts: see {@link SimulatedNode}. Inject failures and delays on {@link SimulatedNode#host()}
 *   ({@link FakeHost#fail}, {@link FakeHost#delay}) before or while agents run.</li>
 *   <li>Without a kubelet a deleted pod stays Terminating forever; the cluster plays the kubelets' part: a pod on one
 *   of its nodes that gets a deletionTimestamp (an eviction or a delete) is removed with grace period 0.</li>
 *   <li>{@link #close()} kills every agent, stops the pod reaper and deletes the Nodes.</li>
 * </ul>
 * Agents use the given {@link Clock} and {@link Sleeper} (default: real ones) for drain timeouts and backoff.
 */
public final class SimulatedCluster implements AutoCloseable {
    private final KubernetesClient client;
    private final String prefix;
    private final Clock clock;
    private final Sleeper sleeper;
    private final Map<String, SimulatedNode> nodes = new LinkedHashMap<>();
    private final Map<String, Boolean> nodeNames = new ConcurrentHashMap<>();
    private ImageTransport transport = ImageTransport.UNVERIFIED;
    private String ostreeRemote;
    private SharedIndexInformer<Pod> reaper;

    public SimulatedCluster(KubernetesClient client, String prefix) {
        this(client, prefix, Clock.systemUTC(), Sleeper.real());
    }

    public SimulatedCluster(KubernetesClient client, String prefix, Clock clock, Sleeper sleeper) {
        this.client = client;
        this.prefix = prefix;
        this.clock = clock;
        this.sleeper = sleeper;
    }

    /** The image transport the agents of nodes added afterwards use (default unverified). */
    public SimulatedCluster imageTransport(ImageTransport transport, String ostreeRemote) {
        this.transport = transport;
        this.ostreeRemote = ostreeRemote;
        return this;
    }

    /** Creates the Node (Ready) for {@code host}; its agent starts with {@link #startAgents()} or
     * {@link SimulatedNode#startAgent()}. */
    public synchronized SimulatedNode addNode(String name, NodeRole role, FakeHost host) {
        return addNode(name, role, host, Map.of());
    }

    public synchronized SimulatedNode addNode(String name, NodeRole role, FakeHost host, Map<String, String> labels) {
        String full = prefix + "-" + name;
        Map<String, String> all = new LinkedHashMap<>(labels);
        all.put("kubernetes.io/hostname", full);
        if (role == NodeRole.CONTROL_PLANE) {
            all.put(NodeKeys.CONTROL_PLANE_LABEL, "");
        }
        Node node = new NodeBuilder().withNewMetadata().withName(full).withLabels(all).endMetadata()
                .withNewSpec().endSpec().build();
        client.nodes().resource(node).create();
        nodeNames.put(full, true);
        startReaper();
        SimulatedNode sim = new SimulatedNode(client, full, role, host, clock, sleeper, transport, ostreeRemote);
        sim.setStatus(true);
        nodes.put(full, sim);
        return sim;
    }

    public synchronized List<SimulatedNode> nodes() {
        return new ArrayList<>(nodes.values());
    }

    /** By full name ({@code <prefix>-<name>}) or by the short name given to {@link #addNode}. */
    public synchronized SimulatedNode node(String name) {
        SimulatedNode n = nodes.get(name);
        return n != null ? n : nodes.get(prefix + "-" + name);
    }

    public void startAgents() {
        nodes().forEach(SimulatedNode::startAgent);
    }

    private void startReaper() {
        if (reaper != null) {
            return;
        }
        reaper = client.pods().inAnyNamespace().inform(new ResourceEventHandler<>() {
            @Override
            public void onAdd(Pod pod) {
                reap(pod);
            }

            @Override
            public void onUpdate(Pod oldPod, Pod pod) {
                reap(pod);
            }

            @Override
            public void onDelete(Pod pod, boolean deletedFinalStateUnknown) {
            }
        }, 0);
    }

    /** What a kubelet does once a pod's containers stopped: removes the pod for good. */
    private void reap(Pod pod) {
        if (pod.getMetadata().getDeletionTimestamp() != null && pod.getSpec() != null
                && nodeNames.containsKey(String.valueOf(pod.getSpec().getNodeName()))) {
            try {
                client.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName())
                        .withGracePeriod(0).delete();
            } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
                if (e.getCode() != 404) {
                    System.err.println("SimulatedCluster: cannot remove terminating pod " + pod.getMetadata().getNamespace()
                            + "/" + pod.getMetadata().getName() + ": " + e.getMessage());
                }
            }
        }
    }

    @Override
    public void close() {
        nodes().forEach(SimulatedNode::killAgent);
        if (reaper != null) {
            reaper.close();
        }
        for (String name : nodeNames.keySet()) {
            try {
                client.nodes().withName(name).withGracePeriod(0).delete();
            } catch (RuntimeException e) {
                // best effort: the server is shared, the names are unique
            }
        }
    }
}
