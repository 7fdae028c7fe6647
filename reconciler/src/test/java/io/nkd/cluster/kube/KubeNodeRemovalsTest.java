package io.nkd.cluster.kube;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder;
import io.fabric8.kubernetes.api.model.policy.v1beta1.PodDisruptionBudgetBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.nkd.cluster.EtcdMembers;
import io.nkd.cluster.NodeRemovals;
import io.nkd.cluster.NodeRemovals.Progress;
import io.nkd.testkit.KubeApiServerExtension;
import io.nkd.testkit.KubeFixtures;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Cordon, drain through the Eviction API and delete of a Node, on the real kube-apiserver (1.20: policy/v1beta1). */
@ExtendWith(KubeApiServerExtension.class)
class KubeNodeRemovalsTest {
    private static final Duration TIMEOUT = Duration.ofMinutes(10);
    KubernetesClient client;
    KubeFixtures kube;

    private Pod pod(String name, String node, Map<String, String> labels, UnaryOperator<PodBuilder> more) {
        Pod pod = more.apply(new PodBuilder().withNewMetadata().withName(name).withNamespace(kube.namespace()).withLabels(labels)
                .endMetadata().withNewSpec().withNodeName(node).withAutomountServiceAccountToken(false)
                .withTerminationGracePeriodSeconds(0L).addNewContainer().withName("main").withImage(KubeFixtures.POD_IMAGE)
                .endContainer().endSpec()).build();
        return kube.setPodReady(client.pods().inNamespace(kube.namespace()).resource(pod).create(), true);
    }

    private List<String> podsOn(String node) {
        return client.pods().inNamespace(kube.namespace()).withField("spec.nodeName", node).list().getItems().stream()
                .map(p -> p.getMetadata().getName()).sorted().toList();
    }

    private static NodeRemovals.Policy started(Instant at, boolean force) {
        return new NodeRemovals.Policy(TIMEOUT, force, at);
    }

    @Test
    void cordonsEvictsAndDeletesTheNodeLeavingDaemonSetAndMirrorPods() {
        String node = kube.uniqueName("w-drain");
        kube.createReadyNode(node, "v1.20.2", Map.of());
        DaemonSet ds = client.apps().daemonSets().inNamespace(kube.namespace()).resource(new DaemonSetBuilder()
                .withNewMetadata().withName("logs").endMetadata().withNewSpec().withNewSelector()
                .addToMatchLabels("app", "logs").endSelector().withNewTemplate().withNewMetadata()
                .addToLabels("app", "logs").endMetadata().withNewSpec().addNewContainer().withName("c")
                .withImage(KubeFixtures.POD_IMAGE).endContainer().endSpec().endTemplate().endSpec().build()).create();
        pod("logs-x1", node, Map.of("app", "logs"), b -> b.editMetadata().addNewOwnerReference().withApiVersion("apps/v1")
                .withKind("DaemonSet").withName("logs").withUid(ds.getMetadata().getUid()).withController(true)
                .endOwnerReference().endMetadata());
        pod("static-web", node, Map.of("app", "static"), b -> b.editMetadata()
                .addToAnnotations(KubeNodeRemovals.MIRROR_ANNOTATION, "3f1c").endMetadata());
        kube.createRunningPod("bare", node, Map.of("app", "bare"));
        kube.createRunningPod("elsewhere", kube.uniqueName("other"), Map.of("app", "bare"));

        KubeNodeRemovals removals = new KubeNodeRemovals(client);
        Instant start = Instant.now();
        Progress first = removals.remove(node, false, started(start, false));
        assertTrue(client.nodes().withName(node).get().getSpec().getUnschedulable(), "cordoned");
        assertInstanceOf(Progress.InProgress.class, first, first::toString);
        assertTrue(((Progress.InProgress) first).what().contains(kube.namespace() + "/bare (evicted, terminating)"), first::toString);

        Progress second = removals.remove(node, false, started(start, false));
        assertInstanceOf(Progress.Done.class, second, second::toString);
        assertNull(client.nodes().withName(node).get(), "the Node is deleted");
        assertEquals(List.of("logs-x1", "static-web"), podsOn(node), "DaemonSet and mirror pods are not evicted");
        assertEquals(List.of("elsewhere"), podsOn(kube.uniqueName("other")));
        assertInstanceOf(Progress.Done.class, removals.remove(node, false, started(start, false)), "a node that is gone is Done");
        kube.deletePodNow("logs-x1");
        kube.deletePodNow("static-web");
        kube.deletePodNow("elsewhere");
    }

    @Test
    void aPodDisruptionBudgetHoldsTheDrainThenBlocksItOrIsForcedPastTheTimeout() {
        String node = kube.uniqueName("w-pdb");
        kube.createReadyNode(node, "v1.20.2", Map.of());
        kube.createRunningPod("web-0", node, Map.of("app", "web"));
        kube.createRunningPod("web-1", node, Map.of("app", "web"));
        client.policy().v1beta1().podDisruptionBudget().inNamespace(kube.namespace()).resource(new PodDisruptionBudgetBuilder()
                .withNewMetadata().withName("web").endMetadata().withNewSpec().withNewSelector()
                .withMatchLabels(Map.of("app", "web")).endSelector().withMinAvailable(new IntOrString(2)).endSpec().build()).create();
        client.policy().v1beta1().podDisruptionBudget().inNamespace(kube.namespace()).withName("web").waitUntilCondition(
                p -> p.getStatus() != null && p.getStatus().getObservedGeneration() != null
                        && p.getStatus().getObservedGeneration() >= p.getMetadata().getGeneration()
                        && p.getStatus().getCurrentHealthy() != null && p.getStatus().getCurrentHealthy() == 2,
                60, TimeUnit.SECONDS);
        KubeNodeRemovals removals = new KubeNodeRemovals(client);
        String budget = "blocked by PodDisruptionBudget " + kube.namespace() + "/web";

        long t0 = System.nanoTime();
        Progress held = removals.remove(node, false, started(Instant.now(), false));
        assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(10), "a refused eviction returns at once (no 429 retries)");
        assertInstanceOf(Progress.InProgress.class, held, held::toString);
        assertTrue(((Progress.InProgress) held).what().startsWith("2 pod(s) left: " + kube.namespace() + "/web-0 " + budget), held::toString);

        Instant longAgo = Instant.now().minus(TIMEOUT).minusSeconds(60);
        Progress blocked = removals.remove(node, false, started(longAgo, false));
        assertInstanceOf(Progress.Blocked.class, blocked, blocked::toString);
        String why = ((Progress.Blocked) blocked).why();
        assertTrue(why.contains("the drain timeout PT10M has passed") && why.contains(budget)
                && why.contains("spec.upgrade.evictPodForce: true"), why);
        assertEquals(List.of("web-0", "web-1"), podsOn(node), "a blocked drain leaves the pods running");
        assertNotNull(client.nodes().withName(node).get());

        Progress forced = removals.remove(node, false, started(longAgo, true));
        assertInstanceOf(Progress.InProgress.class, forced, forced::toString);
        Progress done = removals.remove(node, false, started(longAgo, true));
        assertInstanceOf(Progress.Done.class, done, done::toString);
        assertEquals(List.of(), podsOn(node));
        assertNull(client.nodes().withName(node).get());
    }

    @Test
    void aControlPlaneNodeLeavesOnlyAfterItsEtcdMember() {
        String node = kube.uniqueName("cp-2");
        kube.createReadyNode(node, "v1.20.2", Map.of("node-role.kubernetes.io/control-plane", ""));
        List<String> asked = new ArrayList<>();
        EtcdMembers refusing = (n, endpoints) -> {
            asked.add(n);
            return new EtcdMembers.Removal.Refused("removing it leaves 1 of 3 members, below quorum 2");
        };
        Progress refused = new KubeNodeRemovals(client, Clock.systemUTC(), refusing).remove(node, false, started(Instant.now(), false));
        assertEquals(List.of(node), asked, "the Node's role label makes it a control-plane node");
        assertInstanceOf(Progress.Blocked.class, refused);
        assertTrue(((Progress.Blocked) refused).why().contains("below quorum"), refused::toString);
        assertNotNull(client.nodes().withName(node).get(), "the Node stays while its member does");

        EtcdMembers removing = (n, endpoints) -> new EtcdMembers.Removal.Removed("8e9e05c52164694d");
        Progress done = new KubeNodeRemovals(client, Clock.systemUTC(), removing).remove(node, true, started(Instant.now(), false));
        assertInstanceOf(Progress.Done.class, done);
        assertNull(client.nodes().withName(node).get());
    }

    @Test
    void theLeftoverNodeOfAMachineDeletedWithoutDrainGoesButNeverANodeAnotherMachineRegisteredOrRuns() {
        KubeNodeRemovals removals = new KubeNodeRemovals(client);
        // the old machine's Node: registered and last heard of before nkd deleted the machine
        String old = kube.uniqueName("w-left");
        kube.createRunningPod("left-pod", old, Map.of("app", "left"));
        kube.createReadyNode(old, "v1.20.2", Map.of());
        Instant deleted = Instant.now().plusSeconds(2);
        assertInstanceOf(Progress.Done.class, removals.removeLeftover(old, false, deleted, started(null, false)));
        assertNull(client.nodes().withName(old).get(), "the leftover Node is deleted (nothing drained: its machine is gone)");
        assertInstanceOf(Progress.Done.class, removals.removeLeftover(old, false, deleted, started(null, false)), "gone is done");
        kube.deletePodNow("left-pod");

        // a Node registered after the machine of its name was deleted: another machine's
        String fresh = kube.uniqueName("w-new");
        kube.createReadyNode(fresh, "v1.20.2", Map.of());
        Progress reused = removals.removeLeftover(fresh, false, Instant.now().minusSeconds(120), started(null, false));
        assertInstanceOf(Progress.Reused.class, reused, reused::toString);
        assertTrue(((Progress.Reused) reused).why().contains("after its old machine was deleted"), reused::toString);
        assertNotNull(client.nodes().withName(fresh).get(), "left alone");

        // an old Node whose kubelet renewed its Lease after the deletion: a kubelet runs under this name again
        String alive = kube.uniqueName("w-alive");
        kube.createReadyNode(alive, "v1.20.2", Map.of());
        Instant deletedBefore = Instant.now().plusSeconds(2);
        var lease = client.resources(io.fabric8.kubernetes.api.model.coordination.v1.Lease.class).inNamespace("kube-node-lease")
                .resource(new io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder().withNewMetadata().withName(alive)
                        .endMetadata().withNewSpec().withHolderIdentity(alive).withLeaseDurationSeconds(40)
                        .withRenewTime(java.time.ZonedDateTime.ofInstant(deletedBefore.plusSeconds(30), java.time.ZoneOffset.UTC))
                        .endSpec().build()).create();
        try {
            Progress running = removals.removeLeftover(alive, false, deletedBefore, started(null, false));
            assertInstanceOf(Progress.Reused.class, running, running::toString);
            assertTrue(((Progress.Reused) running).why().contains("a kubelet runs under this name again"), running::toString);
            assertNotNull(client.nodes().withName(alive).get());
        } finally {
            client.resource(lease).delete();
        }
    }

    @Test
    void aLeftoverControlPlaneNodeLosesItsEtcdMemberFirst() {
        String node = kube.uniqueName("cp-left");
        kube.createReadyNode(node, "v1.20.2", Map.of("node-role.kubernetes.io/control-plane", ""));
        Instant deleted = Instant.now().plusSeconds(2);
        Progress noEtcd = new KubeNodeRemovals(client).removeLeftover(node, true, deleted, started(null, false));
        assertInstanceOf(Progress.Blocked.class, noEtcd);
        assertTrue(((Progress.Blocked) noEtcd).why().contains("etcdctl member remove"), noEtcd::toString);
        assertNotNull(client.nodes().withName(node).get(), "the Node stays while its member does");

        EtcdMembers refusing = (n, endpoints) -> new EtcdMembers.Removal.Refused("no other member answers");
        Progress refused = new KubeNodeRemovals(client, Clock.systemUTC(), refusing).removeLeftover(node, false, deleted, started(null, false));
        assertInstanceOf(Progress.Blocked.class, refused, "the role label makes it a control-plane node");
        assertNotNull(client.nodes().withName(node).get());

        List<String> removed = new ArrayList<>();
        EtcdMembers removing = (n, endpoints) -> {
            removed.add(n);
            return new EtcdMembers.Removal.Removed("8e9e05c52164694d");
        };
        assertInstanceOf(Progress.Done.class, new KubeNodeRemovals(client, Clock.systemUTC(), removing)
                .removeLeftover(node, true, deleted, started(null, false)));
        assertEquals(List.of(node), removed);
        assertNull(client.nodes().withName(node).get());
    }
}
