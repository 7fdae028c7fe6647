package io.nkd.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.nkd.housekeeper.api.RolloutPhase;
import io.nkd.housekeeper.api.Update;
import io.nkd.housekeeper.api.Updates;
import io.nkd.housekeeper.operator.EtcdCheckMode;
import io.nkd.housekeeper.operator.Operator;
import io.nkd.housekeeper.operator.OperatorConfig;
import io.nkd.plan.Action;
import io.nkd.plan.Plan;
import io.nkd.plan.Planner;
import io.nkd.status.ClusterStatus;
import io.nkd.status.Condition;
import io.nkd.testkit.Ci;
import io.nkd.testkit.PrivateApiServer;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The "How this will be checked", whole: the life of a cluster driven only by commits, against a real
 * kube-apiserver serving the certificates nkd generated (nkd reaches it with its own admin kubeconfig), with the real
 * Housekeeper operator running beside simulated node agents. Create → API up → nodes join → add-ons (the Housekeeper)
 * applied → Ready; a new image → the Update with the right fields → nodes upgrade control plane first, then workers in
 * batches → status shows each node; a bad commit keeps the last good one and shows the error; the revert rolls back;
 * workers 3 → 5 → 3, the removed nodes drained and deleted from Kubernetes before their machines. For every commit,
 * what {@code nkd plan} said is what happened.
 */
class LifecycleEndToEndTest {
    private static final String CLUSTER = "life";
    private static final String FILE = "clusters/" + CLUSTER + "/cluster.yaml";
    private static final String CP = CLUSTER + "-control-plane-1";
    private static final List<String> WORKERS = List.of(CLUSTER + "-workers-1", CLUSTER + "-workers-2", CLUSTER + "-workers-3");
    private static final String OLD_IMAGE =
            "hub.oepkgs.net/nestos/nestos@sha256:9c1e7a5b3d2f0e8c6a4b2d0f9e7c5a3b1d9f8e6c4a2b0d8f6e4c2a0b9d7f5e3c";
    private static final String NEW_IMAGE =
            "hub.oepkgs.net/nestos/nestos@sha256:eaf4487c7733363a24c4e899a0aea6103365ad570aebabe554e2eda5620daec3";
    private static final Duration PATIENCE = Duration.ofSeconds(120);

    @TempDir
    java.nio.file.Path tmp;
    private E2eDaemon daemon;
    private Operator operator;
    private SimulatedAgents agents;

    @BeforeEach
    void setUp() throws Exception {
        PrivateApiServer.Binaries bin = PrivateApiServer.binaries();
        Ci.require(bin.present(), bin.missing());
        daemon = E2eDaemon.start(tmp, CLUSTER, 1, 3);
    }

    @AfterEach
    void tearDown() {
        if (agents != null) {
            agents.close();
        }
        if (operator != null) {
            operator.close();
        }
        if (daemon != null) {
            daemon.close();
        }
    }

    @Test
    void aClusterIsCreatedUpgradedRolledBackAndScaledByCommitsAlone() throws Exception {
        // 1. a new cluster: machines, API up with nkd's PKI, nodes joined, the Housekeeper applied as an add-on, Ready
        daemon.reconcile("create " + CLUSTER);
        daemon.machines.bootAll(CLUSTER);
        ClusterStatus st = until("create " + CLUSTER, s -> s.phase() == ClusterStatus.Phase.READY, "Ready after bootstrap");
        assertEquals(Condition.Status.TRUE, st.condition("AddonsApplied").status(), st.condition("AddonsApplied")::toString);
        assertTrue(st.addons().errors().isEmpty(), st.addons()::toString);
        KubernetesClient client = daemon.machines.api().client();
        assertNotNull(client.apiextensions().v1().customResourceDefinitions().withName("updates.housekeeper.io").get(),
                "the Housekeeper's CRD was applied");
        assertNotNull(client.apps().deployments().inNamespace(Updates.NAMESPACE).withName("housekeeper-operator").get(),
                "the Housekeeper's operator was applied");
        Update first = update(client);
        assertEquals(OLD_IMAGE, first.getSpec().osImageURL(), "the first Update pins what the nodes booted");
        assertEquals(daemon.repo.id("create " + CLUSTER), first.getSpec().revision());

        // the Housekeeper: the real operator, and an agent per node
        operator = new Operator(client, OperatorConfig.defaults(Updates.NAMESPACE, "e2e-operator")
                .withEtcdCheck(EtcdCheckMode.NONE, "kube-system").withMetricsPort(0)
                .withLease("housekeeper-operator", new OperatorConfig.LeaseTiming(Duration.ofSeconds(4), Duration.ofSeconds(3),
                        Duration.ofMillis(500)))
                .withTimeouts(Duration.ofMinutes(5), Duration.ofSeconds(2)));
        operator.start();
        agents = new SimulatedAgents(daemon.machines, OLD_IMAGE, "v1.31.4").start();
        awaitUpdate(client, u -> u.getStatus() != null && u.getStatus().phase() == RolloutPhase.COMPLETED, "nothing to move yet");

        // 2. two workers at a time from now on: written at once (moves no node)
        daemon.repo.edit(FILE, "maxUnavailable: 1", "maxUnavailable: 2").commit("batches of two");
        Plan policy = plan("create " + CLUSTER, "batches of two");
        assertTrue(policy.actions().stream().noneMatch(a -> a instanceof Action.UpgradeOs), policy.actions()::toString);
        until("batches of two", s -> s.phase() == ClusterStatus.Phase.READY, "Ready with the new policy");
        assertEquals(2, update(client).getSpec().maxUnavailable());

        // 3. a new OS image: the plan's upgrade is what the daemon writes and what the Housekeeper does, in its order
        daemon.repo.edit(FILE, "image: nestos-24.09-k8s-1.31", "image: nestos-24.09.2-k8s-1.31").commit("upgrade");
        Plan upgradePlan = plan("batches of two", "upgrade");
        Action.UpgradeOs upgrade = only(upgradePlan, Action.UpgradeOs.class);
        assertEquals(Action.Effect.APPLIED, upgrade.effect(), upgrade.reason());
        assertEquals("upgrade", upgrade.direction());
        List<List<String>> batches = upgrade.rollout().batches().stream().map(b -> b.nodes()).toList();
        assertEquals(List.of(List.of(CP), WORKERS.subList(0, 2), WORKERS.subList(2, 3)), batches, upgrade.reason());
        agents.clearAssigned();
        ClusterStatus rolling = daemon.reconcile("upgrade").status();
        Update u = update(client);
        assertEquals(NEW_IMAGE, u.getSpec().osImageURL(), "pinned by digest");
        assertEquals("v1.31.4", u.getSpec().kubeVersion());
        assertEquals(2, u.getSpec().maxUnavailable());
        assertEquals(Boolean.FALSE, u.getSpec().evictPodForce());
        assertEquals("10m", u.getSpec().drainTimeout());
        assertEquals(daemon.repo.id("upgrade"), u.getSpec().revision());
        assertEquals(ClusterStatus.Phase.ROLLOUT_PENDING, rolling.phase(), rolling.condition("Ready")::toString);
        String shownWhileRolling = null;
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (System.nanoTime() < deadline) {
            rolling = daemon.reconcile("upgrade").status();
            String shown = daemon.statusText();
            if (shownWhileRolling == null && shown.contains("updating (")) {
                shownWhileRolling = shown;
            }
            if (rolling.phase() == ClusterStatus.Phase.READY && rolling.rollout() != null
                    && rolling.rollout().phase() == RolloutPhase.COMPLETED) {
                break;
            }
            Thread.sleep(300);
        }
        assertEquals(ClusterStatus.Phase.READY, rolling.phase(), () -> "not rolled out: " + daemon.statusText());
        assertNotNull(shownWhileRolling, "nkd status showed a node on its way (updating, with the agent's step)");
        assertTrue(shownWhileRolling.contains("→ nestos@sha256:eaf4487c7733"), shownWhileRolling);
        List<String> order = agents.assigned();
        assertEquals(CP, order.get(0), "the control plane first: " + order);
        assertEquals(Set.copyOf(WORKERS.subList(0, 2)), Set.copyOf(order.subList(1, 3)), "then the plan's first batch: " + order);
        assertEquals(WORKERS.get(2), order.get(3), "then its second: " + order);
        assertTrue(agents.mostWorkersAtOnce() <= 2, "never more workers at once than maxUnavailable");
        for (String node : names()) {
            assertEquals(NEW_IMAGE, agents.host(node).booted(), node + " booted the new image");
        }
        rolling.rollout().nodes().forEach(n -> assertEquals(NEW_IMAGE, n.currentImage(), n.name() + " as status shows it"));

        // 4. a bad commit: nothing changes, the error is located, the last good commit stays applied
        daemon.repo.edit(FILE, "replicas: 3", "replicas: three").commit("typo");
        Action.Refusal refusal = only(plan("upgrade", "typo"), Action.Refusal.class);
        ClusterStatus bad = daemon.reconcile("typo").status();
        assertEquals(daemon.repo.id("upgrade"), bad.appliedRevision());
        assertEquals("ValidationFailed", bad.lastError().reason());
        assertTrue(bad.lastError().message().contains(refusal.location()), refusal.location() + " in " + bad.lastError().message());
        assertEquals(NEW_IMAGE, update(client).getSpec().osImageURL(), "a bad commit never touches the cluster");

        // 5. the revert: back to the previous image, served by rpm-ostree rollback
        daemon.repo.edit(FILE, "replicas: three", "replicas: 3")
                .edit(FILE, "image: nestos-24.09.2-k8s-1.31", "image: nestos-24.09-k8s-1.31").commit("revert upgrade");
        Action.UpgradeOs back = only(plan("upgrade", "revert upgrade"), Action.UpgradeOs.class);
        assertEquals("downgrade", back.direction(), back.summary());
        assertEquals(Action.Effect.APPLIED, back.effect());
        daemon.reconcile("revert upgrade");
        assertEquals(OLD_IMAGE, update(client).getSpec().osImageURL());
        assertEquals(daemon.repo.id("revert upgrade"), update(client).getSpec().revision());
        until("revert upgrade", s -> s.phase() == ClusterStatus.Phase.READY && s.rollout() != null
                && s.rollout().phase() == RolloutPhase.COMPLETED && OLD_IMAGE.equals(s.rollout().targetImage()), "rolled back");
        for (String node : names()) {
            assertTrue(agents.stagings().contains(node + " rollback " + OLD_IMAGE), node + ": " + agents.stagings());
            assertEquals(OLD_IMAGE, agents.host(node).booted());
        }

        // 6. workers 3 → 5: a fresh bootstrap token first, then the machines; Ready once their nodes are
        daemon.repo.edit(FILE, "replicas: 3", "replicas: 5").commit("scale up");
        List<Action.CreateMachine> creates = plan("revert upgrade", "scale up").actions().stream()
                .filter(a -> a instanceof Action.CreateMachine).map(a -> (Action.CreateMachine) a).toList();
        assertEquals(List.of(CLUSTER + "-workers-4", CLUSTER + "-workers-5"), creates.stream().map(c -> c.machine().name()).toList());
        daemon.reconcile("scale up");
        assertEquals(Set.of(CP, CLUSTER + "-workers-1", CLUSTER + "-workers-2", CLUSTER + "-workers-3", CLUSTER + "-workers-4",
                CLUSTER + "-workers-5"), Set.copyOf(daemon.machines.names()));
        assertFalse(client.secrets().inNamespace("kube-system").list().getItems().stream()
                .filter(sec -> "bootstrap.kubernetes.io/token".equals(sec.getType())).toList().isEmpty(),
                "a bootstrap token for the joining nodes");
        for (String n : List.of(CLUSTER + "-workers-4", CLUSTER + "-workers-5")) {
            daemon.machines.bootOs(n);
            daemon.machines.join(n);
            daemon.machines.ready(n);
        }
        st = until("scale up", s -> s.phase() == ClusterStatus.Phase.READY, "Ready with five workers");
        assertEquals(6, st.kubernetes().nodesReady());

        // 7. workers 5 → 3: the newest go, each drained and out of Kubernetes before its machine is deleted
        daemon.repo.edit(FILE, "replicas: 5", "replicas: 3").commit("scale down");
        List<Action.DeleteMachine> deletes = plan("scale up", "scale down").actions().stream()
                .filter(a -> a instanceof Action.DeleteMachine).map(a -> (Action.DeleteMachine) a).toList();
        assertEquals(Set.of(CLUSTER + "-workers-4", CLUSTER + "-workers-5"),
                deletes.stream().map(d -> d.machine().name()).collect(Collectors.toSet()));
        deletes.forEach(d -> assertTrue(d.reason().toLowerCase(java.util.Locale.ROOT).contains("drain"), d.reason()));
        st = until("scale down", s -> s.phase() == ClusterStatus.Phase.READY && daemon.machines.names().size() == 4, "scaled down");
        assertEquals(Set.of(CLUSTER + "-workers-4", CLUSTER + "-workers-5"), new TreeSet<>(daemon.machines.deleted));
        assertEquals(List.of(), daemon.machines.deletedWithNode, "no machine was deleted while its node was still in Kubernetes");
        assertEquals(new TreeSet<>(names()), new TreeSet<>(daemon.machines.nodes().keySet()));
        assertEquals(4, st.kubernetes().nodesReady());
    }

    private List<String> names() {
        return daemon.machines.names();
    }

    private Plan plan(String base, String head) throws Exception {
        return Planner.plan(daemon.repo.snapshot(base), daemon.repo.snapshot(head));
    }

    private static <A extends Action> A only(Plan plan, Class<A> type) {
        List<A> found = plan.actions().stream().filter(type::isInstance).map(type::cast).toList();
        assertEquals(1, found.size(), () -> "one " + type.getSimpleName() + " in " + plan.actions());
        return found.get(0);
    }

    private static Update update(KubernetesClient client) {
        Update u = client.resources(Update.class).inNamespace(Updates.NAMESPACE).withName(Updates.DEFAULT_NAME).get();
        assertNotNull(u, "nkd wrote the Update " + Updates.NAMESPACE + "/" + Updates.DEFAULT_NAME);
        return u;
    }

    private static void awaitUpdate(KubernetesClient client, Predicate<Update> done, String what) throws InterruptedException {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        Update u = null;
        while (System.nanoTime() < deadline) {
            u = client.resources(Update.class).inNamespace(Updates.NAMESPACE).withName(Updates.DEFAULT_NAME).get();
            if (u != null && done.test(u)) {
                return;
            }
            Thread.sleep(200);
        }
        fail("the Update: not " + what + " within " + PATIENCE + ": " + (u == null ? "none" : u.getStatus()));
    }

    /** Reconciles the commit of a step again and again (as the daemon's retries would) until the status says so. */
    private ClusterStatus until(String step, Predicate<ClusterStatus> done, String what) throws Exception {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        ClusterStatus last = null;
        while (System.nanoTime() < deadline) {
            last = daemon.reconcile(step).status();
            if (done.test(last)) {
                return last;
            }
            Thread.sleep(300);
        }
        fail("not " + what + " within " + PATIENCE + " at step \"" + step + "\":\n" + daemon.statusText()
                + "\nconditions: " + (last == null ? "none" : last.conditions()));
        return last;
    }
}
