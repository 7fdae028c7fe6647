package io.nkd.e2e;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.NodeConditionBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.nkd.config.Infrastructure;
import io.nkd.infra.MachineRequest;
import io.nkd.infra.OwnedResource;
import io.nkd.infra.Provider;
import io.nkd.infra.ProvisionedMachine;
import io.nkd.config.NodePool;
import io.nkd.secrets.ClusterSecrets;
import io.nkd.state.StateStore;
import io.nkd.testkit.PrivateApiServer;
import io.nkd.testsupport.PkiDirs;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A provider whose machines boot the way a NestOS node with kubeadm would, as far as nkd can see it from outside:
 * a machine is created BUILDING; {@link #bootOs} makes it ACTIVE on the config nkd rendered for it (the provider knows
 * what it booted, so nkd counts it as fetched); the first control-plane node's {@code kubeadm init} is
 * {@link #startApiServer}: a real kube-apiserver ({@link PrivateApiServer}) serving with the cluster's PKI read from
 * nkd's state, on the control-plane endpoint's port; each node's kubelet then registers its Node ({@link #join}) and
 * reports it Ready ({@link #ready}) or not ({@link #notReady}) through that API server. {@link #bootAll} does it all.
 *
 * <p>The test decides when each step happens, so it can look at nkd's status between them. Deleting a machine leaves its
 * Node object, as in a real cluster (its kubelet just stops). {@link #close()} stops the API server.
 */
public final class SimulatedKubelets implements Provider, AutoCloseable {
    public static final String OS_IMAGE = "NestOS For Container 24.09.LTS";

    private final StateStore store;
    private final Path work;
    private final int apiPort;
    private final String serviceSubnet;
    private final Clock clock;
    private final Map<String, ProvisionedMachine> machines = new ConcurrentHashMap<>();
    private final Map<String, MachineRequest> requests = new ConcurrentHashMap<>();
    private PrivateApiServer api;
    /** What each node's kubelet reports: its version and OS image (an upgrade test changes them per node). */
    private final Map<String, String> kubeletVersions = new ConcurrentHashMap<>();
    private final Map<String, String> osImages = new ConcurrentHashMap<>();
    private volatile String defaultKubeletVersion = "v1.31.4";

    /**
     * @param store   nkd's state, where the cluster's PKI is (the first control-plane node gets it from Ignition)
     * @param work    a directory for the API server's PKI copy
     * @param apiPort the port of the cluster's control-plane endpoint (127.0.0.1:PORT in its cluster.yaml)
     */
    public SimulatedKubelets(StateStore store, Path work, int apiPort, String serviceSubnet, Clock clock) {
        this.store = store;
        this.work = work;
        this.apiPort = apiPort;
        this.serviceSubnet = serviceSubnet;
        this.clock = clock;
    }

    @Override
    public Infrastructure.ProviderType type() {
        return Infrastructure.ProviderType.SANDBOX;
    }

    @Override
    public String name() {
        return "simulated-kubelets";
    }

    @Override
    public List<ProvisionedMachine> list(String cluster) {
        return machines.values().stream().filter(m -> m.cluster().equals(cluster)).sorted(Comparator.comparing(ProvisionedMachine::name))
                .toList();
    }

    @Override
    public ProvisionedMachine create(MachineRequest r) {
        requests.put(r.name(), r);
        return machines.computeIfAbsent(r.name(), n -> new ProvisionedMachine(r.cluster(), r.pool(), n, ProvisionedMachine.State.BUILDING,
                r.revision(), null, null, r.configVersion(), r.spec(), clock.instant(), null));
    }

    @Override
    public void delete(String cluster, String machine) {
        // nkd must have drained the node and removed it from Kubernetes first (when the API answers)
        if (api != null && api.client().nodes().withName(machine).get() != null) {
            deletedWithNode.add(machine);
        }
        deleted.add(machine);
        machines.remove(machine);
        requests.remove(machine);
    }

    @Override
    public List<OwnedResource> owned(String cluster) {
        return List.of();
    }

    @Override
    public List<OwnedResource> destroy(String cluster) {
        list(cluster).forEach(m -> delete(cluster, m.name()));
        return List.of();
    }

    /** Machines deleted, in order. */
    public final List<String> deleted = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
    /** Machines deleted while their Node object still existed in the cluster's API (nkd did not take it out first). */
    public final List<String> deletedWithNode = java.util.Collections.synchronizedList(new java.util.ArrayList<>());

    /** The names of the machines that exist, sorted. */
    public List<String> names() {
        return machines.keySet().stream().sorted().toList();
    }

    /** The OS is up on the config nkd rendered for the machine (Ignition ran): ACTIVE, its config known. */
    public void bootOs(String name) {
        machines.computeIfPresent(name, (n, m) -> new ProvisionedMachine(m.cluster(), m.pool(), n, ProvisionedMachine.State.ACTIVE,
                m.revision(), m.configVersion(), null, m.configVersion(), m.spec(), m.createdAt(), "127.0.0.1"));
    }

    /**
     * {@code kubeadm init} on the first control-plane node: the cluster's API server starts with the PKI nkd generated
     * (read from nkd's state, as Ignition delivers it to the node).
     */
    public synchronized PrivateApiServer startApiServer(String cluster) {
        if (api != null) {
            return api;
        }
        PrivateApiServer.Binaries bin = PrivateApiServer.binaries();
        Path pki;
        try {
            pki = PkiDirs.write(ClusterSecrets.pkiFiles(store.view(cluster)), work.resolve(cluster + "-pki"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        api = PrivateApiServer.start(bin, pki, apiPort, serviceSubnet);
        return api;
    }

    /** The cluster's API server, once {@link #startApiServer} ran. */
    public synchronized PrivateApiServer api() {
        if (api == null) {
            throw new IllegalStateException("the API server has not been started (startApiServer)");
        }
        return api;
    }

    /** The kubelet registers its Node (labels as kubeadm sets them), not Ready yet: its network plugin is not up. */
    public void join(String name) {
        MachineRequest r = requests.get(name);
        if (r == null) {
            throw new IllegalArgumentException("no machine " + name + "; machines: " + names());
        }
        NodeBuilder node = new NodeBuilder().withNewMetadata().withName(name).addToLabels("kubernetes.io/hostname", name)
                .addToLabels("kubernetes.io/os", "linux").endMetadata();
        if (r.role() == NodePool.Role.CONTROL_PLANE) {
            node.editMetadata().addToLabels("node-role.kubernetes.io/control-plane", "").endMetadata();
        }
        client().nodes().resource(node.build()).create();
        setReady(name, false, "KubeletNotReady", "container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady");
    }

    /** The kubelet reports Ready. */
    public void ready(String name) {
        setReady(name, true, "KubeletReady", "kubelet is posting ready status");
    }

    /** The kubelet reports NotReady (or the node controller would, for a kubelet that stopped posting). */
    public void notReady(String name, String reason, String message) {
        setReady(name, false, reason, message);
    }

    /** Every machine: OS up, the API server started with the first control-plane node, each Node joined and Ready. */
    public void bootAll(String cluster) {
        List<String> all = names();
        all.forEach(this::bootOs);
        startApiServer(cluster);
        for (String n : all) {
            join(n);
            ready(n);
        }
    }

    private void setReady(String name, boolean ready, String reason, String message) {
        String version = kubeletVersions.getOrDefault(name, defaultKubeletVersion);
        String osImage = osImages.getOrDefault(name, OS_IMAGE);
        String now = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
        client().nodes().withName(name).editStatus(n -> {
            NodeCondition old = n.getStatus() == null || n.getStatus().getConditions() == null ? null
                    : n.getStatus().getConditions().stream().filter(c -> "Ready".equals(c.getType())).findFirst().orElse(null);
            String status = ready ? "True" : "False";
            String since = old != null && status.equals(old.getStatus()) ? old.getLastTransitionTime() : now;
            return new NodeBuilder(n).editOrNewStatus()
                    .withConditions(new NodeConditionBuilder().withType("Ready").withStatus(status).withReason(reason).withMessage(message)
                            .withLastHeartbeatTime(now).withLastTransitionTime(since).build())
                    .withNewNodeInfo().withKubeletVersion(version).withKubeProxyVersion(version).withOsImage(osImage)
                    .withOperatingSystem("linux").withArchitecture("amd64").withContainerRuntimeVersion("containerd://1.7.22")
                    .withKernelVersion("6.6.0-28.0.0.34.oe2403.x86_64").withBootID(name).withMachineID(name).withSystemUUID(name)
                    .endNodeInfo().endStatus().build();
        });
    }

    /** What the node's kubelet reports from its next status update on (e.g. after an upgrade). */
    public void runs(String name, String kubeletVersion, String osImage) {
        kubeletVersions.put(name, kubeletVersion);
        osImages.put(name, osImage);
    }

    /** The kubelet version nodes report unless {@link #runs} says otherwise. */
    public void defaultKubeletVersion(String version) {
        defaultKubeletVersion = version;
    }

    /** The Node objects in the cluster's API, by name. */
    public Map<String, Node> nodes() {
        Map<String, Node> out = new java.util.TreeMap<>();
        client().nodes().list().getItems().forEach(n -> out.put(n.getMetadata().getName(), n));
        return out;
    }

    private KubernetesClient client() {
        return api().client();
    }

    @Override
    public synchronized void close() {
        if (api != null) {
            api.close();
            api = null;
        }
    }
}
