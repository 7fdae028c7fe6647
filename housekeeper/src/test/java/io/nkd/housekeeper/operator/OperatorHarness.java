package io.nkd.housekeeper.operator;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.nkd.housekeeper.api.NodeRole;
import io.nkd.housekeeper.api.RolloutPhase;
import io.nkd.housekeeper.api.Update;
import io.nkd.housekeeper.api.UpdateSpec;
import io.nkd.housekeeper.api.UpdateStatus;
import io.nkd.housekeeper.testing.FakeHost;
import io.nkd.housekeeper.testing.SimulatedCluster;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;

/** Starting operators and reading Updates and Events in the operator's tests. */
final class OperatorHarness {
    private OperatorHarness() {
    }

    /** The label that marks one test's Nodes: the operator under test manages only those (the server is shared). */
    static final String NODE_LABEL = "housekeeper-test.nkd.io/cluster";

    /**
     * Fast leader election and resync for tests; etcd checked on pods in the test's own namespace; only the Nodes
     * labelled {@link #NODE_LABEL}={@code prefix}.
     */
    static OperatorConfig config(String namespace, String identity, String lease, String prefix) {
        return OperatorConfig.defaults(namespace, identity)
                .withNodeSelector(Map.of(NODE_LABEL, prefix))
                .withEtcdCheck(EtcdCheckMode.PODS, namespace)
                .withMetricsPort(0)
                .withLease(lease, new OperatorConfig.LeaseTiming(Duration.ofSeconds(4), Duration.ofSeconds(3),
                        Duration.ofMillis(500)))
                .withTimeouts(Duration.ofMinutes(15), Duration.ofSeconds(5));
    }

    /** A namespace of one test's own (the extension's is per class, and an operator plans every Update in it). */
    static AutoCloseable namespace(KubernetesClient client, String name) {
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata()
                .withName(name).endMetadata().build()).create();
        return () -> client.namespaces().withName(name).withGracePeriod(0).delete();
    }

    static Operator start(KubernetesClient client, OperatorConfig config) {
        Operator operator = new Operator(client, config);
        operator.start();
        return operator;
    }

    static Update create(KubernetesClient client, String namespace, String name, UpdateSpec spec) {
        Update u = new Update();
        u.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(namespace).build());
        u.setSpec(spec);
        return client.resources(Update.class).inNamespace(namespace).resource(u).create();
    }

    /** Replaces the spec, as a person would: read, change, write; again if the operator wrote the status meanwhile. */
    static Update setSpec(KubernetesClient client, String namespace, String name, UpdateSpec spec) {
        for (int attempt = 1; ; attempt++) {
            try {
                return client.resources(Update.class).inNamespace(namespace).withName(name).edit(u -> {
                    u.setSpec(spec);
                    return u;
                });
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409 || attempt == 10) {
                    throw e;
                }
            }
        }
    }

    static Update get(KubernetesClient client, String namespace, String name) {
        return client.resources(Update.class).inNamespace(namespace).withName(name).get();
    }

    /** Waits until the Update's status (for its current generation) satisfies {@code condition}. */
    static Update await(KubernetesClient client, String namespace, String name, Predicate<UpdateStatus> condition,
                        Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        Update last = null;
        while (System.nanoTime() < end) {
            last = get(client, namespace, name);
            UpdateStatus s = last == null ? null : last.getStatus();
            if (s != null && s.observedGeneration() != null
                    && s.observedGeneration().equals(last.getMetadata().getGeneration()) && condition.test(s)) {
                return last;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("Update " + namespace + "/" + name + " did not reach the expected status within "
                + timeout + "; last: " + (last == null ? "none" : client.getKubernetesSerialization().asYaml(
                last)));
    }

    static Predicate<UpdateStatus> phase(RolloutPhase phase) {
        return s -> s.phase() == phase;
    }

    /** The Events about the test's Update (in its namespace) and about its Nodes (in namespace default). */
    static List<Event> events(KubernetesClient client, String namespace, String update, String prefix) {
        List<Event> all = new ArrayList<>(client.v1().events().inNamespace(namespace).list().getItems()
                .stream().filter(e -> e.getInvolvedObject().getName().equals(update)).toList());
        client.v1().events().inNamespace("default").list().getItems().stream()
                .filter(e -> e.getInvolvedObject().getName().startsWith(prefix + "-")).forEach(all::add);
        return all;
    }

    /** A kubeadm etcd static pod's mirror (drains skip it), Running and Ready, on {@code node}. */
    static Pod etcdPod(KubernetesClient client, String namespace, String node, boolean ready) {
        Pod pod = new PodBuilder().withNewMetadata().withName("etcd-" + node).withNamespace(namespace)
                .addToLabels("component", "etcd").addToLabels("tier", "control-plane")
                .addToAnnotations("kubernetes.io/config.mirror", "test").endMetadata()
                .withNewSpec().withNodeName(node).withTerminationGracePeriodSeconds(0L).addNewContainer().withName("etcd").withImage("registry.invalid/etcd:3")
                .endContainer().endSpec().build();
        Pod created = client.pods().inNamespace(namespace).resource(pod).create();
        return setPodReady(client, created, ready);
    }

    static Pod setPodReady(KubernetesClient client, Pod pod, boolean ready) {
        String now = Clock.systemUTC().instant().toString().replaceAll("\\.\\d+Z$", "Z");
        return client.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName())
                .editStatus(p -> {
                    p.getStatus().setPhase("Running");
                    p.getStatus().setConditions(List.of(new PodConditionBuilder()
                            .withType("Ready").withStatus(ready ? "True" : "False").withLastTransitionTime(now)
                            .build()));
                    return p;
                });
    }

    /**
     * A simulated cluster of {@code controlPlanes} + {@code workers} nodes labelled for {@link #config}, booted from
     * {@code image} with Kubernetes {@code kube}, with etcd pods (Running and Ready) in {@code namespace}, and agents
     * started and reporting.
     */
    static SimulatedCluster cluster(KubernetesClient client, String namespace,
            String prefix, int controlPlanes, int workers,
            Supplier<FakeHost> host) throws InterruptedException {
        var cluster = new SimulatedCluster(client, prefix);
        Map<String, String> labels = Map.of(NODE_LABEL, prefix);
        for (int i = 1; i <= controlPlanes; i++) {
            var n = cluster.addNode("cp-" + i, NodeRole.CONTROL_PLANE, host.get(), labels);
            etcdPod(client, namespace, n.name(), true);
        }
        for (int i = 1; i <= workers; i++) {
            cluster.addNode("w-" + i, NodeRole.WORKER, host.get(), labels);
        }
        cluster.startAgents();
        for (var n : cluster.nodes()) {
            n.awaitReport(r -> r.booted() != null, Duration.ofSeconds(60));
        }
        return cluster;
    }

    static String scrape(Operator operator) throws Exception {
        return http(operator, "/metrics").body();
    }

    static HttpResponse<String> http(Operator operator, String path) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                "http://127.0.0.1:" + operator.metricsPort() + path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static void awaitTrue(BooleanSupplier condition, Duration timeout, String what)
            throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < end) {
            if (condition.getAsBoolean()) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("not within " + timeout + ": " + what);
    }
}
