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

    /**
     * Applies the base, then the head, and checks the plan's machine and config actions against what happened: the
     * machines created, deleted (scaled away or pruned) and replaced, and the very calls the daemon made to the
     * provider, in the plan's order (deletes newest first, orphans, creates, then each replacement as the old machine's
     * delete followed by the new one's create, each started only while every other machine was active).
     */
    private ClusterStatus applyAndCompare(Plan plan, String base, String head) throws Exception {
        ClusterStatus before = base == null ? null : d.apply(base);
        Map<String, ProvisionedMachine> was = d.machines();
        d.calls.clear();
        ClusterStatus after = d.apply(head);
        Map<String, ProvisionedMachine> now = d.machines();
        ClusterPlan c = cluster(plan);
        assertEquals(names(c, Action.CreateMachine.class, Effect.APPLIED), minus(now.keySet(), was.keySet()),
                "the machines the plan creates are the ones the daemon created");
        Set<String> deleted = new TreeSet<>(names(c, Action.DeleteMachine.class, Effect.APPLIED));
        deleted.addAll(names(c, Action.OrphanMachine.class, Effect.APPLIED));
        assertEquals(deleted, minus(was.keySet(), now.keySet()), "the machines the plan deletes and prunes are the ones the daemon deleted");
        Set<String> replaced = names(c, Action.ReplaceMachine.class, Effect.APPLIED);
        for (String kept : intersect(was.keySet(), now.keySet())) {
            boolean recreated = !was.get(kept).createdAt().equals(now.get(kept).createdAt());
            assertEquals(replaced.contains(kept), recreated, kept + (replaced.contains(kept) ? " was replaced, as planned" : " was not recreated"));
            assertEquals(replaced.contains(kept), !was.get(kept).revision().equals(now.get(kept).revision()));
        }
        List<String> expected = new java.util.ArrayList<>();
        for (Action a : c.actions()) {
            if (a.effect() != Effect.APPLIED) {
                continue;
            }
            if (a instanceof Action.DeleteMachine x) {
                expected.add("delete " + x.machine().name());
            } else if (a instanceof Action.OrphanMachine x) {
                expected.add("delete " + x.machine().name());
            } else if (a instanceof Action.CreateMachine x) {
                expected.add("create " + x.machine().name());
            } else if (a instanceof Action.ReplaceMachine x) {
                expected.add("delete " + x.from().name());
                expected.add("create " + x.to().name());
            }
        }
        List<SandboxDaemon.Call> calls = List.copyOf(d.calls);
        assertEquals(expected, calls.stream().map(SandboxDaemon.Call::toString).toList(),
                "the daemon calls the provider for exactly the plan's machine actions, in the plan's order");
        for (SandboxDaemon.Call call : calls) {
            if (call.verb().equals("delete") && replaced.contains(call.machine())) {
                assertEquals(Map.of(), call.others(), "a replacement starts only while every other machine is active: " + call);
            }
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
        cluster(plan).actions(Action.CreateMachine.class).forEach(x -> assertTrue(
                x.reason().contains("joins the running cluster with a fresh bootstrap token"), x.reason()));
        ClusterStatus st = applyAndCompare(plan, "initial", "scale-up");
        assertEquals(Phase.READY, st.phase());
        assertEquals(5, st.nodes().size());
    }

    @Test
    void deleteMachineNewestFirst() throws Exception {
        d.edit(FILE, "replicas: 2", "replicas: 4");
        d.commit("four");
        d.edit(FILE, "replicas: 4", "replicas: 1");
        d.commit("one");
        Plan plan = d.plan("four", "one");
        List<Action.DeleteMachine> deletes = cluster(plan).actions(Action.DeleteMachine.class);
        assertEquals(List.of("sandbox-demo-workers-4", "sandbox-demo-workers-3", "sandbox-demo-workers-2"),
                deletes.stream().map(x -> x.machine().name()).toList(), "newest first");
        deletes.forEach(x -> assertTrue(x.reason().contains("its node token is revoked"), x.reason()));
        deletes.forEach(x -> assertTrue(x.reason().contains("its node is drained first"), x.reason()));
        ClusterStatus st = applyAndCompare(plan, "four", "one");
        assertEquals(Phase.READY, st.phase());
        assertEquals(Set.of("sandbox-demo-control-plane-1", "sandbox-demo-workers-1"), d.machines().keySet());
        var tokens = d.tokens.list(CLUSTER);
        Set<String> gone = Set.of("sandbox-demo-workers-2", "sandbox-demo-workers-3", "sandbox-demo-workers-4");
        assertTrue(tokens.stream().filter(t -> gone.contains(t.node())).allMatch(io.nkd.server.TokenRecord::revoked),
                "the deleted machines' tokens are revoked, as the plan said: " + tokens);
        assertTrue(tokens.stream().filter(t -> !gone.contains(t.node())).noneMatch(io.nkd.server.TokenRecord::revoked));
    }

    private static final String BIGGER_WORKERS = "      role: worker\n      replicas: 2\n      machine: {cpus: 4, memoryMiB: 8192, diskGiB: 60}\n";

    @Test
    void replaceMachineNotAllowed() throws Exception {
        d.edit(FILE, "      role: worker\n      replicas: 2\n", BIGGER_WORKERS);
        d.commit("bigger-workers");
        Plan plan = d.plan("initial", "bigger-workers");
        List<Action.ReplaceMachine> held = cluster(plan).actions(Action.ReplaceMachine.class);
        assertEquals(List.of("sandbox-demo-workers-1", "sandbox-demo-workers-2"), held.stream().map(k -> k.to().name()).toList());
        held.forEach(k -> assertEquals(Effect.NOT_APPLIED, k.effect()));
        held.forEach(k -> assertTrue(k.reason().contains("spec.machinePolicy.replace is false"), k.reason()));
        assertTrue(cluster(plan).actions(Action.CreateMachine.class).isEmpty());
        assertTrue(cluster(plan).actions(Action.DeleteMachine.class).isEmpty());
        assertTrue(PlanFormat.TEXT.print(plan).contains("-/+ (not applied) replace machine sandbox-demo-workers-1 (size none → 4 CPUs"));

        ClusterStatus st = applyAndCompare(plan, "initial", "bigger-workers");
        assertEquals(Phase.READY, st.phase(), "the machines run on, as they were");
        assertTrue(d.calls.isEmpty(), "no provider call: " + d.calls);
        String machines = st.condition(StatusComputer.MACHINES_READY).message();
        assertTrue(machines.contains("replacements held (spec.machinePolicy.replace is false, or a control-plane node): "
                + "sandbox-demo-workers-1, sandbox-demo-workers-2"), "status names what the plan held back: " + machines);
    }

    @Test
    void replaceMachineAllowedOneAtATime() throws Exception {
        d.edit(FILE, "      role: worker\n      replicas: 2\n", BIGGER_WORKERS);
        d.edit(FILE, "  upgrade:\n", "  machinePolicy:\n    replace: true\n  upgrade:\n");
        d.commit("replace-workers");
        Plan plan = d.plan("initial", "replace-workers");
        List<Action.ReplaceMachine> replace = cluster(plan).actions(Action.ReplaceMachine.class);
        assertEquals(List.of("sandbox-demo-workers-1", "sandbox-demo-workers-2"), replace.stream().map(k -> k.to().name()).toList());
        replace.forEach(k -> assertEquals(Effect.APPLIED, k.effect()));
        replace.forEach(k -> assertEquals(List.of("size none → 4 CPUs, 8192 MiB, 60 GiB disk"), k.changes()));

        ClusterStatus st = applyAndCompare(plan, "initial", "replace-workers");
        assertEquals(Phase.READY, st.phase());
        for (String w : List.of("sandbox-demo-workers-1", "sandbox-demo-workers-2")) {
            assertEquals("4 CPUs, 8192 MiB, 60 GiB disk", d.machines().get(w).spec().size(), w + " was built with the new size");
            assertEquals(d.id("replace-workers"), d.machines().get(w).revision());
        }
        assertEquals("", d.machines().get("sandbox-demo-control-plane-1").spec().size(), "the control plane was not touched");
    }

    @Test
    void orphanKept() throws Exception {
        d.edit(FILE, "    - name: workers\n      role: worker\n      replicas: 2\n", "");
        d.commit("no-workers");
        Plan plan = d.plan("initial", "no-workers");
        List<Action.OrphanMachine> orphans = cluster(plan).actions(Action.OrphanMachine.class);
        assertEquals(List.of("sandbox-demo-workers-2", "sandbox-demo-workers-1"), orphans.stream().map(o -> o.machine().name()).toList());
        orphans.forEach(o -> assertEquals(Effect.NOT_APPLIED, o.effect()));
        orphans.forEach(o -> assertTrue(o.reason().contains("spec.machinePolicy.prune is false"), o.reason()));

        ClusterStatus st = applyAndCompare(plan, "initial", "no-workers");
        assertEquals(Phase.READY, st.phase());
        assertEquals(Set.of("sandbox-demo-control-plane-1", "sandbox-demo-workers-1", "sandbox-demo-workers-2"), d.machines().keySet(),
                "the orphans keep running");
        assertTrue(d.tokens.list(CLUSTER).stream().noneMatch(io.nkd.server.TokenRecord::revoked), "and keep their tokens");
        String machines = st.condition(StatusComputer.MACHINES_READY).message();
        assertTrue(machines.contains("orphans kept (their pool is not in Git; spec.machinePolicy.prune: true deletes them)"),
                "status says which machines run unmanaged and how to delete them: " + machines);
    }

    @Test
    void orphanPruned() throws Exception {
        d.edit(FILE, "    - name: workers\n      role: worker\n      replicas: 2\n", "");
        d.edit(FILE, "  upgrade:\n", "  machinePolicy:\n    prune: true\n  upgrade:\n");
        d.commit("prune-workers");
        Plan plan = d.plan("initial", "prune-workers");
        List<Action.OrphanMachine> orphans = cluster(plan).actions(Action.OrphanMachine.class);
        assertEquals(List.of("sandbox-demo-workers-2", "sandbox-demo-workers-1"), orphans.stream().map(o -> o.machine().name()).toList());
        orphans.forEach(o -> assertEquals(Effect.APPLIED, o.effect()));

        ClusterStatus st = applyAndCompare(plan, "initial", "prune-workers");
        assertEquals(Phase.READY, st.phase());
        assertEquals(Set.of("sandbox-demo-control-plane-1"), d.machines().keySet());
        assertTrue(d.tokens.list(CLUSTER).stream().filter(t -> t.node().contains("workers")).allMatch(io.nkd.server.TokenRecord::revoked),
                "the pruned machines' tokens are revoked");
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
        assertTrue(u.reason().contains("the 2 existing node(s) of the pool are marked as needing a replacement and keep running "
                + u.fromVersion()), u.reason());
        assertTrue(u.reason().contains("status shows RolloutPending until they are replaced"), u.reason());

        ClusterStatus st = applyAndCompare(plan, "initial", "motd");
        assertEquals(Phase.ROLLOUT_PENDING, st.phase(), "the plan announced RolloutPending");
        assertEquals(Reasons.ROLLOUT_PENDING, st.condition("Ready").reason());
        assertEquals(Condition.Status.FALSE, st.condition("Ready").status());
        assertEquals(Reasons.ROLLOUT_PENDING, st.condition(StatusComputer.UP_TO_DATE).reason());
        assertTrue(st.condition("Ready").message().contains("2 node(s) of pool workers fetched " + u.fromVersion() + ", desired "
                + u.toVersion()), st.condition("Ready").message());
        assertTrue(st.condition("Ready").message().contains("a change of Butane snippets only through a replacement of the machine"),
                st.condition("Ready").message());
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
        assertEquals(Effect.APPLIED, os.effect(), "spec.housekeeper.enabled defaults to true: nkd writes the Update");
        assertEquals(3, os.rollout().nodeCount());
        assertTrue(os.reason().contains("written to Update housekeeper-system/nkd") && os.reason().contains("starts now (no maintenance windows)"),
                os.reason());

        // this harness has no cluster API (WorkloadClusters.NONE): the daemon publishes the new configs and says the Update
        // waits for the API; RolloutUpdatesTest holds the plan's Update, window and order against the daemon's
        ClusterStatus st = applyAndCompare(plan, "initial", "os");
        assertEquals(Phase.ROLLOUT_PENDING, st.phase());
        assertTrue(st.condition("Ready").message().contains("nkd has not written the Housekeeper's Update of this cluster yet"),
                st.condition("Ready").message());
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
        assertEquals(Effect.APPLIED, k.effect());
        assertTrue(k.reason().contains("kubeVersion v1.31.5"), k.reason());
        ClusterStatus st = applyAndCompare(plan, "initial", "k8s");
        assertEquals(Phase.ROLLOUT_PENDING, st.phase());
        assertEquals(Reasons.ROLLOUT_PENDING, st.condition("Ready").reason(), "no cluster API in this harness: no Update yet");
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
        assertEquals(Effect.APPLIED, addons.effect());
        assertTrue(addons.reason().contains("applied with server-side apply"), addons.reason());
        assertEquals(List.of(new Action.AddonObjects("metrics", List.of("ServiceAccount m"), List.of(), List.of(), false)), addons.objects());
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
                .map(a -> a instanceof Action.CreateMachine m ? m.machine().name() : a instanceof Action.DeleteMachine x ? x.machine().name()
                        : a instanceof Action.OrphanMachine o ? o.machine().name() : ((Action.ReplaceMachine) a).to().name())
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
