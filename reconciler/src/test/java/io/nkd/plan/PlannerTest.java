package io.nkd.plan;

import static io.nkd.plan.Example.LAB;
import static io.nkd.plan.Example.PROD;
import static io.nkd.plan.Example.replace;
import static io.nkd.plan.PlanAssertions.actions;
import static io.nkd.plan.PlanAssertions.allFormats;
import static io.nkd.plan.PlanAssertions.assertContains;
import static io.nkd.plan.PlanAssertions.cluster;
import static io.nkd.plan.PlanAssertions.machineNames;
import static io.nkd.plan.PlanAssertions.pool;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nkd.plan.Action.Refusal;
import io.nkd.plan.Action.UpdatePoolConfig.Change;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Planner cases on edited in-memory copies of repo-layout/example; the Git history test covers the CLI path. */
class PlannerTest {
    private static final Example BASE = Example.load();
    private static final String PROD_CP = "replicas: 3\n      machine: {flavor: m1.large}";

    private static Plan plan(Example head) {
        return Planner.plan(BASE.snapshot(), head.snapshot());
    }

    @Test
    void theSameRevisionPlansNothing() {
        Plan plan = plan(BASE);
        assertEquals(Plan.EXIT_NO_CHANGES, plan.exitCode());
        assertFalse(plan.hasChanges());
        plan.clusters().forEach(c -> assertEquals(ClusterPlan.Status.UNCHANGED, c.status()));
        assertContains(PlanFormat.TEXT.print(plan), "Plan: no changes; nothing to apply (exit 0)");
        assertContains(PlanFormat.MARKDOWN.print(plan), "### nkd plan: ✅ no changes");
    }

    @Test
    void anInvalidHeadIsRefusedWithItsLocationAndPlansNothingElseForThatCluster() {
        Plan plan = plan(BASE.edit(PROD, replace("replicas: 3\n      machine: {flavor: m1.xlarge}",
                "replicas: 5\n      machin: {flavor: m1.xlarge}")));
        assertEquals(Plan.EXIT_ERRORS, plan.exitCode());
        ClusterPlan prod = cluster(plan, "openstack-prod");
        assertEquals(ClusterPlan.Status.REFUSED, prod.status());
        assertTrue(prod.actions().stream().allMatch(a -> a instanceof Refusal), "no machine is created for an invalid head");
        Refusal r = prod.refusals().get(0);
        assertEquals(Refusal.Kind.INVALID, r.kind());
        assertEquals(PROD, r.file());
        assertTrue(r.line() > 40 && r.column() > 0, r::toString);
        assertContains(r.message(), "did you mean \"machine\"");
        assertEquals(ClusterPlan.Status.UNCHANGED, cluster(plan, "sandbox-demo").status(), "other clusters are still planned");
        for (String out : allFormats(plan)) {
            assertContains(out, PROD + ":" + r.line() + ":" + r.column());
        }
    }

    @Test
    void anInvalidSnippetIsRefusedAtTheSnippet() {
        Plan plan = plan(BASE.edit("clusters/openstack-prod/butane/all/10-chrony.bu", replace("mode: 0644", "mode: bad")));
        Refusal r = cluster(plan, "openstack-prod").refusals().get(0);
        assertEquals("clusters/openstack-prod/butane/all/10-chrony.bu", r.file());
        assertEquals(Plan.EXIT_ERRORS, plan.exitCode());
    }

    @Test
    void skippingAKubernetesMinorIsRefusedAsAnUnsafeStep() {
        Plan plan = plan(BASE.edit(PROD, replace("version: v1.31.4", "version: v1.33.1")));
        Refusal r = cluster(plan, "openstack-prod").refusals().get(0);
        assertEquals(Refusal.Kind.UNSAFE_STEP, r.kind());
        assertEquals("KubernetesMinorSkip", r.code());
        assertEquals(1, cluster(plan, "openstack-prod").actions().size());
    }

    @Test
    void aRepositoryLevelErrorFailsThePlan() {
        Plan plan = plan(BASE.write("images/more.yaml", """
                apiVersion: nkd.io/v1alpha1
                kind: ImageCatalog
                images:
                  - name: nestos-24.09-k8s-1.31
                    osImageURL: hub.oepkgs.net/nestos/nestos@sha256:1111111111111111111111111111111111111111111111111111111111111111
                    osVersion: "24.09.1"
                    kubernetesVersion: v1.31.4
                """));
        assertEquals(Plan.EXIT_ERRORS, plan.exitCode());
        assertEquals("DuplicateImage", plan.repositoryErrors().get(0).code());
        assertEquals(Refusal.REPOSITORY, plan.repositoryErrors().get(0).cluster());
        assertContains(PlanFormat.MARKDOWN.print(plan), "#### ⛔ Refused");
    }

    @Test
    void explicitMachinesWhoseMacOrSizeChangesPlanReplacementsThatThePolicyHolds() {
        Plan plan = plan(BASE.edit(LAB, replace("- hostname: lab-worker-2\n          ip: 192.168.122.22",
                "- hostname: lab-worker-2\n          ip: 192.168.122.22\n          mac: 52:54:00:00:00:02"))
                .edit(LAB, replace("machine: {cpus: 2, memoryMiB: 4096, diskGiB: 40}\n  access",
                        "machine: {cpus: 4, memoryMiB: 8192, diskGiB: 40}\n  access")));
        List<Action.ReplaceMachine> replaced = actions(plan, "libvirt-lab", Action.ReplaceMachine.class);
        assertEquals(List.of("lab-worker-1", "lab-worker-2"), machineNames(replaced));
        assertEquals(List.of("size 2 CPUs, 4096 MiB, 40 GiB disk → 4 CPUs, 8192 MiB, 40 GiB disk"), replaced.get(0).changes());
        assertEquals(List.of("size 2 CPUs, 4096 MiB, 40 GiB disk → 4 CPUs, 8192 MiB, 40 GiB disk", "MAC none → 52:54:00:00:00:02"),
                replaced.get(1).changes());
        assertEquals(Action.Effect.NOT_APPLIED, replaced.get(0).effect());
        assertContains(replaced.get(0).reason(), "NOT applied: spec.machinePolicy.replace is false (the default)");
        assertContains(replaced.get(0).reason(), "set spec.machinePolicy.replace: true to replace it");
        assertTrue(actions(plan, "libvirt-lab", Action.CreateMachine.class).isEmpty(), "nothing is created");
        assertTrue(actions(plan, "libvirt-lab", Action.DeleteMachine.class).isEmpty(), "nothing is deleted");
        assertContains(PlanFormat.TEXT.print(plan), "-/+ (not applied) replace machine lab-worker-2 (size 2 CPUs, 4096 MiB, 40 GiB disk"
                + " → 4 CPUs, 8192 MiB, 40 GiB disk; MAC none → 52:54:00:00:00:02)");
        assertContains(plan.tally().describe(), "2 machine(s) to replace (2 not applied, see each reason)");
        assertContains(PlanFormat.MARKDOWN.print(plan), "| `libvirt-lab` | changed | 0 / 0 / 2 (2 held) / 0 |");
        assertTrue(actions(plan, "libvirt-lab", Action.UpdatePoolConfig.class).isEmpty(), "sizes are not in the Ignition");
    }

    @Test
    void withReplaceOnWorkersAreReplacedButNeverTheControlPlane() {
        String bigger = "machine: {cpus: 4, memoryMiB: 8192, diskGiB: 60}";
        Example sized = BASE.edit(Example.SANDBOX, replace("      replicas: 1\n", "      replicas: 1\n      " + bigger + "\n"))
                .edit(Example.SANDBOX, replace("      replicas: 2\n", "      replicas: 2\n      " + bigger + "\n"));
        Plan held = plan(sized);
        assertEquals(3, actions(held, "sandbox-demo", Action.ReplaceMachine.class).size());
        actions(held, "sandbox-demo", Action.ReplaceMachine.class).forEach(r -> assertEquals(Action.Effect.NOT_APPLIED, r.effect()));

        Plan allowed = plan(sized.edit(Example.SANDBOX, replace("  upgrade:\n", "  machinePolicy:\n    replace: true\n  upgrade:\n")));
        List<Action.ReplaceMachine> replaced = actions(allowed, "sandbox-demo", Action.ReplaceMachine.class);
        assertEquals(List.of("sandbox-demo-control-plane-1", "sandbox-demo-workers-1", "sandbox-demo-workers-2"), machineNames(replaced));
        Action.ReplaceMachine cp = replaced.get(0);
        assertEquals(Action.Effect.NOT_APPLIED, cp.effect());
        assertContains(cp.reason(), "nkd does not replace control-plane nodes yet, whatever spec.machinePolicy.replace says");
        for (Action.ReplaceMachine worker : replaced.subList(1, 3)) {
            assertEquals(Action.Effect.APPLIED, worker.effect());
            assertEquals(List.of("size none → 4 CPUs, 8192 MiB, 60 GiB disk"), worker.changes());
            assertContains(worker.reason(), "the daemon deletes the machine, then creates it again under the same node name");
            assertContains(worker.reason(), "one machine at a time");
            assertContains(worker.reason(), "its node is drained first");
        }
        assertContains(String.join("\n", cluster(allowed, "sandbox-demo").notes()), "spec.machinePolicy.replace turns on");
        assertContains(allowed.tally().describe(), "3 machine(s) to replace (1 not applied, see each reason)");
        String json = PlanFormat.JSON.print(allowed);
        assertContains(json, "\"machinesReplaced\": 3");
        assertContains(json, "\"type\": \"ReplaceMachine\"");
        assertContains(json, "\"changes\": [\n");
        assertContains(PlanFormat.MARKDOWN.print(allowed), "🔁 **not applied:** replace machine sandbox-demo-control-plane-1");
    }

    @Test
    void scalingDownDrainsThenDeletesTheHighestNumberedNodesNewestFirst() {
        Example four = BASE.edit(Example.SANDBOX, replace("replicas: 2", "replicas: 4"));
        Plan plan = Planner.plan(four.snapshot(), BASE.edit(Example.SANDBOX, replace("replicas: 2", "replicas: 1")).snapshot());
        List<Action.DeleteMachine> deleted = actions(plan, "sandbox-demo", Action.DeleteMachine.class);
        assertEquals(List.of("sandbox-demo-workers-4", "sandbox-demo-workers-3", "sandbox-demo-workers-2"), machineNames(deleted));
        for (Action.DeleteMachine d : deleted) {
            assertEquals(Action.Effect.APPLIED, d.effect());
            assertContains(d.reason(), "pool workers shrinks from 4 to 1 replicas: sandbox-demo-workers-4, sandbox-demo-workers-3, "
                    + "sandbox-demo-workers-2 go, newest first");
            assertContains(d.reason(), "its node is drained first: when the cluster's API answers, nkd cordons the node");
            assertContains(d.reason(), "its node token is revoked");
        }
    }

    @Test
    void aRemovedPoolsMachinesAreOrphansKeptUnlessPruningIsOn() {
        Example noWorkers = BASE.edit(Example.SANDBOX, replace("    - name: workers\n      role: worker\n      replicas: 2\n", ""));
        Plan plan = plan(noWorkers);
        List<Action.OrphanMachine> orphans = actions(plan, "sandbox-demo", Action.OrphanMachine.class);
        assertEquals(List.of("sandbox-demo-workers-2", "sandbox-demo-workers-1"), machineNames(orphans));
        orphans.forEach(o -> assertFalse(o.pruned()));
        assertContains(orphans.get(0).reason(), "NOT applied: spec.machinePolicy.prune is false (the default), so it keeps running");
        assertTrue(actions(plan, "sandbox-demo", Action.DeleteMachine.class).isEmpty(), "nothing is deleted");
        assertContains(plan.tally().describe(), "2 orphan machine(s) kept");
        Action.UpdatePoolConfig removed = pool(plan, "sandbox-demo", "workers");
        assertEquals(Change.REMOVED, removed.change());
        assertNull(removed.toVersion());
        assertEquals("", removed.diff());

        Plan pruned = plan(noWorkers.edit(Example.SANDBOX, replace("  upgrade:\n", "  machinePolicy: {prune: true}\n  upgrade:\n")));
        List<Action.OrphanMachine> gone = actions(pruned, "sandbox-demo", Action.OrphanMachine.class);
        assertEquals(List.of("sandbox-demo-workers-2", "sandbox-demo-workers-1"), machineNames(gone));
        gone.forEach(o -> assertTrue(o.pruned()));
        assertContains(gone.get(0).reason(), "spec.machinePolicy.prune is true: the daemon deletes it");
        assertContains(gone.get(0).reason(), "its node is drained first");
        assertContains(pruned.tally().describe(), "2 orphan machine(s) to prune");
        assertContains(PlanFormat.JSON.print(pruned), "\"orphansPruned\": 2");
        assertContains(PlanFormat.JSON.print(plan), "\"orphansKept\": 2");
        assertContains(PlanFormat.JSON.print(plan), "\"type\": \"OrphanMachine\"");
        assertContains(String.join("\n", cluster(pruned, "sandbox-demo").notes()), "spec.machinePolicy.prune turns on");
        assertContains(PlanFormat.TEXT.print(pruned), "  - delete orphan machine sandbox-demo-workers-2 (pool workers is no longer in Git)");
    }

    @Test
    void aPolicyTurningOnAloneIsAChangeToReviewNotNothingToApply() {
        // the daemon then replaces or prunes machines of earlier commits, which the plan cannot list: a CI gate on
        // exit 0 must not let that through as "nothing to apply"
        Plan on = plan(BASE.edit(Example.SANDBOX, replace("  upgrade:\n", "  machinePolicy: {replace: true, prune: true}\n  upgrade:\n")));
        assertTrue(on.actions().isEmpty(), "no action is listed: " + on.actions());
        assertEquals(ClusterPlan.Status.CHANGED, cluster(on, "sandbox-demo").status());
        assertTrue(on.hasChanges());
        assertEquals(Plan.EXIT_CHANGES, on.exitCode());
        String text = PlanFormat.TEXT.print(on);
        assertContains(text, "Plan: spec.machinePolicy turns on: no action listed, but the daemon may replace or prune machines "
                + "of earlier commits (see the notes); changes to review (exit 2)");
        assertContains(text, "note: spec.machinePolicy.replace turns on");
        assertContains(text, "note: spec.machinePolicy.prune turns on");
        assertContains(PlanFormat.JSON.print(on), "\"hasChanges\": true");
        assertContains(PlanFormat.MARKDOWN.print(on), "changes to review");

        // turning a policy off stops the daemon from acting: nothing to review
        Plan off = Planner.plan(BASE.edit(Example.SANDBOX, replace("  upgrade:\n", "  machinePolicy: {prune: true}\n  upgrade:\n")).snapshot(),
                BASE.snapshot());
        assertEquals(ClusterPlan.Status.UNCHANGED, cluster(off, "sandbox-demo").status());
        assertEquals(Plan.EXIT_NO_CHANGES, off.exitCode());
    }

    @Test
    void upgradesShowWhatGatesThemPausedWindowsOrAnyTime() {
        Example upgraded = BASE.edit("images/nestos.yaml", text -> text + """
                  - name: nestos-24.09.1-k8s-1.31
                    osImageURL: hub.oepkgs.net/nestos/nestos@sha256:2222222222222222222222222222222222222222222222222222222222222222
                    osVersion: "24.09.20250110"
                    kubernetesVersion: v1.31.4
                """).edit(Example.SANDBOX, replace("image: nestos-24.09-k8s-1.31", "image: nestos-24.09.1-k8s-1.31"));
        Rollout anyTime = actions(plan(upgraded), "sandbox-demo", Action.UpgradeOs.class).get(0).rollout();
        assertEquals("any time (no maintenance windows)", anyTime.gate());
        assertEquals(List.of(List.of("sandbox-demo-control-plane-1"), List.of("sandbox-demo-workers-1"), List.of("sandbox-demo-workers-2")),
                anyTime.batches().stream().map(Rollout.Batch::nodes).toList());

        Rollout held = actions(plan(upgraded.edit(Example.SANDBOX, replace("maxUnavailable: 1", "maxUnavailable: 2\n    paused: true"))),
                "sandbox-demo", Action.UpgradeOs.class).get(0).rollout();
        assertTrue(held.upgradePaused());
        assertEquals(List.of("sandbox-demo-workers-1", "sandbox-demo-workers-2"), held.batches().get(1).nodes());
        assertContains(held.gate(), "held: spec.upgrade.paused is true");

        Plan paused = plan(upgraded.edit(Example.SANDBOX, replace("spec:\n", "spec:\n  paused: true\n")));
        assertContains(actions(paused, "sandbox-demo", Action.UpgradeOs.class).get(0).rollout().gate(), "held: spec.paused is true");
        assertContains(String.join("\n", cluster(paused, "sandbox-demo").notes()), "spec.paused is true");
    }

    @Test
    void addonManifestChangesAreDiffedAndNewAddonsListed() {
        String calico = "clusters/openstack-prod/manifests/cni/calico.yaml";
        String sa = "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: metrics-server\n  namespace: kube-system\n";
        Plan plan = plan(BASE.edit(calico, text -> text + "# tuned MTU\n")
                .write("clusters/openstack-prod/manifests/metrics/metrics-server.yaml", sa)
                .edit(PROD, replace("manifests: [cni/]", "manifests: [cni/]\n    - name: metrics-server\n      manifests: [metrics/]")));
        Action.ApplyAddons addons = actions(plan, "openstack-prod", Action.ApplyAddons.class).get(0);
        assertEquals(List.of("calico", "metrics-server"), addons.apply());
        assertEquals(Action.Effect.APPLIED, addons.effect());
        assertContains(addons.diff(), "--- a/" + calico + "\n+++ b/" + calico + "\n");
        assertContains(addons.diff(), "\n+# tuned MTU\n");
        assertFalse(addons.diff().contains("ServiceAccount"), "a new add-on's files are listed, not printed");
        assertContains(addons.reason(), "add-on metrics-server is new (clusters/openstack-prod/manifests/metrics/metrics-server.yaml): "
                + "+ ServiceAccount kube-system/metrics-server");
        assertContains(addons.reason(), "add-on calico: manifests changed (" + calico + ")");
        assertContains(addons.reason(), "applied with server-side apply (field manager nkd, conflicts forced: Git wins) once the "
                + "cluster's API is up; removed objects are pruned only with prune: true");
        assertEquals(List.of(new Action.AddonObjects("calico", List.of(), List.of(), List.of(), false),
                new Action.AddonObjects("metrics-server", List.of("ServiceAccount kube-system/metrics-server"), List.of(), List.of(), false)),
                addons.objects(), "a comment is no change to calico's objects; the new add-on adds one");

        Example withMetrics = BASE.edit(PROD, replace("manifests: [cni/]", "manifests: [cni/]\n    - name: metrics-server\n"
                + "      manifests: [metrics/]\n      prune: true")).write("clusters/openstack-prod/manifests/metrics/metrics-server.yaml", sa);
        Plan back = Planner.plan(withMetrics.snapshot(), BASE.snapshot());
        Action.ApplyAddons removed = actions(back, "openstack-prod", Action.ApplyAddons.class).get(0);
        assertEquals(List.of("metrics-server"), removed.removed());
        assertEquals(List.of(new Action.AddonObjects("metrics-server", List.of(), List.of(), List.of("ServiceAccount kube-system/metrics-server"), true)),
                removed.objects());
        assertContains(removed.reason(), "add-on metrics-server is no longer listed in spec.addons: - ServiceAccount kube-system/metrics-server"
                + " (pruned: prune is true)");
    }

    @Test
    void objectsChangedAndRemovedPerAddonAndInvalidManifestsRefusedAtTheirLine() {
        String calico = "clusters/openstack-prod/manifests/cni/calico.yaml";
        Plan plan = plan(BASE.edit(calico, text -> text.replace("name: calico-system", "name: calico-system\n  labels: {a: b}")
                + "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: mtu, namespace: calico-system}\n"));
        Action.ApplyAddons addons = actions(plan, "openstack-prod", Action.ApplyAddons.class).get(0);
        assertEquals(List.of(new Action.AddonObjects("calico", List.of("ConfigMap calico-system/mtu"), List.of("Namespace calico-system"),
                List.of(), false)), addons.objects());

        Plan removed = Planner.plan(BASE.edit(calico, text -> text + "---\napiVersion: v1\nkind: ConfigMap\n"
                + "metadata: {name: mtu, namespace: calico-system}\n").snapshot(), BASE.snapshot());
        assertContains(actions(removed, "openstack-prod", Action.ApplyAddons.class).get(0).reason(),
                "add-on calico: manifests changed (" + calico + "): - ConfigMap calico-system/mtu (left running: prune is off)");

        Plan invalid = plan(BASE.edit(calico, text -> text + "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  labels: {}\n"));
        Action.Refusal r = cluster(invalid, "openstack-prod").refusals().get(0);
        assertEquals(calico + ":11:3", r.location());
        assertContains(r.message(), "metadata.name is required");
        assertEquals(Plan.EXIT_ERRORS, invalid.exitCode());
    }

    @Test
    void anInvalidBaseIsPlannedAsNewWithANote() {
        Example broken = BASE.edit(LAB, replace("version: v1.30.8", "version: 1.30"));
        Plan plan = Planner.plan(broken.snapshot(), BASE.snapshot());
        ClusterPlan lab = cluster(plan, "libvirt-lab");
        assertEquals(ClusterPlan.Status.ADDED, lab.status());
        assertContains(lab.notes().get(0), "the base revision of this cluster is invalid");
        Action.ApplyAddons addons = lab.actions(Action.ApplyAddons.class).get(0);
        assertEquals(List.of("housekeeper", "flannel"), addons.apply(), "a new cluster lists the Housekeeper first, then its add-ons");
        Action.AddonObjects housekeeper = addons.objects().get(0);
        assertEquals("CustomResourceDefinition updates.housekeeper.io", housekeeper.added().get(0));
        assertTrue(housekeeper.added().contains("Deployment housekeeper-system/housekeeper-operator"), housekeeper.added().toString());
        assertContains(addons.reason(), "the Housekeeper (spec.housekeeper.enabled) of nkd ");
        assertEquals(Action.Effect.APPLIED, addons.effect());
    }

    @Test
    void aPausedClusterPlansItsChangesButMarksThemNotApplied() {
        Plan plan = plan(BASE.edit(Example.SANDBOX, replace("spec:\n", "spec:\n  paused: true\n"))
                .edit(Example.SANDBOX, replace("replicas: 2", "replicas: 3")));
        Action.CreateMachine create = actions(plan, "sandbox-demo", Action.CreateMachine.class).get(0);
        assertEquals(Action.Effect.NOT_APPLIED, create.effect(), "the daemon stops a paused cluster at SelectCluster");
        assertContains(create.reason(), "NOT applied while spec.paused is true");
        assertContains(plan.tally().describe(), "(1 not applied, see each reason)");
    }

    @Test
    void removingAnOpenStackClusterLeavesItsMachinesRunningAndNamesNkdDestroy() {
        Plan plan = plan(BASE.remove("clusters/openstack-prod"));
        Action.UnmanageCluster prod = actions(plan, "openstack-prod", Action.UnmanageCluster.class).get(0);
        assertEquals(6, prod.machines(), "3 control-plane nodes and 3 workers were created on OpenStack");
        assertEquals("STOP MANAGING cluster openstack-prod: nothing is deleted, its 6 machine(s) on openstack keep running unmanaged",
                prod.summary());
        assertContains(prod.reason(), "nkd destroy openstack-prod --state-dir DIR --confirm openstack-prod");
        assertEquals(1, cluster(plan, "openstack-prod").actions().size(), "no machine deletions, no config withdrawals");
    }
}
