package io.nkd.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.nkd.ha.LeaseLeadership;
import io.nkd.state.ClusterState;
import io.nkd.state.Sensitivity;
import io.nkd.state.kube.KubernetesStateStore;
import io.nkd.testkit.KubeApiServerExtension;
import io.nkd.testkit.KubeFixtures;
import io.nkd.testsupport.RepoPaths;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * deploy/kubernetes/nkd.yaml as an operator applies it: its shape (two replicas on two nodes, a disruption budget, the
 * probes, the scratch volume, two Services), and its Role on the real API server: the ServiceAccount it binds runs the
 * Kubernetes state store and the leader election with no 403, is refused what nkd never does, and the Role grants
 * exactly the verbs nkd uses.
 */
@ExtendWith(KubeApiServerExtension.class)
class KubernetesDeploymentTest {
    KubernetesClient client;
    KubeFixtures kube;

    /** What nkd does in its namespace: resource → verbs (the store's informers, writes and deletes; Leases for the election and the locks). */
    static final Map<String, Set<String>> USED = Map.of(
            "configmaps", Set.of("get", "list", "watch", "create", "update", "delete"),
            "secrets", Set.of("get", "list", "watch", "create", "update", "delete"),
            // the cluster locks update; fabric8's elector renews and releases with patch
            "coordination.k8s.io/leases", Set.of("get", "create", "update", "patch"));

    private List<HasMetadata> manifests() throws Exception {
        try (InputStream in = Files.newInputStream(RepoPaths.repoRoot().resolve("deploy/kubernetes/nkd.yaml"))) {
            return client.load(in).items();
        }
    }

    @SuppressWarnings("unchecked")
    private <T extends HasMetadata> T one(List<HasMetadata> all, Class<T> type) {
        List<HasMetadata> found = all.stream().filter(type::isInstance).toList();
        assertEquals(1, found.size(), "one " + type.getSimpleName() + " in nkd.yaml");
        return (T) found.get(0);
    }

    @Test
    void twoReplicasOnTwoNodesWithABudgetProbesAScratchVolumeAndTwoServices() throws Exception {
        List<HasMetadata> all = manifests();
        Deployment d = one(all, Deployment.class);
        assertEquals(2, d.getSpec().getReplicas());
        assertEquals(0, d.getSpec().getStrategy().getRollingUpdate().getMaxUnavailable().getIntVal());
        assertEquals("kubernetes.io/hostname", d.getSpec().getTemplate().getSpec().getTopologySpreadConstraints().get(0).getTopologyKey());
        Container c = d.getSpec().getTemplate().getSpec().getContainers().get(0);
        List<String> args = c.getArgs();
        assertEquals("kubernetes", args.get(args.indexOf("--state") + 1));
        assertTrue(args.contains("--api-token-file"), "replicas share one API token");
        String scratch = args.get(args.indexOf("--state-dir") + 1);
        String volume = c.getVolumeMounts().stream().filter(m -> m.getMountPath().equals(scratch)).findFirst().orElseThrow().getName();
        assertTrue(d.getSpec().getTemplate().getSpec().getVolumes().stream().anyMatch(v -> v.getName().equals(volume) && v.getEmptyDir() != null),
                "the --state-dir is an emptyDir: scratch only");
        assertEquals("/readyz", c.getReadinessProbe().getHttpGet().getPath());
        assertEquals("/healthz", c.getLivenessProbe().getHttpGet().getPath());
        assertTrue(c.getEnv().stream().anyMatch(e -> e.getName().equals("POD_NAME")), "the election names the pod");
        PodDisruptionBudget pdb = one(all, PodDisruptionBudget.class);
        assertEquals(1, pdb.getSpec().getMinAvailable().getIntVal());
        Map<String, Integer> services = new TreeMap<>();
        all.stream().filter(Service.class::isInstance).map(Service.class::cast)
                .forEach(s -> services.put(s.getMetadata().getName(), s.getSpec().getPorts().get(0).getPort()));
        assertEquals(Map.of("nkd-ignition", 8443, "nkd-api", 9090), services);
    }

    @Test
    void theRoleGrantsExactlyWhatTheStoreAndTheElectionUseAndTheyRunWithIt() throws Exception {
        List<HasMetadata> all = manifests();
        Role role = one(all, Role.class);
        Map<String, Set<String>> granted = new TreeMap<>();
        for (PolicyRule rule : role.getRules()) {
            for (String group : rule.getApiGroups()) {
                for (String resource : rule.getResources()) {
                    granted.computeIfAbsent(group.isEmpty() ? resource : group + "/" + resource, k -> new TreeSet<>()).addAll(rule.getVerbs());
                }
            }
        }
        assertEquals(new TreeMap<>(USED), granted, "the Role's grants, resource → verbs");

        // the ServiceAccount, Role and RoleBinding of nkd.yaml, in this test's namespace
        String ns = kube.namespace();
        ServiceAccount sa = one(all, ServiceAccount.class);
        RoleBinding binding = one(all, RoleBinding.class);
        for (HasMetadata o : List.of(sa, role, binding)) {
            o.getMetadata().setNamespace(ns);
        }
        binding.getSubjects().forEach(s -> s.setNamespace(ns));
        client.resource(sa).create();
        client.resource(role).create();
        client.resource(binding).create();
        KubernetesClient asNkd = new KubernetesClientBuilder().withConfig(new ConfigBuilder(client.getConfiguration())
                .withOauthToken(token(ns, sa.getMetadata().getName())).withNamespace(ns).withRequestRetryBackoffLimit(0).build()).build();
        try (asNkd) {
            KubernetesClientException refused = assertThrows(KubernetesClientException.class, () -> asNkd.pods().inNamespace(ns).list());
            assertEquals(403, refused.getCode(), "nothing beyond the state and the Leases");

            // the state store: informers (list, watch), a lock (Lease), writes of both kinds, a re-read, a delete
            try (KubernetesStateStore store = new KubernetesStateStore(asNkd, ns, new SimpleMeterRegistry(), KubernetesStateStore.Options.DEFAULT)) {
                try (ClusterState state = store.open("rbac-check", Duration.ofSeconds(10))) {
                    state.write("pki/ca.key", "secret".getBytes(StandardCharsets.UTF_8), Sensitivity.SECRET);
                    state.write("status.json", "{}".getBytes(StandardCharsets.UTF_8), Sensitivity.PUBLIC);
                    state.write("status.json", "{\"a\":1}".getBytes(StandardCharsets.UTF_8), Sensitivity.PUBLIC);
                    assertEquals("{\"a\":1}", new String(state.read("status.json").orElseThrow(), StandardCharsets.UTF_8));
                    assertTrue(state.delete("pki"));
                }
                assertEquals(List.of("rbac-check"), store.listClusters());
                try (ClusterState again = store.open("rbac-check", Duration.ofSeconds(10))) {
                    assertFalse(again.exists("pki/ca.key"));
                }
            }
            // the election: create the Lease, renew it (update), release it on close (update)
            LeaseLeadership lease = LeaseLeadership.start(asNkd, new LeaseLeadership.Settings(ns, "nkd", "rbac-check", Duration.ofSeconds(4),
                    Duration.ofSeconds(3), Duration.ofSeconds(1)), new SimpleMeterRegistry());
            try (lease) {
                long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                while (!lease.isLeader() && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
                assertTrue(lease.isLeader(), "the election runs with the Role");
                Thread.sleep(3500); // past the renew deadline: renewals (patch) succeed with the Role
                assertTrue(lease.isLeader());
            }
            // fabric8 releases by shortening the lease to 1 s (its patch leaves the holder's name), so the next one takes it at once
            var spec = client.leases().inNamespace(ns).withName("nkd").get().getSpec();
            assertTrue(spec.getHolderIdentity() == null || spec.getLeaseDurationSeconds() == 1, "released on close: " + spec);
        }
    }

    /** The ServiceAccount's token (Kubernetes 1.20 puts it in a Secret the token controller creates). */
    private String token(String ns, String name) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            ServiceAccount sa = client.serviceAccounts().inNamespace(ns).withName(name).get();
            if (sa != null && sa.getSecrets() != null && !sa.getSecrets().isEmpty()) {
                Secret s = client.secrets().inNamespace(ns).withName(sa.getSecrets().get(0).getName()).get();
                if (s != null && s.getData() != null && s.getData().containsKey("token")) {
                    return new String(Base64.getDecoder().decode(s.getData().get("token")), StandardCharsets.UTF_8);
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no token for ServiceAccount " + ns + "/" + name + " within 30 s");
    }
}
