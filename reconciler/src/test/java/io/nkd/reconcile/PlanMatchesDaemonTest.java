package io.nkd.reconcile;

import static io.nkd.reconcile.SandboxDaemon.CLUSTER;
import static io.nkd.reconcile.SandboxDaemon.FILE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nkd.infra.ProvisionedMachine;
import io.nkd.plan.Action;
import io.nkd.plan.Action.Effect;
import io.nkd.plan.ClusterPlan;
import io.nkd.plan.Plan;
import io.nkd.plan.PlanFormat;
import io.nkd.status.ClusterStatus;
import io.nkd.status.ClusterStatus.Phase;
import io.nkd.status.Condition;
import io.nkd.status.Reasons;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One test per plan action type: a change is committed to a real Git repository, planned as {@code nkd plan}
 * plans it, and then reconciled by the daemon's own steps with the sandbox provider (machines boot over the real
 * HTTPS Ignition server). Each test asserts that what the plan said is what happened: the machines created and
 * deleted, the configs published, what was not applied, and the status the plan announced.
 */
class PlanMatchesDaemonTest {
    @TempDir
    Path tmp;
    SandboxDaemon d;

    @BeforeEach
    void start() throws Exception {
        d = new SandboxDaemon(tmp);
        d.edit(FILE, "bootTime: 2s", "bootTime: 50ms");
        d.commit("initial");
    }

    @AfterEach
    void stop() {
        d.close();
    }

    /** Applies the base, then the head, and checks the plan's machine and config actions against what happened. */
    private ClusterStatus applyAndCompare(Plan plan, String base, String head) throws Exception {
        ClusterStatus before = base == null ? null : d.apply(base);
        Map<String, ProvisionedMachine> was = d.machines();
        ClusterStatus after = d.apply(head);
        Map<String, ProvisionedMachine> now = d.machines();
        ClusterPlan c = cluster(plan);
        assertEquals(names(c, Action.CreateMachine.class, Effect.APPLIED), minus(now.keySet(), was.keySet()),
                "the machines the plan creates are the ones the daemon created");
        assertEquals(names(c, Action.DeleteMachine.class, Effect.APPLIED), minus(was.keySet(), now.keySet()),
                "the machines the plan deletes are the ones the daemon deleted");
        for (String kept : intersect(was.keySet(), now.keySet())) {
            assertEquals(was.get(kept).revision(), now.get(kept).revision(), kept + " was not recreated");
        }
        if (c.status() != ClusterPlan.Status.REFUSED && c.status() != ClusterPlan.Status.REMOVED) {
            assertEquals(c.headVersions(), after.pools().stream().collect(Collectors.toMap(ClusterStatus.PoolStatus::name,
                    ClusterStatus.PoolStatus::renderedVersion)), "the daemon publishes the configs the plan shows");
        }
        if (before != null && c.status() != ClusterPlan.Status.ADDED) {
            assertEquals(c.baseVersions(), before.pools().stream().collect(Collectors.toMap(ClusterStatus.PoolStatus::name,
                    ClusterStatus.PoolStatus::renderedVersion)));
        }
        // the command prints this very plan, with each action's effect
        Map.Entry<Integer, String> command = d.planCommand(base == null ? "empty" : base, head);
        assertEquals(plan.exitCode(), command.getKey());
        assertEquals(PlanFormat.JSON.print(plan), command.getValue());
        var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(command.getValue());
        for (var cluster : json.path("clusters")) {
            for (var action : cluster.path("actions")) {
                assertTrue(Set.of("applied", "not-applied").contains(action.path("effect").asText()), action::toString);
            }
        }
        assertTrue(!command.getValue().contains("PRIVATE KEY"), "the plan holds a key");
        return after;
    }

    @Test
    void createCluster() throws Exception {
        d.remove("clusters/" + CLUSTER);
        d.commit("empty");
        d.restoreCluster();
        d.commit("added");

        Plan plan = d.plan("empty", "added");
        ClusterPlan c = cluster(plan);
        assertEquals(ClusterPlan.Status.ADDED, c.status());
        Action.CreateCluster create = c.actions(Action.CreateCluster.class).get(0);
        assertEquals(Effect.APPLIED, create.effect());
        assertEquals(3, create.machines());
        assertEquals(List.of("sandbox-demo-control-plane-1", "sandbox-demo-workers-1", "sandbox-demo-workers-2"),
                c.actions(Action.CreateMachine.class).stream().map(a -> a.machine().name()).toList());

        ClusterStatus st = applyAndCompare(plan, null, "added");
        assertEquals(Phase.READY, st.phase());
        assertEquals(Condition.Status.TRUE, st.condition("Ready").status());
        assertEquals(d.id("added"), st.appliedRevision());
    }

    @Test
    void unmanageCluster() throws Exception {
        d.remove("clusters/" + CLUSTER);
        d.commit("removed");

        Plan plan = d.plan("initial", "removed");
        ClusterPlan c = cluster(plan);
        assertEquals(List.of(Action.UnmanageCluster.class), c.actions().stream().map(Object::getClass).toList(),
                "the plan deletes no machine and withdraws no config");
        assertEquals(3, ((Action.UnmanageCluster) c.actions().get(0)).machines());

        ClusterStatus st = applyAndCompare(plan, "initial", "removed");
        assertEquals(3, d.machines().size(), "every machine keeps running");
        assertEquals(Phase.UNMANAGED, st.phase());
        assertEquals(Reasons.CLUSTER_REMOVED, st.condition("Ready").reason());
        assertEquals(Condition.Status.UNKNOWN, st.condition("Ready").status());
        assertEquals(d.id("initial"), st.appliedRevision(), "the last applied commit is still what runs");

        // restoring the directory: the plan lists a new cluster; the daemon adopts the machines it kept, as the plan says
        d.restoreCluster();
        d.commit("restored");
        Plan restore = d.plan("removed", "restored");
        assertTrue(cluster(restore).actions(Action.CreateCluster.class).get(0).reason().contains("adopts the ones it still has by name"));
        Map<String, ProvisionedMachine> before = d.machines();
        assertEquals(Phase.READY, d.apply("restored").phase());
        assertEquals(before.keySet(), d.machines().keySet(), "no machine is created twice");
    }

    @Test
    void createMachine() throws Exception {
        d.edit(FILE, "replicas: 2", "replicas: 4");
        d.commit("scale-up");
        Plan plan = d.plan("initial", "scale-up");
        assertEquals(List.of("sandbox-demo-workers-3", "sandbox-demo-workers-4"), names(cluster(plan), Action.CreateMachine.class, Effect.APPLIED)
                .stream().toList());
        assertEquals(2, cluster(plan).actions().size(), "replicas are not in the Ignition: no config changes");
        ClusterStatus st = applyAndCompare(plan, "initial", "scale-up");
        assertEquals(Phase.READY, st.phase());
        assertEquals(5, st.nodes().size());
    }

    @Test
    void deleteMachine() throws Exception {
        d.edit(FILE, "replicas: 2", "replicas: 1");
        d.commit("scale-down");
        Plan plan = d.plan("initial", "scale-down");
        Action.DeleteMachine delete = cluster(plan).actions(Action.DeleteMachine.class).get(0);
        assertEquals("sandbox-demo-workers-2", delete.machine().name());
        assertTrue(delete.reason().contains("its node token is revoked"), delete.reason());
        ClusterStatus st = applyAndCompare(plan, "initial", "scale-down");
        assertEquals(Phase.READY, st.phase());
        assertEquals(Set.of("sandbox-demo-control-plane-1", "sandbox-demo-workers-1"), d.machines().keySet());
        var tokens = d.tokens.list(CLUSTER);
        assertTrue(tokens.stream().filter(t -> t.node().equals("sandbox-demo-workers-2")).allMatch(io.nkd.server.TokenRecord::revoked),
                "the deleted machine's token is revoked, as the plan said: " + tokens);
        assertTrue(tokens.stream().filter(t -> !t.node().equals("sandbox-demo-workers-2")).noneMatch(io.nkd.server.TokenRecord::revoked));
    }

    @Test
    void machineNotReplaced() throws Exception {
        d.edit(FILE, "      role: worker\n      replicas: 2\n",
                "      role: worker\n      replicas: 2\n      machine: {cpus: 4, memoryMiB: 8192, diskGiB: 60}\n");
        d.commit("bigger-workers");
        Plan plan = d.plan("initial", "bigger-workers");
        List<Action.MachineNotReplaced> kept = cluster(plan).actions(Action.MachineNotReplaced.class);
        assertEquals(List.of("sandbox-demo-workers-1", "sandbox-demo-workers-2"), kept.stream().map(k -> k.to().name()).toList());
        kept.forEach(k -> assertEquals(Effect.NOT_APPLIED, k.effect()));
        assertTrue(cluster(plan).actions(Action.CreateMachine.class).isEmpty());
        assertTrue(cluster(plan).actions(Action.DeleteMachine.class).isEmpty());
        assertTrue(PlanFormat.TEXT.print(plan).contains("(not applied) machine sandbox-demo-workers-1 is NOT replaced"));

        ClusterStatus st = applyAndCompare(plan, "initial", "bigger-workers");
        assertEquals(Phase.READY, st.phase(), "the machines run on, as they were");
    }

    @Test
    void updatePoolConfig() throws Exception {
        d.write("clusters/" + CLUSTER + "/butane/workers/10-motd.bu", """
                variant: fcos
                version: 1.4.0
                storage:
                  files:
                    - path: /etc/motd.d/team.motd
                      contents:
                        inline: Ask the platform team before changing this node.
                """);
        d.commit("motd");
        Plan plan = d.plan("initial", "motd");
        ClusterPlan c = cluster(plan);
        assertEquals(1, c.actions(Action.UpdatePoolConfig.class).size(), () -> PlanFormat.TEXT.print(plan));
        Action.UpdatePoolConfig u = c.actions(Action.UpdatePoolConfig.class).get(0);
        assertEquals("workers", u.pool());
        assertEquals(Action.UpdatePoolConfig.Change.CHANGED, u.change());
        assertEquals(Effect.APPLIED, u.effect());
        assertTrue(u.reason().contains("the 2 existing node(s) of the pool keep running " + u.fromVersion()), u.reason());
        assertTrue(u.reason().contains("RolloutPending"), u.reason());

        ClusterStatus st = applyAndCompare(plan, "initial", "motd");
        assertEquals(Phase.ROLLOUT_PENDING, st.phase(), "the plan announced RolloutPending");
        assertEquals(Reasons.ROLLOUT_PENDING, st.condition("Ready").reason());
        assertEquals(Condition.Status.FALSE, st.condition("Ready").status());
        assertEquals(Reasons.ROLLOUT_PENDING, st.condition(StatusComputer.UP_TO_DATE).reason());
        assertTrue(st.condition("Ready").message().contains("2 node(s) of pool workers fetched " + u.fromVersion() + ", desired "
                + u.toVersion()), st.condition("Ready").message());
        assertTrue(st.condition("Ready").message().contains("need the Housekeeper, not yet available"), st.condition("Ready").message());
        for (ClusterStatus.NodeStatus n : st.nodes()) {
            if (n.pool().equals("workers")) {
                assertEquals(u.fromVersion(), n.currentVersion(), n.name() + " keeps its config");
                assertEquals(u.toVersion(), n.desiredVersion());
            }
        }

        // "machines created from now on boot it": a new worker runs the new config
        d.edit(FILE, "replicas: 2", "replicas: 3");
        d.commit("motd-and-more");
        d.apply("motd-and-more");
        assertEquals(u.toVersion(), d.machines().get("sandbox-demo-workers-3").currentConfig());
    }

    @Test
    void upgradeOs() throws Exception {
        d.edit("images/nestos.yaml", t -> t + """
                  - name: nestos-24.09.1-k8s-1.31
                    osImageURL: hub.oepkgs.net/nestos/nestos@sha256:2222222222222222222222222222222222222222222222222222222222222222
                    osVersion: "24.09.20250110"
                    kubernetesVersion: v1.31.4
                """);
        d.edit(FILE, "image: nestos-24.09-k8s-1.31", "image: nestos-24.09.1-k8s-1.31");
        d.commit("os");
        Plan plan = d.plan("initial", "os");
        Action.UpgradeOs os = cluster(plan).actions(Action.UpgradeOs.class).get(0);
        assertEquals(Effect.NOT_APPLIED, os.effect());
        assertEquals(3, os.rollout().nodeCount());
        assertTrue(os.reason().contains("NOT applied to the 3 existing node(s)"), os.reason());

        ClusterStatus st = applyAndCompare(plan, "initial", "os");
        assertEquals(Phase.ROLLOUT_PENDING, st.phase());
        assertEquals(0, st.nodes().stream().filter(n -> n.desiredVersion().equals(n.currentVersion())).count(),
                "no node was upgraded, as the plan said");
        assertEquals(3, st.nodes().stream().filter(n -> n.phase() == io.nkd.status.MachinePhase.FETCHED).count(),
                "and every node runs on (it fetched its older config)");
    }

    @Test
    void upgradeKubernetes() throws Exception {
        d.edit(FILE, "version: v1.31.4", "version: v1.31.5");
        d.commit("k8s");
        Plan plan = d.plan("initial", "k8s");
        Action.UpgradeKubernetes k = cluster(plan).actions(Action.UpgradeKubernetes.class).get(0);
        assertEquals("v1.31.5", k.to());
        assertEquals(Effect.NOT_APPLIED, k.effect());
        ClusterStatus st = applyAndCompare(plan, "initial", "k8s");
        assertEquals(Phase.ROLLOUT_PENDING, st.phase());
        assertEquals(Reasons.ROLLOUT_PENDING, st.condition("Ready").reason());
    }

    @Test
    void applyAddons() throws Exception {
        d.write("clusters/" + CLUSTER + "/manifests/metrics/sa.yaml", "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: m\n");
        d.edit(FILE, "  upgrade:\n", "  addons:\n    - name: metrics\n      manifests: [metrics/]\n  upgrade:\n");
        d.commit("addon");
        Plan plan = d.plan("initial", "addon");
        ClusterPlan c = cluster(plan);
        Action.ApplyAddons addons = c.actions(Action.ApplyAddons.class).get(0);
        assertEquals(List.of("metrics"), addons.apply());
        assertEquals(Effect.NOT_APPLIED, addons.effect());
        assertTrue(addons.reason().contains("nkd does not apply add-on manifests yet"), addons.reason());
        assertEquals(1, c.actions().size());

        ClusterStatus before = d.apply("initial");
        ClusterStatus st = applyAndCompare(plan, "initial", "addon");
        assertEquals(Phase.READY, st.phase());
        assertEquals(before.pools(), st.pools(), "nothing of the add-on reaches the nodes");
    }

    @Test
    void refusal() throws Exception {
        d.edit(FILE, "version: v1.31.4", "version: v1.30.8");
        d.edit(FILE, "image: nestos-24.09-k8s-1.31", "image: nestos-24.03-k8s-1.30");
        d.commit("downgrade");
        Plan plan = d.plan("initial", "downgrade");
        Action.Refusal r = cluster(plan).refusals().get(0);
        assertEquals("KubernetesDowngrade", r.code());
        assertEquals(1, cluster(plan).actions().size());

        ClusterStatus st = applyAndCompare(plan, "initial", "downgrade");
        assertEquals(Reasons.CHANGE_REFUSED, st.lastError().reason());
        assertTrue(st.lastError().message().contains(r.message()), st.lastError().message());
        assertEquals(d.id("initial"), st.appliedRevision(), "the last good commit stays applied");
        assertEquals(Phase.DEGRADED, st.phase());
        assertEquals(Condition.Status.FALSE, st.condition("Ready").status());
    }

    private static ClusterPlan cluster(Plan plan) {
        return plan.clusters().stream().filter(c -> c.cluster().equals(CLUSTER)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + CLUSTER + " in the plan"));
    }

    private static Set<String> names(ClusterPlan c, Class<? extends Action> type, Effect effect) {
        return c.actions().stream().filter(type::isInstance).filter(a -> a.effect() == effect)
                .map(a -> a instanceof Action.CreateMachine m ? m.machine().name() : ((Action.DeleteMachine) a).machine().name())
                .collect(Collectors.toCollection(TreeSet::new));
    }

    private static Set<String> minus(Set<String> a, Set<String> b) {
        Set<String> out = new TreeSet<>(a);
        out.removeAll(b);
        return out;
    }

    private static Set<String> intersect(Set<String> a, Set<String> b) {
        Set<String> out = new TreeSet<>(a);
        out.retainAll(b);
        assertNotNull(out);
        return out;
    }
}
