package io.nkd.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.nkd.cluster.ApiReadiness;
import io.nkd.cluster.ClusterNode;
import io.nkd.cluster.Rollouts;
import io.nkd.cluster.WorkloadCluster;
import io.nkd.cluster.kube.KubeRollouts;
import io.nkd.config.Infrastructure;
import io.nkd.config.Snapshot;
import io.nkd.git.Snapshots;
import io.nkd.housekeeper.api.NodeProgress;
import io.nkd.housekeeper.api.NodeRole;
import io.nkd.housekeeper.api.NodeUpdateState;
import io.nkd.housekeeper.api.RolloutPhase;
import io.nkd.housekeeper.api.Update;
import io.nkd.housekeeper.api.UpdateStatus;
import io.nkd.secrets.ClusterSecrets;
import io.nkd.secrets.SecretResolver;
import io.nkd.state.LocalStateStore;
import io.nkd.status.ClusterStatus;
import io.nkd.status.ClusterStatus.Phase;
import io.nkd.status.Reasons;
import io.nkd.testkit.KubeApiServerExtension;
import io.nkd.testkit.KubeFixtures;
import io.nkd.testsupport.RepoPaths;
import io.nkd.testsupport.UpdateCrd;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The daemon's steps writing the Update into the real kube-apiserver (the CRD nkd ships), and reading back the status
 * the Housekeeper's operator writes through the status subresource: commit a new image → an Update with the right
 * fields → nodes at the target → Ready; revert → the Update names the previous image again. The Nodes are a fake (this
 * test is about the Update; ObserveCluster's own tests read real Nodes).
 */
@ExtendWith(KubeApiServerExtension.class)
class RolloutOnApiServerTest {
    private static final String DEMO = "sandbox-demo";
    private static final String FILE = "clusters/sandbox-demo/cluster.yaml";
    private static final String NEW_IMAGE = "hub.oepkgs.net/nestos/nestos@sha256:" + "3".repeat(64);

    KubernetesClient client;
    KubeFixtures kube;

    @TempDir
    Path tmp;

    private ClusterReconcilerTest.FakeProvider provider;
    private ClusterReconciler reconciler;

    @BeforeEach
    void setUp() {
        UpdateCrd.install(client);
        LocalStateStore store = new LocalStateStore(tmp.resolve("state"));
        provider = new ClusterReconcilerTest.FakeProvider();
        KubeRollouts rollouts = KubeRollouts.inNamespace(client, DEMO, kube.namespace());
        WorkloadCluster cluster = new InMemoryClusterParts.Cluster() {
            @Override
            public ApiReadiness readiness() {
                return ApiReadiness.up();
            }

            @Override
            public List<ClusterNode> nodes() {
                return provider.machines.values().stream().map(m -> new ClusterNode(m.name(), true, "KubeletReady", null, null, false,
                        m.pool().equals("control-plane"), "v1.31.4", "NestOS", Map.of(), Map.of())).toList();
            }

            @Override
            public Rollouts rollouts() {
                return rollouts;
            }
        };
        Collaborators c = new Collaborators(
                new ClusterSecrets(store, new SecretResolver(tmp, Map.of()), new SecureRandom(), Clock.systemUTC()),
                (name, rendered) -> { },
                new Collaborators.BootConfigs() {
                    @Override
                    public String pointer(io.nkd.state.ClusterState state, String pool, String node, String poolVersion, String nodeVersion) {
                        return "pointer;pool=" + poolVersion + ";node=" + nodeVersion;
                    }

                    @Override
                    public void revoke(io.nkd.state.ClusterState state, String node) {
                    }
                },
                infra -> infra.provider() == Infrastructure.ProviderType.SANDBOX ? Optional.of(provider) : Optional.empty(),
                target -> Optional.of(cluster));
        reconciler = new ClusterReconciler(store, c, Clock.systemUTC(), new SimpleMeterRegistry());
    }

    private static Snapshot commit(String revision, UnaryOperator<String> edit) {
        Snapshot base = Snapshots.fromDirectory(RepoPaths.repoRoot().resolve("repo-layout/example"));
        TreeMap<String, byte[]> files = new TreeMap<>(base.files());
        files.put("images/nestos.yaml", (base.text("images/nestos.yaml").orElseThrow() + """
                  - name: nestos-24.09.3-k8s-1.31
                    osImageURL: %s
                    osVersion: "24.09.20250210"
                    kubernetesVersion: v1.31.4
                """.formatted(NEW_IMAGE)).getBytes(StandardCharsets.UTF_8));
        files.put(FILE, edit.apply(base.text(FILE).orElseThrow()).getBytes(StandardCharsets.UTF_8));
        return new Snapshot(revision, files);
    }

    private ClusterStatus reconcile(Snapshot s) {
        return reconciler.reconcile(DEMO, DesiredRevision.of(s)).status();
    }

    private Update update() {
        return client.resources(Update.class).inNamespace(kube.namespace()).withName("nkd").get();
    }

    @Test
    void aNewImageBecomesTheUpdateTheHousekeepersStatusComesBackAndARevertRetargetsIt() {
        UnaryOperator<String> policy = t -> t.replace("  upgrade:\n    maxUnavailable: 1\n",
                "  upgrade:\n    maxUnavailable: 2\n    evictPodForce: true\n    drainTimeout: 20m\n");
        reconcile(commit("a".repeat(40), policy));
        Update first = update();
        String oldImage = first.getSpec().osImageURL();
        assertTrue(oldImage.contains("@sha256:9c1e7a5b"), oldImage);

        ClusterStatus st = reconcile(commit("b".repeat(40), t -> policy.apply(t).replace("image: nestos-24.09-k8s-1.31",
                "image: nestos-24.09.3-k8s-1.31")));
        Update u = update();
        assertEquals(NEW_IMAGE, u.getSpec().osImageURL(), "osImageURL pinned by digest");
        assertEquals("v1.31.4", u.getSpec().kubeVersion());
        assertEquals(2, u.getSpec().maxUnavailable());
        assertEquals(true, u.getSpec().evictPodForce());
        assertEquals("20m", u.getSpec().drainTimeout());
        assertEquals(false, u.getSpec().paused());
        assertEquals("b".repeat(40), u.getSpec().revision(), "revision = the source commit");
        assertEquals(DEMO, u.getMetadata().getLabels().get("nkd.io/cluster"));
        assertEquals(2L, u.getMetadata().getGeneration());
        assertEquals(Reasons.ROLLING_OUT, st.condition("Ready").reason());

        // the operator's status, through the status subresource, as it writes it
        List<NodeProgress> nodes = new TreeMap<>(provider.machines).keySet().stream().map(n -> new NodeProgress(n,
                n.contains("control-plane") ? NodeRole.CONTROL_PLANE : NodeRole.WORKER, NodeUpdateState.UPDATED, null,
                "2026-12-06T02:30:00Z", NEW_IMAGE, "v1.31.4", null, "verified")).toList();
        u.setStatus(new UpdateStatus(RolloutPhase.COMPLETED, u.getMetadata().getGeneration(), u.getSpec().revision(), nodes.size(), 0, 0, 0,
                nodes, List.of(), "2026-12-06T02:00:00Z", "2026-12-06T02:40:00Z"));
        client.resources(Update.class).inNamespace(kube.namespace()).resource(u).updateStatus();
        st = reconcile(commit("b".repeat(40), t -> policy.apply(t).replace("image: nestos-24.09-k8s-1.31", "image: nestos-24.09.3-k8s-1.31")));
        assertEquals(Phase.READY, st.phase(), st.condition("Ready").message());
        assertEquals(RolloutPhase.COMPLETED, st.rollout().phase());
        assertEquals(NEW_IMAGE, st.rollout().node("sandbox-demo-workers-2").orElseThrow().currentImage());

        // git revert: the Update names the previous image again; its status stays the operator's until it re-plans
        st = reconcile(commit("c".repeat(40), policy));
        Update back = update();
        assertEquals(oldImage, back.getSpec().osImageURL());
        assertEquals("c".repeat(40), back.getSpec().revision());
        assertEquals(3L, back.getMetadata().getGeneration());
        assertEquals(RolloutPhase.COMPLETED, back.getStatus().phase(), "nkd never writes the status");
        assertEquals(Reasons.ROLLING_OUT, st.condition("Ready").reason(), "the nodes run the newer image until the Housekeeper rolls them back");
        assertNull(st.rollout().phase(), "the Housekeeper has not reported on generation 3 yet");
    }
}
