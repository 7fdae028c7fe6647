package io.nkd.testkit;

import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.NodeConditionBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * What tests need on an API server without kubelet and scheduler: Nodes that look like registered, Ready nodes, and
 * Pods that are bound to a node and Running and Ready (as a kubelet would report them), in the test class's own
 * namespace. Obtain one from {@link KubeApiServerExtension} (a test parameter or field of this type).
 *
 * <p>Why this is needed: nothing on the test server runs pods. A created pod stays Pending with no node, and a
 * PodDisruptionBudget counts only Running and Ready pods. So {@link #createRunningPod} creates the pod with
 * {@code spec.nodeName} set and then writes its status through the {@code /status} subresource. A pod bound to a node
 * is deleted gracefully by waiting for its kubelet, which never comes: {@link #deletePodNow} deletes with
 * {@code gracePeriodSeconds: 0}.
 *
 * <p>Cluster-scoped objects are shared by every test on the server: name them with {@link #uniqueName}. The Nodes made
 * here are deleted when the test class ends, together with the namespace (see {@link KubeApiServerExtension}).
 */
public final class KubeFixtures {
    /** The image of pods created here; never pulled (there is no kubelet), and {@code .invalid} can never resolve. */
    public static final String POD_IMAGE = "registry.invalid/nkd-test/pause:1";

    private final KubernetesClient client;
    private final String namespace;
    private final Set<String> nodes = new LinkedHashSet<>();

    KubeFixtures(KubernetesClient client, String namespace) {
        this.client = client;
        this.namespace = namespace;
    }

    /** The client of this test class; its default namespace is {@link #namespace()}. */
    public KubernetesClient client() {
        return client;
    }

    /**
     * A copy of the client's configuration (server, CA, admin token, default namespace), for a client with other
     * settings, e.g. {@code new ConfigBuilder(kube.config()).withRequestRetryBackoffLimit(0).build()}. Close such a
     * client yourself.
     */
    public Config config() {
        return new ConfigBuilder(client.getConfiguration()).build();
    }

    /** The test class's own namespace (created for it, deleted after it). */
    public String namespace() {
        return namespace;
    }

    /**
     * A name for a cluster-scoped object (Node, CRD instance, ClusterRole) that no other test class uses: the
     * namespace's name (unique per test class and run) plus {@code base}.
     */
    public String uniqueName(String base) {
        return namespace + "-" + base.toLowerCase(Locale.ROOT);
    }

    /**
     * Creates a Node as a kubelet would register it, with status: condition Ready=True, {@code nodeInfo.kubeletVersion},
     * a little allocatable capacity, and {@code labels}. It is deleted when the test class ends.
     *
     * @param name a name from {@link #uniqueName}
     * @param kubeletVersion e.g. {@code v1.20.2}
     */
    public Node createReadyNode(String name, String kubeletVersion, Map<String, String> labels) {
        String now = now();
        Node node = new NodeBuilder()
                .withNewMetadata().withName(name).withLabels(labels).endMetadata()
                .withNewStatus()
                .withConditions(readyCondition(true, now))
                .withNewNodeInfo()
                .withKubeletVersion(kubeletVersion)
                .withKubeProxyVersion(kubeletVersion)
                .withOperatingSystem("linux")
                .withArchitecture("amd64")
                .withOsImage("NestOS For Container (test)")
                .withContainerRuntimeVersion("cri-o://1.20.0")
                .withKernelVersion("5.10.0")
                .withMachineID("0").withSystemUUID("0").withBootID("0")
                .endNodeInfo()
                .addToCapacity(Map.of("cpu", new Quantity("2"), "memory", new Quantity("4Gi"), "pods", new Quantity("110")))
                .addToAllocatable(Map.of("cpu", new Quantity("2"), "memory", new Quantity("4Gi"), "pods", new Quantity("110")))
                .endStatus()
                .build();
        nodes.add(name);
        Node created = client.nodes().resource(node).create();
        if (!isReady(created)) {
            // the API server keeps a Node's status on create, but do not rely on it: write it through /status
            created.setStatus(node.getStatus());
            created = client.nodes().resource(created).updateStatus();
        }
        return created;
    }

    /** Sets the Node's Ready condition (as a kubelet's heartbeat would, or as a node controller does when it stops). */
    public Node setNodeReady(String name, boolean ready) {
        String now = now();
        return client.nodes().withName(name).editStatus(n -> {
            List<NodeCondition> others = new ArrayList<>();
            if (n.getStatus().getConditions() != null) {
                n.getStatus().getConditions().stream().filter(c -> !"Ready".equals(c.getType())).forEach(others::add);
            }
            others.add(readyCondition(ready, now));
            n.getStatus().setConditions(others);
            return n;
        });
    }

    /**
     * Creates a Pod in {@link #namespace()} bound to {@code nodeName} and sets it Running and Ready through the
     * {@code /status} subresource; returns the pod as the server has it then.
     *
     * <p>The pod has {@code terminationGracePeriodSeconds: 0}, so a plain delete or an accepted eviction removes it at
     * once, as if its kubelet had stopped it (verified on the test server). A bound pod with the default 30 s stays
     * Terminating forever here, since no kubelet confirms its end; create such pods yourself when a test needs one.
     */
    public Pod createRunningPod(String name, String nodeName, Map<String, String> labels) {
        Pod pod = new PodBuilder()
                .withNewMetadata().withName(name).withNamespace(namespace).withLabels(labels).endMetadata()
                .withNewSpec()
                .withNodeName(nodeName)
                .withAutomountServiceAccountToken(false)
                .withTerminationGracePeriodSeconds(0L)
                .addNewContainer().withName("main").withImage(POD_IMAGE).endContainer()
                .endSpec()
                .build();
        Pod created = client.pods().inNamespace(namespace).resource(pod).create();
        return setPodReady(created, true);
    }

    /**
     * Writes the pod's status through {@code /status}: phase Running, and conditions Ready and ContainersReady set to
     * {@code ready} (Initialized and PodScheduled True), with a running container status.
     */
    public Pod setPodReady(Pod pod, boolean ready) {
        String now = now();
        String flag = ready ? "True" : "False";
        Pod current = client.pods().inNamespace(namespace).withName(pod.getMetadata().getName()).require();
        current.setStatus(null);
        Pod withStatus = new PodBuilder(current)
                .withNewStatus()
                .withPhase("Running")
                .withHostIP("127.0.0.1")
                .withPodIP("10.244.0.10")
                .withStartTime(now)
                .withConditions(podCondition("Initialized", "True", now), podCondition("PodScheduled", "True", now),
                        podCondition("ContainersReady", flag, now), podCondition("Ready", flag, now))
                .withContainerStatuses(new ContainerStatusBuilder()
                        .withName("main").withImage(POD_IMAGE).withImageID("")
                        .withReady(ready).withStarted(true).withRestartCount(0)
                        .withNewState().withNewRunning().withStartedAt(now).endRunning().endState()
                        .build())
                .endStatus()
                .build();
        return client.pods().inNamespace(namespace).resource(withStatus).updateStatus();
    }

    /** Deletes the pod at once ({@code gracePeriodSeconds: 0}); a graceful delete would wait for a kubelet forever. */
    public void deletePodNow(String name) {
        client.pods().inNamespace(namespace).withName(name).withGracePeriod(0).delete();
    }

    /** Deletes a Node made here (or any Node) at once. */
    public void deleteNodeNow(String name) {
        client.nodes().withName(name).withGracePeriod(0).delete();
        nodes.remove(name);
    }

    /** Whether the node's Ready condition is True. */
    public static boolean isReady(Node node) {
        return node != null && node.getStatus() != null && node.getStatus().getConditions() != null
                && node.getStatus().getConditions().stream()
                .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    }

    /** Whether the pod's Ready condition is True. */
    public static boolean isReady(Pod pod) {
        return pod != null && pod.getStatus() != null && pod.getStatus().getConditions() != null
                && pod.getStatus().getConditions().stream()
                .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    }

    // ------------------------------------------------------------------------------------------ lifecycle (extension)

    /**
     * Creates the namespace and waits (up to 60 s) for its {@code default} ServiceAccount with its token: the
     * ServiceAccount admission plugin rejects pods in a namespace without them.
     */
    static void createNamespace(KubernetesClient client, String namespace) {
        Namespace ns = new NamespaceBuilder().withNewMetadata().withName(namespace)
                .addToLabels("nkd.io/test-namespace", "true").endMetadata().build();
        client.namespaces().resource(ns).create();
        try {
            client.serviceAccounts().inNamespace(namespace).withName("default")
                    .waitUntilCondition(KubeFixtures::hasToken, 60, TimeUnit.SECONDS);
        } catch (KubernetesClientException e) {
            throw new IllegalStateException("the ServiceAccount " + namespace + "/default did not appear within 60 s:"
                    + " is kube-controller-manager running? (sudo " + TestServerLocator.SCRIPT + " status; logs in"
                    + " /var/lib/nkd-testenv/kube/log/)", e);
        }
    }

    private static boolean hasToken(ServiceAccount sa) {
        return sa != null && sa.getSecrets() != null && !sa.getSecrets().isEmpty();
    }

    /**
     * Deletes everything this class made: its pods at once (otherwise namespace deletion waits for kubelets that do
     * not exist), the namespace (the namespace controller removes the rest within seconds), and its Nodes. Does not
     * wait for the namespace to be gone.
     */
    void cleanUp() {
        List<RuntimeException> failures = new ArrayList<>();
        run(failures, () -> client.pods().inNamespace(namespace).withGracePeriod(0).delete());
        run(failures, () -> client.namespaces().withName(namespace).withGracePeriod(0).delete());
        for (String node : List.copyOf(nodes)) {
            run(failures, () -> deleteNodeNow(node));
        }
        if (!failures.isEmpty()) {
            IllegalStateException e = new IllegalStateException("cleaning up namespace " + namespace + " and nodes "
                    + nodes + " failed: " + failures.get(0).getMessage());
            failures.forEach(e::addSuppressed);
            throw e;
        }
    }

    private static void run(List<RuntimeException> failures, Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            failures.add(e);
        }
    }

    private static NodeCondition readyCondition(boolean ready, String now) {
        return new NodeConditionBuilder()
                .withType("Ready")
                .withStatus(ready ? "True" : "False")
                .withReason(ready ? "KubeletReady" : "KubeletNotReady")
                .withMessage(ready ? "kubelet is posting ready status (set by the test)" : "set NotReady by the test")
                .withLastHeartbeatTime(now)
                .withLastTransitionTime(now)
                .build();
    }

    private static PodCondition podCondition(String type, String status, String now) {
        return new PodConditionBuilder().withType(type).withStatus(status).withLastTransitionTime(now).build();
    }

    private static String now() {
        return Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    }
}
