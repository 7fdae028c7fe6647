package io.nkd.housekeeper.agent.drain;

import io.fabric8.kubernetes.api.model.APIGroupListBuilder;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetListBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * policy/v1 evictions (Kubernetes 1.21+; the test API server is 1.20 and serves only v1beta1, see DrainerTest), on
 * fabric8's mock server answering as a current cluster: the discovery picks v1, the Eviction posted to the pod's
 * eviction subresource is a policy/v1 one, a 429 is a refusal and the budget is looked up in policy/v1.
 */
class EvictionsPolicyVersionTest {
    KubernetesMockServer server;
    KubernetesClient client;

    @BeforeEach
    void start() {
        server = new KubernetesMockServer(false);
        server.init();
        client = server.createClient();
    }

    @AfterEach
    void stop() {
        client.close();
        server.destroy();
    }

    void servePolicy(String... versions) {
        var group = new APIGroupListBuilder().addNewGroup().withName("policy");
        for (String v : versions) {
            group = group.addNewVersion().withGroupVersion("policy/" + v).withVersion(v).endVersion();
        }
        server.expect().get().withPath("/apis").andReturn(200, group.endGroup().addNewGroup().withName("apps")
                .addNewVersion().withGroupVersion("apps/v1").withVersion("v1").endVersion().endGroup().build()).once();
    }

    static Pod pod(String name) {
        return new PodBuilder().withNewMetadata().withNamespace("shop").withName(name).withLabels(Map.of("app", "web"))
                .endMetadata().build();
    }

    @Test
    void aCurrentClusterGetsPolicyV1Evictions() throws Exception {
        servePolicy("v1", "v1beta1");
        server.expect().post().withPath("/api/v1/namespaces/shop/pods/web-0/eviction").andReturn(201,
                new StatusBuilder().withStatus("Success").build()).once();
        server.expect().post().withPath("/api/v1/namespaces/shop/pods/web-1/eviction").andReturn(429,
                new StatusBuilder().withStatus("Failure").withCode(429).withReason("TooManyRequests")
                        .withMessage("Cannot evict pod as it would violate the pod's disruption budget.").build())
                .once();
        server.expect().get().withPath("/apis/policy/v1/namespaces/shop/poddisruptionbudgets").andReturn(200,
                new PodDisruptionBudgetListBuilder().addToItems(new PodDisruptionBudgetBuilder().withNewMetadata()
                        .withNamespace("shop").withName("web").endMetadata().withNewSpec()
                        .withSelector(new LabelSelectorBuilder().addToMatchLabels("app", "web").build()).endSpec()
                        .withNewStatus().withDisruptionsAllowed(0).withCurrentHealthy(2).withDesiredHealthy(2)
                        .withExpectedPods(2).endStatus().build()).build()).once();

        try (Evictions evictions = new Evictions(client)) {
            assertEquals(PolicyVersion.V1, evictions.policyVersion());
            assertEquals(Evictions.Result.EVICTED, evictions.evict(pod("web-0")));
            assertEquals(Evictions.Result.BLOCKED, evictions.evict(pod("web-1")));
            assertEquals(List.of("PodDisruptionBudget shop/web (0 disruptions allowed, 2 healthy of 2 desired)"),
                    evictions.budgetsFor(pod("web-1")));
        }
        RecordedRequest discovery = server.takeRequest(5, TimeUnit.SECONDS);
        assertEquals("/apis", discovery.getPath());
        RecordedRequest eviction = server.takeRequest(5, TimeUnit.SECONDS);
        assertEquals("POST", eviction.getMethod());
        assertEquals("/api/v1/namespaces/shop/pods/web-0/eviction", eviction.getPath());
        String body = eviction.getBody().readUtf8();
        assertTrue(body.contains("\"apiVersion\":\"policy/v1\""), body);
        assertTrue(body.contains("\"kind\":\"Eviction\""), body);
        assertTrue(body.contains("\"name\":\"web-0\""), body);
        RecordedRequest refused = server.takeRequest(5, TimeUnit.SECONDS);
        assertEquals("/api/v1/namespaces/shop/pods/web-1/eviction", refused.getPath());
        assertEquals(4, server.getRequestCount(),
                "one discovery, two evictions (the 429 not retried by the HTTP client), one budget list");
    }

    @Test
    void anOldClusterGetsPolicyV1beta1Evictions() throws Exception {
        servePolicy("v1beta1");
        server.expect().post().withPath("/api/v1/namespaces/shop/pods/web-0/eviction").andReturn(201,
                new StatusBuilder().withStatus("Success").build()).once();
        try (Evictions evictions = new Evictions(client)) {
            assertEquals(PolicyVersion.V1BETA1, evictions.policyVersion());
            assertEquals(Evictions.Result.EVICTED, evictions.evict(pod("web-0")));
            assertEquals(PolicyVersion.V1BETA1, evictions.policyVersion(), "discovered once, then cached");
        }
        server.takeRequest(5, TimeUnit.SECONDS);
        String body = server.takeRequest(5, TimeUnit.SECONDS).getBody().readUtf8();
        assertTrue(body.contains("\"apiVersion\":\"policy/v1beta1\""), body);
        assertEquals(2, server.getRequestCount(), "one discovery, one eviction");
    }

    @Test
    void aGoneEvictionTargetIsGone() {
        servePolicy("v1");
        server.expect().post().withPath("/api/v1/namespaces/shop/pods/web-0/eviction").andReturn(404,
                new StatusBuilder().withStatus("Failure").withCode(404).withReason("NotFound").build()).once();
        try (Evictions evictions = new Evictions(client)) {
            assertEquals(Evictions.Result.GONE, evictions.evict(pod("web-0")));
        }
    }

    @Test
    void labelSelectorsMatchAsKubernetesMatchesThem() {
        var sel = new LabelSelectorBuilder().addToMatchLabels("app", "web").addNewMatchExpression().withKey("tier")
                .withOperator("In").withValues("front", "edge").endMatchExpression().addNewMatchExpression()
                .withKey("canary").withOperator("DoesNotExist").endMatchExpression().build();
        assertTrue(Evictions.selects(sel, Map.of("app", "web", "tier", "edge")));
        assertFalse(Evictions.selects(sel, Map.of("app", "web", "tier", "back")));
        assertFalse(Evictions.selects(sel, Map.of("app", "web", "tier", "front", "canary", "1")));
        assertTrue(Evictions.selects(new LabelSelectorBuilder().build(), Map.of("any", "pod")),
                "an empty selector selects every pod of the namespace");
    }
}
