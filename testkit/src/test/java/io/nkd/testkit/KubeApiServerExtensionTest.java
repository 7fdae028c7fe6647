package io.nkd.testkit;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.policy.v1beta1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.policy.v1beta1.PodDisruptionBudgetBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.http.HttpClient;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

/**
 * The test server is a real API server with a running kube-controller-manager: its disruption controller computes a
 * PodDisruptionBudget's status from pods the kit made Running and Ready, and the server refuses an eviction that would
 * break the budget with HTTP 429; the class's namespace and Nodes are gone after the class.
 */
@ExtendWith(KubeApiServerExtension.class)
class KubeApiServerExtensionTest {
    private static final String INNER_RUN = "nkd.testkit.innerRun";

    KubernetesClient client;
    KubeFixtures kube;

    @Test
    void anEvictionThatWouldBreakABudgetGets429AndOneThatWouldNotEvicts() throws Exception {
        String ns = kube.namespace();
        assertEquals(ns, client.getNamespace(), "the injected client's default namespace is the class's namespace");

        String nodeName = kube.uniqueName("node-a");
        kube.createReadyNode(nodeName, "v1.20.2", Map.of("nkd.io/test-node", "true"));
        Node node = client.nodes().withName(nodeName).get();
        assertTrue(KubeFixtures.isReady(node), "node " + nodeName + " is Ready on the server: " + node.getStatus());
        assertEquals("v1.20.2", node.getStatus().getNodeInfo().getKubeletVersion());
        assertEquals("true", node.getMetadata().getLabels().get("nkd.io/test-node"));

        kube.createRunningPod("web-0", nodeName, Map.of("app", "web"));
        Pod pod = client.pods().withName("web-0").get();
        assertEquals("Running", pod.getStatus().getPhase());
        assertTrue(KubeFixtures.isReady(pod), "pod web-0 is Ready on the server: " + pod.getStatus());
        assertEquals(nodeName, pod.getSpec().getNodeName());

        PodDisruptionBudget pdb = new PodDisruptionBudgetBuilder()
                .withNewMetadata().withName("web").endMetadata()
                .withNewSpec().withMinAvailable(new IntOrString(1))
                .withNewSelector().addToMatchLabels("app", "web").endSelector().endSpec()
                .build();
        client.policy().v1beta1().podDisruptionBudget().resource(pdb).create();
        awaitBudget(b -> b.getStatus().getCurrentHealthy() == 1 && b.getStatus().getDisruptionsAllowed() == 0,
                "1 healthy pod, 0 disruptions allowed");

        // fabric8 retries a 429 (up to requestRetryBackoffLimit times, about 20 s by default): without retries, the
        // server's own answer shows
        try (KubernetesClient noRetry = new KubernetesClientBuilder()
                .withConfig(new ConfigBuilder(kube.config()).withRequestRetryBackoffLimit(0).build()).build()) {
            HttpResponse<String> refused = postEviction(noRetry, ns, "web-0");
            assertEquals(429, refused.code(), "eviction of web-0 with minAvailable 1 and one pod: " + refused.body());
            assertTrue(refused.body().contains("disruption budget"), refused.body());
            assertFalse(noRetry.pods().withName("web-0").evict(), "fabric8's evict() (policy/v1beta1) returns false on 429");
        }
        Pod still = client.pods().withName("web-0").get();
        assertNotNull(still, "web-0 was not evicted");
        assertNull(still.getMetadata().getDeletionTimestamp(), "web-0 is not being deleted");

        // The control: with a second Ready pod the budget allows one disruption, and the same request evicts.
        kube.createRunningPod("web-1", nodeName, Map.of("app", "web"));
        awaitBudget(b -> b.getStatus().getCurrentHealthy() == 2 && b.getStatus().getDisruptionsAllowed() == 1,
                "2 healthy pods, 1 disruption allowed");
        assertTrue(client.pods().withName("web-1").evict(), "fabric8's evict() (policy/v1beta1) is accepted");
        client.pods().withName("web-1").waitUntilCondition(p -> p == null || p.getMetadata().getDeletionTimestamp() != null,
                30, TimeUnit.SECONDS);
    }

    @Test
    void theNamespaceAndTheNodesOfAClassAreDeletedAfterIt() {
        Inner.namespace = null;
        Inner.node = null;
        TestExecutionSummary summary;
        System.setProperty(INNER_RUN, "true");
        try {
            Launcher launcher = LauncherFactory.create();
            SummaryGeneratingListener listener = new SummaryGeneratingListener();
            launcher.execute(LauncherDiscoveryRequestBuilder.request().selectors(selectClass(Inner.class)).build(), listener);
            summary = listener.getSummary();
        } finally {
            System.clearProperty(INNER_RUN);
        }
        StringWriter failures = new StringWriter();
        summary.printFailuresTo(new PrintWriter(failures), 20);
        assertEquals(1, summary.getTestsSucceededCount(), "the inner test ran and passed: " + failures);
        assertNotNull(Inner.namespace);

        client.namespaces().withName(Inner.namespace).waitUntilCondition(n -> n == null, 60, TimeUnit.SECONDS);
        assertNull(client.namespaces().withName(Inner.namespace).get(), "namespace " + Inner.namespace + " is gone");
        assertNull(client.nodes().withName(Inner.node).get(), "node " + Inner.node + " is gone");
    }

    /** Run only by {@link #theNamespaceAndTheNodesOfAClassAreDeletedAfterIt} (Surefire skips nested classes). */
    @ExtendWith(KubeApiServerExtension.class)
    @EnabledIfSystemProperty(named = INNER_RUN, matches = "true")
    static class Inner {
        static volatile String namespace;
        static volatile String node;

        @Test
        void makesAPodOnANode(KubeFixtures kube, KubernetesClient client) {
            namespace = kube.namespace();
            node = kube.uniqueName("node-inner");
            kube.createReadyNode(node, "v1.20.2", Map.of());
            kube.createRunningPod("p", node, Map.of("app", "inner"));
            assertNotNull(client.namespaces().withName(namespace).get());
        }
    }

    private void awaitBudget(Predicate<PodDisruptionBudget> condition, String what) {
        client.policy().v1beta1().podDisruptionBudget().withName("web").waitUntilCondition(
                b -> b != null && b.getStatus() != null && b.getStatus().getObservedGeneration() != null
                        && b.getStatus().getObservedGeneration().equals(b.getMetadata().getGeneration())
                        && condition.test(b),
                60, TimeUnit.SECONDS);
        assertTrue(condition.test(client.policy().v1beta1().podDisruptionBudget().withName("web").get()), what);
    }

    /** POSTs a policy/v1beta1 Eviction for the pod as the raw HTTP request, to see the server's status code. */
    private static HttpResponse<String> postEviction(KubernetesClient client, String ns, String pod) throws Exception {
        String body = """
                {"apiVersion":"policy/v1beta1","kind":"Eviction","metadata":{"name":"%s","namespace":"%s"}}"""
                .formatted(pod, ns);
        HttpClient http = client.getHttpClient();
        HttpRequest request = http.newHttpRequestBuilder()
                .uri(client.getMasterUrl().toString().replaceAll("/$", "") + "/api/v1/namespaces/" + ns + "/pods/" + pod
                        + "/eviction")
                .post("application/json", body)
                .build();
        return http.sendAsync(request, String.class).get(30, TimeUnit.SECONDS);
    }
}
