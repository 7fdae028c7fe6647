package io.nkd.plan;

import static io.nkd.plan.PlanAssertions.actions;
import static io.nkd.plan.PlanAssertions.allFormats;
import static io.nkd.plan.PlanAssertions.assertContains;
import static io.nkd.plan.PlanAssertions.cluster;
import static io.nkd.plan.PlanAssertions.machineNames;
import static io.nkd.plan.PlanAssertions.pool;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nkd.plan.Action.UpdatePoolConfig.Change;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Plans between commits of a real Git history (see {@link PlanHistory}), the way a pull request is reviewed. */
class PlanHistoryTest {
    @TempDir
    static Path tmp;
    static PlanHistory history;

    @BeforeAll
    static void history() throws Exception {
        history = PlanHistory.build(tmp.resolve("config"));
    }

    @Test
    void scalingUpCreatesTheNextNumberedWorkersAndNothingElse() throws Exception {
        Plan plan = history.plan("initial", "scale-workers");
        assertEquals(List.of("openstack-prod-workers-4", "openstack-prod-workers-5"),
                machineNames(actions(plan, "openstack-prod", Action.CreateMachine.class)));
        assertEquals(2, plan.actions().size(), "replicas are not in the Ignition, so no pool config changes");
        assertContains(plan.actions().get(0).reason(), "pool workers grows from 3 to 5 replicas");
        assertEquals(Action.Effect.APPLIED, plan.actions().get(0).effect(), "this nkd has an openstack provider");
        assertEquals(Plan.EXIT_CHANGES, plan.exitCode());
        for (String out : allFormats(plan)) {
            assertContains(out, "openstack-prod-workers-5");
        }
    }

    @Test
    void aSnippetChangeShowsTheDecodedFileContentsInEveryFormat() throws Exception {
        Plan plan = history.plan("scale-workers", "chrony-snippet");
        for (String p : List.of("control-plane", "workers")) {
            Action.UpdatePoolConfig u = pool(plan, "openstack-prod", p);
            assertEquals(Change.CHANGED, u.change());
            assertTrue(u.fromVersion().startsWith("rendered-" + p + "-") && u.toVersion().startsWith("rendered-" + p + "-"));
            assertEquals(List.of("            | server ntp3.example.com iburst"), Inverse.changedLines(u.diff(), '+'), u.diff());
            assertEquals(List.of(), Inverse.changedLines(u.diff(), '-'), "gzip replacing plain encoding is no change");
            assertContains(u.diff(), "--- a/openstack-prod/pools/" + p + ".ign\t" + u.fromVersion() + "\n");
        }
        Action.UpdatePoolConfig workers = pool(plan, "openstack-prod", "workers");
        List<String> outputs = allFormats(plan);
        for (String out : outputs) {
            assertContains(out, workers.fromVersion());
            assertContains(out, workers.toVersion());
            assertContains(out, "+            | server ntp3.example.com iburst");
        }
        String markdown = outputs.get(1);
        assertContains(markdown, "<details><summary>Pool <code>workers</code>: <code>" + workers.fromVersion());
        assertContains(markdown, "```diff\n--- a/openstack-prod/pools/workers.ign");
    }

    @Test
    void anOsUpgradeRollsThroughTheControlPlaneOneByOneThenWorkersInBatches() throws Exception {
        Plan plan = history.plan("chrony-snippet", "os-upgrade");
        Action.UpgradeOs os = actions(plan, "openstack-prod", Action.UpgradeOs.class).get(0);
        assertEquals(new OsImage("nestos-24.09-k8s-1.31",
                "hub.oepkgs.net/nestos/nestos@sha256:9c1e7a5b3d2f0e8c6a4b2d0f9e7c5a3b1d9f8e6c4a2b0d8f6e4c2a0b9d7f5e3c",
                "24.09.20241120", "v1.31.4"), os.from());
        assertEquals("24.09.20250110", os.to().osVersion());
        assertEquals("upgrade", os.direction());
        assertEquals(List.of(List.of("openstack-prod-control-plane-1"), List.of("openstack-prod-control-plane-2"),
                        List.of("openstack-prod-control-plane-3"), List.of("openstack-prod-workers-1", "openstack-prod-workers-2"),
                        List.of("openstack-prod-workers-3", "openstack-prod-workers-4"), List.of("openstack-prod-workers-5")),
                os.rollout().batches().stream().map(Rollout.Batch::nodes).toList());
        assertEquals(List.of(new Rollout.Window("0 0 1 ? * SAT", "4h", "Europe/Berlin")), os.rollout().windows());
        assertTrue(actions(plan, "openstack-prod", Action.UpgradeKubernetes.class).isEmpty());
        assertContains(Inverse.changedLines(pool(plan, "openstack-prod", "workers").diff(), '+').toString(), os.to().osImageURL());
        List<String> outputs = allFormats(plan);
        assertContains(outputs.get(0), "4. worker: openstack-prod-workers-1, openstack-prod-workers-2\n");
        assertContains(outputs.get(0), "rollout of 8 existing node(s) through the Housekeeper (nkd writes Update housekeeper-system/nkd), "
                + "starting only inside a maintenance window: \"0 0 1 ? * SAT\" for 4h (Europe/Berlin), in this order:");
        assertEquals(Action.Effect.APPLIED, os.effect(), "housekeeper.enabled: nkd writes the Update");
        assertContains(os.reason(), "written to Update housekeeper-system/nkd (osImageURL " + os.to().osImageURL() + ", kubeVersion v1.31.4)");
        assertContains(os.reason(), "the Housekeeper moves the 8 existing node(s) in this order: 1. openstack-prod-control-plane-1; "
                + "2. openstack-prod-control-plane-2; 3. openstack-prod-control-plane-3; 4. openstack-prod-workers-1, openstack-prod-workers-2;");
        assertContains(os.reason(), "starts inside the next maintenance window: \"0 0 1 ? * SAT\" for 4h (Europe/Berlin) "
                + "(nkd writes the Update when it opens)");
        assertContains(outputs.get(1), "6. worker: `openstack-prod-workers-5`\n");
        assertContains(outputs.get(2), "\"schedule\": \"0 0 1 ? * SAT\"");
    }

    @Test
    void aRevertCommitPlansTheInverse() throws Exception {
        Plan forward = history.plan("chrony-snippet", "os-upgrade");
        Plan revert = history.plan("os-upgrade", "revert-os-upgrade");
        assertEquals(Inverse.inverseKeys(forward), Inverse.keys(revert));
        Action.UpgradeOs rollback = actions(revert, "openstack-prod", Action.UpgradeOs.class).get(0);
        assertEquals("downgrade", rollback.direction());
        assertEquals(Action.Effect.APPLIED, rollback.effect(), "an OS rollback is allowed: the Update is retargeted");
        assertContains(rollback.reason(), "written to Update housekeeper-system/nkd (osImageURL " + rollback.to().osImageURL());
        assertContains(rollback.reason(), "the Housekeeper's agent runs rpm-ostree rollback (nothing to download)");
        for (String p : List.of("control-plane", "workers")) {
            String there = pool(forward, "openstack-prod", p).diff();
            String back = pool(revert, "openstack-prod", p).diff();
            assertEquals(Inverse.changedLines(there, '+'), Inverse.changedLines(back, '-'));
            assertEquals(Inverse.changedLines(there, '-'), Inverse.changedLines(back, '+'));
        }
        assertEquals(Plan.EXIT_NO_CHANGES, history.plan("chrony-snippet", "revert-os-upgrade").exitCode());
        Plan scale = history.plan("initial", "scale-workers");
        assertEquals(Inverse.inverseKeys(scale), Inverse.keys(history.plan("scale-workers", "initial")));
    }

    @Test
    void aKubernetesMinorUpgradeWithItsImageIsAllowedAndItsReverseIsRefused() throws Exception {
        Plan plan = history.plan("revert-os-upgrade", "lab-kubernetes-1.31");
        assertEquals(Plan.EXIT_CHANGES, plan.exitCode());
        Action.UpgradeKubernetes kube = actions(plan, "libvirt-lab", Action.UpgradeKubernetes.class).get(0);
        assertEquals("v1.30.8", kube.from());
        assertEquals("v1.31.4", kube.to());
        Action.UpgradeOs os = actions(plan, "libvirt-lab", Action.UpgradeOs.class).get(0);
        assertEquals("v1.31.4", os.to().kubernetesVersion());
        assertEquals(kube.rollout(), os.rollout(), "one rollout carries both");
        assertEquals(List.of(List.of("lab-cp-1"), List.of("lab-worker-1"), List.of("lab-worker-2")),
                kube.rollout().batches().stream().map(Rollout.Batch::nodes).toList(),
                "the new lab-storage-1 boots the new version instead; lab-worker-2 keeps running (its new address is not applied)");
        Action.ReplaceMachine moved = actions(plan, "libvirt-lab", Action.ReplaceMachine.class).get(0);
        assertEquals("lab-worker-2", moved.to().name());
        assertEquals(Action.Effect.NOT_APPLIED, moved.effect(), "spec.machinePolicy.replace is off in the example");
        assertContains(moved.reason(), "set spec.machinePolicy.replace: true to replace it");
        assertEquals(List.of("lab-storage-1"), machineNames(actions(plan, "libvirt-lab", Action.CreateMachine.class)));
        Action.UpdatePoolConfig storage = pool(plan, "libvirt-lab", "storage");
        assertEquals(Change.ADDED, storage.change());
        assertContains(storage.diff(), "--- /dev/null\n+++ b/libvirt-lab/pools/storage.ign\t" + storage.toVersion() + "\n@@ -0,0 +1,");
        assertContains(storage.diff(), "+            | This node serves the lab's block storage.\n");
        assertContains(pool(plan, "libvirt-lab", "control-plane").diff(), "+            | kubernetesVersion: \"v1.31.4\"");
        Action.ApplyAddons addons = actions(plan, "libvirt-lab", Action.ApplyAddons.class).get(0);
        assertEquals(List.of("metrics-server"), addons.apply());
        allFormats(plan);

        Plan reverse = history.plan("lab-kubernetes-1.31", "revert-os-upgrade");
        assertEquals("KubernetesDowngrade", cluster(reverse, "libvirt-lab").refusals().get(0).code());
        assertEquals(Plan.EXIT_ERRORS, reverse.exitCode());
    }

    @Test
    void aManifestChangeIsAnAddonApplyWithItsDiff() throws Exception {
        Plan plan = history.plan("lab-kubernetes-1.31", "calico-manifest");
        Action.ApplyAddons calico = actions(plan, "openstack-prod", Action.ApplyAddons.class).get(0);
        assertEquals(List.of("calico"), calico.apply());
        assertEquals(List.of("# MTU for the overlay"), Inverse.changedLines(calico.diff(), '+'));
        assertEquals(1, plan.actions().size());
    }

    @Test
    void aKubernetesDowngradeIsRefusedAtItsLineAndPlansNothingForTheCluster() throws Exception {
        Plan plan = history.plan("calico-manifest", "k8s-downgrade");
        ClusterPlan prod = cluster(plan, "openstack-prod");
        assertEquals(ClusterPlan.Status.REFUSED, prod.status());
        assertEquals(1, prod.actions().size());
        Action.Refusal r = prod.refusals().get(0);
        assertEquals(Action.Refusal.Kind.UNSAFE_STEP, r.kind());
        assertEquals(Example.PROD + ":11:14", r.location());
        assertEquals(Plan.EXIT_ERRORS, plan.exitCode());
        String markdown = allFormats(plan).get(1);
        assertTrue(markdown.indexOf("#### ⛔ Refused") < markdown.indexOf("| cluster | status |"), "refusals come first");
        assertContains(markdown, "| `openstack-prod` | `" + Example.PROD + ":11:14` | Kubernetes v1.31.4 → v1.30.8 is a downgrade");
        assertEquals(Plan.EXIT_NO_CHANGES, history.plan("calico-manifest", "revert-k8s-downgrade").exitCode());
    }

    @Test
    void losingEtcdQuorumIsRefused() throws Exception {
        Plan plan = history.plan("revert-k8s-downgrade", "quorum-loss");
        Action.Refusal r = cluster(plan, "openstack-prod").refusals().get(0);
        assertEquals("QuorumLoss", r.code());
        assertContains(r.message(), "2 of 3 members are needed");
        assertEquals(Plan.EXIT_ERRORS, plan.exitCode());
        allFormats(plan);
    }

    @Test
    void removingAClusterIsLoudButDeletesNothingAndRestoringItManagesItAgain() throws Exception {
        Plan removal = history.plan("revert-quorum-loss", "remove-sandbox");
        ClusterPlan sandbox = cluster(removal, "sandbox-demo");
        assertEquals(ClusterPlan.Status.REMOVED, sandbox.status());
        assertEquals(List.of(new Action.UnmanageCluster("sandbox-demo", "sandbox", 3, sandbox.actions().get(0).reason())),
                sandbox.actions(), "no machine is deleted and no config withdrawn");
        assertContains(sandbox.actions().get(0).reason(), "nkd stops managing the cluster and deletes nothing");
        List<String> outputs = allFormats(removal);
        assertContains(outputs.get(0), "\n!!! STOP MANAGING cluster sandbox-demo: nothing is deleted, its 3 machine(s) on sandbox keep running");
        assertTrue(outputs.get(1).indexOf("> [!WARNING]") < outputs.get(1).indexOf("| cluster | status |"), "the warning comes first");

        Plan restore = history.plan("remove-sandbox", "restore-sandbox");
        assertEquals(Inverse.inverseKeys(removal).subList(0, 1), Inverse.keys(restore).subList(0, 1), "the cluster is managed again");
        assertEquals(ClusterPlan.Status.ADDED, cluster(restore, "sandbox-demo").status());
        assertContains(pool(restore, "sandbox-demo", "workers").diff(),
                "+            | This node belongs to the nkd sandbox-demo cluster. Change it by committing to the config repository.\n");
        allFormats(restore);
    }

    @Test
    void theCommandExitsZeroTwoOrOneAndPrintsTheChosenFormat() throws Exception {
        String repo = history.dir().toString();
        PlanCli same = PlanCli.run("plan", "--repo", repo, "--base", history.id("initial"), "--head", history.id("initial"));
        assertEquals(0, same.exit(), same.err());
        PlanCli changes = PlanCli.run("plan", "--repo", repo, "--base", history.id("initial"), "--head", history.id("chrony-snippet"),
                "--format", "markdown");
        assertEquals(2, changes.exit(), changes.err());
        assertTrue(changes.out().startsWith(MarkdownPrinter.MARKER + "\n### nkd plan: 📝 changes to review\n"), changes.out());
        PlanCli refused = PlanCli.run("plan", "--repo", repo, "--base", history.id("calico-manifest"), "--head", "main~5");
        assertEquals(history.id("k8s-downgrade"), io.nkd.git.Snapshots.fromGit(history.dir(), "main~5").revision());
        assertEquals(1, refused.exit(), refused.out());
        assertContains(refused.out(), "! " + Example.PROD + ":11:14: error: Kubernetes v1.31.4 → v1.30.8 is a downgrade");
        PlanCli json = PlanCli.run("plan", "--repo", repo, "--base", "main~1", "--format", "json");
        assertEquals(2, json.exit(), json.err());
        assertEquals("added", new com.fasterxml.jackson.databind.ObjectMapper().readTree(json.out())
                .at("/clusters/2/status").asText());
    }

    @Test
    void badRevisionsAndNonRepositoriesAreOneLineUserErrors() throws Exception {
        PlanCli missing = PlanCli.run("plan", "--repo", history.dir().toString(), "--base", "no-such-branch");
        assertEquals(1, missing.exit());
        assertEquals(1, missing.err().lines().count(), missing.err());
        assertContains(missing.err(), "Error: --base no-such-branch: revision \"no-such-branch\" does not exist");
        PlanCli syntax = PlanCli.run("plan", "--repo", history.dir().toString(), "--base", "main", "--head", "main^{nope");
        assertEquals(1, syntax.exit());
        assertContains(syntax.err(), "Error: --head main^{nope: not a valid Git revision");
        PlanCli notGit = PlanCli.run("plan", "--repo", tmp.toString(), "--base", "main");
        assertEquals(1, notGit.exit());
        assertContains(notGit.err(), "is not in a Git repository");
        PlanCli usage = PlanCli.run("plan", "--repo", history.dir().toString(), "--base", "main", "--format", "yaml");
        assertEquals(1, usage.exit(), "a usage error must not look like 2, changes to review");
    }
}
