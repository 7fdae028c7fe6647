package io.nkd.housekeeper.deploy;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.authorization.v1.ResourceAttributesBuilder;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReviewBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.Subject;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.KubernetesClientTimeoutException;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.nkd.housekeeper.api.AgentState;
import io.nkd.housekeeper.api.ContractJson;
import io.nkd.housekeeper.api.NodeKeys;
import io.nkd.housekeeper.api.NodeReport;
import io.nkd.housekeeper.api.OsDeployment;
import io.nkd.housekeeper.api.RolloutPhase;
import io.nkd.housekeeper.api.Update;
import io.nkd.housekeeper.api.UpdateSpec;
import io.nkd.housekeeper.operator.EtcdCheckMode;
import io.nkd.housekeeper.operator.Operator;
import io.nkd.housekeeper.operator.OperatorConfig;
import io.fabric8.kubernetes.api.model.Node;
import io.nkd.housekeeper.agent.NodeAgent;
import io.nkd.housekeeper.agent.host.ImageTransport;
import io.nkd.housekeeper.agent.host.NodeHost;
import io.nkd.housekeeper.agent.time.Sleeper;
import io.nkd.housekeeper.api.KubeadmUpgrade;
import io.nkd.housekeeper.api.NodeAssignment;
import io.nkd.housekeeper.testing.Crds;
import io.nkd.housekeeper.testing.FakeHost;
import io.nkd.testkit.Ci;
import io.nkd.testkit.KubeApiServerExtension;
import io.nkd.testkit.KubeFixtures;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * The manifests of templates/housekeeper on the real API server: it accepts every object (its validation, not
 * fabric8's), and the RBAC grants each component what it needs and nothing else, as the server's authorizer decides
 * (SubjectAccessReview).
 *
 * <p>The server is shared by every test, so the objects are created in this class's own namespace instead of
 * housekeeper-system, and the cluster-scoped ones (ClusterRoles, ClusterRoleBindings) and the Roles in kube-system and
 * default get a unique name; everything else is as in the files. The CRD is the shared one, created or replaced (it is the
 * generated CRD: CrdTemplateTest). The Namespace object is sent as a dry run under another name.
 */
@ExtendWith(KubeApiServerExtension.class)
class ManifestsOnServerTest {
    /** Namespaces the manifests put Roles in besides housekeeper-system: shared by every test, so renamed. */
    private static final List<String> OTHER_NAMESPACES = List.of("kube-system", "default");

    private static KubernetesClient client;
    private static KubeFixtures kube;
    private static List<HasMetadata> objects;
    private static final List<HasMetadata> clusterScoped = new ArrayList<>();
    private static String suffix;
    /** The server's answer when it refused the agent's privileged container; null when it accepted it. */
    private static String privilegedRefused;

    @BeforeAll
    static void createEverything(KubernetesClient c, KubeFixtures k) {
        client = c;
        kube = k;
        Crds.installUpdateCrd(client);
        objects = Manifests.load(client);
        suffix = "-" + kube.namespace(); // unique per test class and run
        for (HasMetadata o : objects) {
            rehome(o);
        }
        for (HasMetadata o : objects) {
            if (o instanceof CustomResourceDefinition) {
                continue; // installed above, shared
            }
            if (o instanceof Namespace ns) {
                ns.getMetadata().setName("hk-ns" + suffix);
                client.resource(ns).dryRun().create();
                continue;
            }
            HasMetadata created = o instanceof DaemonSet ds ? createAgent(ds) : client.resource(o).create();
            assertNotNull(created.getMetadata().getUid(), o.getKind() + " " + o.getMetadata().getName());
            if (o.getMetadata().getNamespace() == null || inOtherNamespace(o.getMetadata())) {
                clusterScoped.add(created);
            }
        }
    }

    /**
     * kube-apiserver refuses privileged containers unless started with --allow-privileged=true (kubeadm sets it, so
     * every real cluster nkd makes has it). A test server without it fails only {@link #thePrivilegedAgentIsAccepted};
     * the rest of the DaemonSet is still checked, with privileged off.
     */
    private static HasMetadata createAgent(DaemonSet ds) {
        try {
            return client.resource(ds).create();
        } catch (KubernetesClientException e) {
            if (e.getCode() != 422 || e.getMessage() == null || !e.getMessage().contains("disallowed by cluster policy")) {
                throw e;
            }
            privilegedRefused = e.getStatus().getMessage();
            DaemonSet unprivileged = client.getKubernetesSerialization().clone(ds);
            unprivileged.getSpec().getTemplate().getSpec().getContainers().forEach(c -> c.getSecurityContext().setPrivileged(false));
            return client.resource(unprivileged).create();
        }
    }

    @Test
    void thePrivilegedAgentIsAccepted() {
        Ci.require(privilegedRefused == null, "the test API server refuses the agent's privileged container ("
                + privilegedRefused + "): start kube-apiserver with --allow-privileged=true, as kubeadm does "
                + "(testenv/kube-apiserver.sh)");
        assertEquals(Boolean.TRUE, client.apps().daemonSets().withName("housekeeper-agent").get().getSpec().getTemplate()
                .getSpec().getContainers().get(0).getSecurityContext().getPrivileged());
    }

    @AfterAll
    static void deleteSharedObjects() {
        for (HasMetadata o : clusterScoped) {
            client.resource(o).withGracePeriod(0).delete();
        }
    }

    /** Moves an object from housekeeper-system to this test's namespace; renames what other tests could share. */
    private static void rehome(HasMetadata o) {
        ObjectMeta m = o.getMetadata();
        if (Manifests.NAMESPACE.equals(m.getNamespace())) {
            m.setNamespace(kube.namespace());
        }
        if (o instanceof ClusterRole || o instanceof ClusterRoleBinding || inOtherNamespace(m)) {
            m.setName(m.getName() + suffix);
        }
        if (o instanceof ClusterRoleBinding b) {
            b.getRoleRef().setName(b.getRoleRef().getName() + suffix);
            b.getSubjects().forEach(ManifestsOnServerTest::rehome);
        }
        if (o instanceof RoleBinding b) {
            if (inOtherNamespace(m)) {
                b.getRoleRef().setName(b.getRoleRef().getName() + suffix);
            }
            b.getSubjects().forEach(ManifestsOnServerTest::rehome);
        }
    }

    private static boolean inOtherNamespace(ObjectMeta m) {
        return m.getNamespace() != null && OTHER_NAMESPACES.contains(m.getNamespace());
    }

    private static void rehome(Subject s) {
        if (Manifests.NAMESPACE.equals(s.getNamespace())) {
            s.setNamespace(kube.namespace());
        }
    }

    @Test
    void theServerAcceptsEveryObjectAsWritten() {
        for (HasMetadata o : objects) {
            if (o instanceof Namespace || o instanceof CustomResourceDefinition) {
                continue;
            }
            HasMetadata stored = client.resource(o).get();
            assertNotNull(stored, o.getKind() + " " + o.getMetadata().getName() + " was not stored");
        }
        Deployment d = client.apps().deployments().withName("housekeeper-operator").get();
        assertEquals(2, d.getSpec().getReplicas());
        DaemonSet ds = client.apps().daemonSets().withName("housekeeper-agent").get();
        assertEquals("system-node-critical", ds.getSpec().getTemplate().getSpec().getPriorityClassName());
    }

    /**
     * The pods the controllers would make, sent as dry runs: admission checks what a Deployment or DaemonSet create
     * does not (the ServiceAccount exists, the priority class exists and may be used in this namespace).
     */
    @Test
    void theirPodsPassAdmission() {
        PodTemplateSpec operator = client.apps().deployments().withName("housekeeper-operator").get().getSpec().getTemplate();
        PodTemplateSpec agent = client.apps().daemonSets().withName("housekeeper-agent").get().getSpec().getTemplate();
        for (PodTemplateSpec t : List.of(operator, agent)) {
            awaitTokenSecret(t.getSpec().getServiceAccountName());
            Pod pod = new PodBuilder().withNewMetadata().withName("dry-" + t.getSpec().getServiceAccountName())
                    .withLabels(t.getMetadata().getLabels()).endMetadata().withSpec(t.getSpec()).build();
            Pod admitted = client.resource(pod).dryRun().create();
            assertEquals(t.getSpec().getServiceAccountName(), admitted.getSpec().getServiceAccountName());
        }
        Pod agentPod = client.resource(new PodBuilder().withNewMetadata().withName("dry-agent-priority").endMetadata()
                .withSpec(agent.getSpec()).build()).dryRun().create();
        assertEquals(2_000_001_000, agentPod.getSpec().getPriority(), "system-node-critical resolved for the agent");
    }

    /**
     * Kubernetes 1.20 admits a pod only once its ServiceAccount's token Secret exists, which the token controller
     * creates a moment after the account (later versions project the token instead and do not wait).
     */
    private static void awaitTokenSecret(String account) {
        try {
            client.serviceAccounts().withName(account).waitUntilCondition(
                    sa -> sa != null && sa.getSecrets() != null && !sa.getSecrets().isEmpty(), 30, TimeUnit.SECONDS);
        } catch (KubernetesClientTimeoutException e) {
            // a server without token Secrets: admission does not need one either
        }
    }

    @Test
    void theOperatorMayDoWhatItNeedsAndNothingMore() {
        String sa = "system:serviceaccount:" + kube.namespace() + ":housekeeper-operator";
        String ns = kube.namespace();
        assertCan(sa, true, "patch", "", "nodes", null, null);
        assertCan(sa, true, "watch", "", "nodes", null, null);
        assertCan(sa, false, "update", "", "nodes", null, null);
        assertCan(sa, false, "delete", "", "nodes", null, null);
        assertCan(sa, true, "watch", "housekeeper.io", "updates", null, ns);
        assertCan(sa, true, "update", "housekeeper.io", "updates", "status", ns);
        assertCan(sa, true, "patch", "housekeeper.io", "updates", "status", ns);
        assertCan(sa, false, "update", "housekeeper.io", "updates", null, ns); // the spec is the user's
        assertCan(sa, false, "list", "housekeeper.io", "updates", null, "default");
        assertCan(sa, true, "create", "", "events", null, ns); // about Updates
        assertCan(sa, true, "create", "", "events", null, "default"); // about Nodes
        assertCan(sa, false, "create", "", "events", null, "kube-system");
        assertCan(sa, false, "list", "", "events", null, "default");
        assertCan(sa, true, "create", "coordination.k8s.io", "leases", null, ns);
        assertCan(sa, true, "update", "coordination.k8s.io", "leases", null, ns);
        assertCan(sa, true, "patch", "coordination.k8s.io", "leases", null, ns); // fabric8 renews with PATCH
        assertCan(sa, false, "delete", "coordination.k8s.io", "leases", null, ns);
        assertCan(sa, false, "create", "coordination.k8s.io", "leases", null, "kube-node-lease");
        assertCan(sa, true, "list", "", "pods", null, "kube-system");
        assertCan(sa, false, "list", "", "pods", null, "default");
        assertCan(sa, false, "create", "", "pods", "eviction", "default");
        assertCan(sa, false, "get", "", "secrets", null, "kube-system");
        assertCan(sa, false, "get", "", "secrets", null, ns);
    }

    @Test
    void theAgentMayDrainAndReportButNotMore() {
        String sa = "system:serviceaccount:" + kube.namespace() + ":housekeeper-agent";
        assertCan(sa, true, "watch", "", "nodes", null, null);
        assertCan(sa, true, "patch", "", "nodes", null, null);
        assertCan(sa, false, "delete", "", "nodes", null, null);
        assertCan(sa, false, "patch", "", "nodes", "status", null);
        assertCan(sa, true, "list", "", "pods", null, null);
        assertCan(sa, true, "create", "", "pods", "eviction", "default");
        assertCan(sa, true, "delete", "", "pods", null, "default");
        assertCan(sa, false, "create", "", "pods", null, "default");
        assertCan(sa, false, "patch", "", "pods", null, "default");
        assertCan(sa, true, "list", "policy", "poddisruptionbudgets", null, "default");
        assertCan(sa, false, "update", "policy", "poddisruptionbudgets", null, "default");
        assertCan(sa, false, "create", "", "events", null, kube.namespace()); // it reports on its Node instead
        assertCan(sa, false, "get", "", "secrets", null, "kube-system");
        assertCan(sa, false, "watch", "housekeeper.io", "updates", null, kube.namespace());
        assertCan(sa, false, "patch", "housekeeper.io", "updates", "status", kube.namespace());
        assertCan(sa, false, "update", "coordination.k8s.io", "leases", null, kube.namespace());
    }

    /**
     * The real operator, impersonating its ServiceAccount, with exactly these RBAC rules: it takes the Lease, selects a
     * node (assignment and label patched), writes the Update's status, and posts its Events, about the Update here and
     * about the Node in namespace default. A rule too narrow shows as a 403 and this test times out on what is missing.
     */
    @Test
    void theOperatorWorksWithExactlyTheseRights() throws Exception {
        String node = kube.uniqueName("rbac-w1");
        String selector = "rbac-test.nkd.io/run";
        kube.createReadyNode(node, "v1.20.2", Map.of(selector, kube.namespace()));
        NodeReport report = new NodeReport(new OsDeployment("registry.example/nestos/nestos:24.03", null, "c0ffee",
                "24.03"), null, null, "v1.20.2", AgentState.IDLE, null, null, "idle", Instant.now().toString(), false,
                null, "test");
        client.nodes().resource(new NodeBuilder().withNewMetadata().withName(node).endMetadata().build()).patch(
                PatchContext.of(PatchType.JSON_MERGE), ContractJson.write(Map.of("metadata", Map.of("annotations",
                        Map.of(NodeKeys.REPORT_ANNOTATION, ContractJson.write(report))))));

        String ns = kube.namespace();
        Config asOperator = new ConfigBuilder(client.getConfiguration())
                .withImpersonateUsername("system:serviceaccount:" + ns + ":housekeeper-operator")
                .withImpersonateGroups("system:serviceaccounts", "system:serviceaccounts:" + ns, "system:authenticated")
                .build();
        OperatorConfig config = OperatorConfig.defaults(ns, "rbac-test")
                .withNodeSelector(Map.of(selector, ns))
                .withEtcdCheck(EtcdCheckMode.NONE, "kube-system") // no etcd pods on the test server; the SARs above
                .withMetricsPort(-1)                                // check the etcd check's rights
                // renewals every 0.5 s, lost after 3 s without one: a renewal the Role forbids shows within seconds
                .withLease("housekeeper-operator", new OperatorConfig.LeaseTiming(Duration.ofSeconds(4),
                        Duration.ofSeconds(3), Duration.ofMillis(500)));
        try (KubernetesClient impersonated = new KubernetesClientBuilder().withConfig(asOperator).build();
             Operator operator = new Operator(impersonated, config)) {
            operator.start();
            Update u = new Update();
            u.setMetadata(new ObjectMetaBuilder().withName("rbac").withNamespace(ns).build());
            u.setSpec(new UpdateSpec("registry.example/nestos/nestos:24.09", null, false, 1, null, null, null));
            client.resources(Update.class).inNamespace(ns).resource(u).create();

            client.nodes().withName(node).waitUntilCondition(n -> n != null && n.getMetadata().getLabels()
                    .containsKey(NodeKeys.UPGRADING_LABEL) && ContractJson.assignment(n).isPresent(), 60, TimeUnit.SECONDS);
            Update seen = client.resources(Update.class).inNamespace(ns).withName("rbac").waitUntilCondition(
                    x -> x != null && x.getStatus() != null && x.getStatus().updating() == 1, 60, TimeUnit.SECONDS);
            assertEquals(RolloutPhase.PROGRESSING, seen.getStatus().phase());
            assertEquals("rbac-test", client.leases().inNamespace(ns).withName(config.leaseName()).get().getSpec()
                    .getHolderIdentity());
            awaitEvent(ns, "Update", "rbac");
            awaitEvent("default", "Node", node);
            Thread.sleep(5000); // longer than the renew deadline
            assertFalse(operator.leadershipLost().isDone(), "the operator lost its Lease: it could not renew it");
            assertTrue(operator.isLeader());
        }
    }

    /**
     * The real agent, impersonating its ServiceAccount, with exactly these RBAC rules, up to the reboot it requests:
     * it reads and watches its Node, writes its report, cordons the Node, lists the pods on it and evicts them.
     * (The steps after the reboot use the same rights: patch on its Node.)
     */
    @Test
    void theAgentWorksWithExactlyTheseRights() throws Exception {
        String node = kube.uniqueName("rbac-a1");
        kube.createReadyNode(node, "v1.28.4", Map.of());
        kube.createRunningPod("web-0", node, Map.of("app", "web"));
        FakeHost host = new FakeHost("registry.example/nestos:1", FakeHost.digestOf("registry.example/nestos:1"),
                "v1.28.4").publish("registry.example/nestos:2", FakeHost.digestOf("registry.example/nestos:2"), "v1.28.4");
        String ns = kube.namespace();
        Config asAgent = new ConfigBuilder(client.getConfiguration())
                .withImpersonateUsername("system:serviceaccount:" + ns + ":housekeeper-agent")
                .withImpersonateGroups("system:serviceaccounts", "system:serviceaccounts:" + ns, "system:authenticated")
                .build();
        ScheduledExecutorService kubelet = Executors.newSingleThreadScheduledExecutor();
        // no kubelet on the test server: an evicted pod would stay Terminating, so play the kubelet's part
        kubelet.scheduleWithFixedDelay(() -> {
            Pod p = client.pods().inNamespace(ns).withName("web-0").get();
            if (p != null && p.getMetadata().getDeletionTimestamp() != null) {
                client.pods().inNamespace(ns).withName("web-0").withGracePeriod(0).delete();
            }
        }, 100, 100, TimeUnit.MILLISECONDS);
        try (KubernetesClient impersonated = new KubernetesClientBuilder().withConfig(asAgent).build()) {
            NodeAgent agent = NodeAgent.create(impersonated, node,
                    new NodeHost(host, ImageTransport.UNVERIFIED, null, Clock.systemUTC()), Clock.systemUTC(),
                    Sleeper.real());
            try {
                agent.start();
                client.nodes().withName(node).waitUntilCondition(n -> n != null && ContractJson.report(n).isPresent(),
                        30, TimeUnit.SECONDS);
                NodeAssignment a = new NodeAssignment(ns + "/rbac", "uid-rbac", 1, 1, "registry.example/nestos:2", null,
                        KubeadmUpgrade.NONE, false, 60, null);
                client.nodes().resource(new NodeBuilder().withNewMetadata().withName(node).endMetadata().build()).patch(
                        PatchContext.of(PatchType.JSON_MERGE), ContractJson.write(Map.of("metadata", Map.of(
                                "labels", Map.of(NodeKeys.UPGRADING_LABEL, ""),
                                "annotations", Map.of(NodeKeys.ASSIGNMENT_ANNOTATION, ContractJson.write(a))))));
                Node rebooting = client.nodes().withName(node).waitUntilCondition(n -> n != null && ContractJson.report(n)
                        .map(r -> r.state() == AgentState.REBOOTING || r.state() == AgentState.FAILED).orElse(false),
                        60, TimeUnit.SECONDS);
                NodeReport r = ContractJson.report(rebooting).orElseThrow();
                assertEquals(AgentState.REBOOTING, r.state(), "the agent failed instead: " + r.failureReason() + " "
                        + r.message());
                assertTrue(r.cordonedByAgent());
                assertEquals(Boolean.TRUE, rebooting.getSpec().getUnschedulable(), "cordoned");
                assertNull(client.pods().inNamespace(ns).withName("web-0").get(), "evicted");
                // the report says Rebooting before the agent asks the host to reboot (so that the operator knows why
                // the node goes NotReady): the request follows a moment later
                long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (!host.rebootRequested() && System.nanoTime() < end) {
                    Thread.sleep(20);
                }
                assertTrue(host.rebootRequested(), "the agent asked the host to reboot");
            } finally {
                agent.close();
            }
        } finally {
            kubelet.shutdownNow();
        }
    }

    private static void awaitEvent(String namespace, String kind, String name) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < end) {
            if (client.v1().events().inNamespace(namespace).list().getItems().stream().anyMatch(e ->
                    kind.equals(e.getInvolvedObject().getKind()) && name.equals(e.getInvolvedObject().getName()))) {
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("no Event about " + kind + " " + name + " in namespace " + namespace + " within 30 s: "
                + "the operator could not post it with its Role there");
    }

    private void assertCan(String user, boolean expected, String verb, String group, String resource,
                           String subresource, String namespace) {
        SubjectAccessReview review = new SubjectAccessReviewBuilder().withNewSpec().withUser(user)
                .withGroups("system:serviceaccounts", "system:serviceaccounts:" + kube.namespace(), "system:authenticated")
                .withResourceAttributes(new ResourceAttributesBuilder().withVerb(verb).withGroup(group)
                        .withResource(resource).withSubresource(subresource).withNamespace(namespace).build())
                .endSpec().build();
        SubjectAccessReview answer = client.authorization().v1().subjectAccessReview().create(review);
        String what = verb + " " + (group.isEmpty() ? "" : group + "/") + resource
                + (subresource == null ? "" : "/" + subresource) + (namespace == null ? "" : " in " + namespace);
        assertEquals(expected, answer.getStatus().getAllowed(), user + " " + (expected ? "must" : "must not")
                + " be allowed to " + what + " (" + answer.getStatus().getReason() + ")");
    }
}
