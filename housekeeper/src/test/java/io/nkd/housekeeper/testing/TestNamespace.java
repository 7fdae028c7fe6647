package io.nkd.housekeeper.testing;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/**
 * A namespace of one test's own on the shared test server (the testkit extension gives one per test class; tests that
 * reuse pod names need one per test), and Running pods bound to nodes (there is no kubelet).
 */
public final class TestNamespace implements AutoCloseable {
    public final KubernetesClient client;
    public final String name;

    public TestNamespace(KubernetesClient client, String prefix) {
        this.client = client;
        this.name = prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build())
                .create();
        // pods cannot be created before the serviceaccount controller made the default ServiceAccount
        client.serviceAccounts().inNamespace(name).withName("default").waitUntilCondition(sa -> sa != null, 60,
                TimeUnit.SECONDS);
    }

    /** A pod bound to {@code node}, Running and Ready, changed by {@code customize} before it is created. */
    public Pod runningPod(String pod, String node, Map<String, String> labels, UnaryOperator<PodBuilder> customize) {
        PodBuilder b = new PodBuilder().withNewMetadata().withName(pod).withNamespace(name).withLabels(labels)
                .endMetadata().withNewSpec().withNodeName(node).addNewContainer().withName("app")
                .withImage("registry.example/app:1").endContainer().withTerminationGracePeriodSeconds(5L).endSpec();
        Pod created = client.pods().inNamespace(name).resource(customize.apply(b).build()).create();
        String now = Instant.now().toString().replaceAll("\\.\\d+Z$", "Z");
        PodCondition ready = new PodConditionBuilder().withType("Ready").withStatus("True")
                .withLastTransitionTime(now).build();
        return client.pods().inNamespace(name).withName(pod).editStatus(p -> {
            p.getStatus().setPhase("Running");
            p.getStatus().setConditions(List.of(ready));
            p.getStatus().setStartTime(now);
            return p;
        });
    }

    public Pod runningPod(String pod, String node, Map<String, String> labels) {
        return runningPod(pod, node, labels, b -> b);
    }

    public List<String> podsOn(String node) {
        return client.pods().inNamespace(name).withField("spec.nodeName", node).list().getItems().stream()
                .map(p -> p.getMetadata().getName()).sorted().toList();
    }

    @Override
    public void close() {
        client.pods().inNamespace(name).withGracePeriod(0).delete();
        client.namespaces().withName(name).withGracePeriod(0).delete();
    }
}
