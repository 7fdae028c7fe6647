package io.nkd.plan;

import io.nkd.config.ClusterSpec;
import io.nkd.config.ImageCatalog;
import io.nkd.config.KubernetesVersion;
import io.nkd.config.LoadedCluster;
import io.nkd.config.RepositoryConfig;
import io.nkd.config.RevisionRules;
import io.nkd.config.Snapshot;
import io.nkd.plan.Action.Refusal.Kind;
import io.nkd.plan.ClusterPlan.Status;
import io.nkd.render.BootstrapSecrets;
import io.nkd.render.ClusterRenderer;
import io.nkd.render.RenderedCluster;
import io.nkd.report.Report;
import io.nkd.report.Severity;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The plan of one cluster. A head that is invalid, fails to render, or is an unsafe step from the base
 * (RevisionRules) is refused and plans nothing else, so a reviewer never weighs actions that will not happen.
 */
final class ClusterPlanner {
    /** One side of the comparison: the files and what was loaded from them. */
    record Revision(Snapshot snapshot, RepositoryConfig config) {
        RenderedCluster render(LoadedCluster cluster) {
            // placeholders: the plan is for review, and version ids are computed from exactly this rendering
            return ClusterRenderer.render(cluster, config.images(), BootstrapSecrets.placeholders());
        }
    }

    private ClusterPlanner() {
    }

    static ClusterPlan plan(String name, Revision base, Revision head) {
        LoadedCluster from = base.config().cluster(name).orElse(null);
        LoadedCluster to = head.config().cluster(name).orElse(null);
        RenderedCluster fromRendered = from != null && from.valid() ? base.render(from) : null;
        if (fromRendered != null && !fromRendered.ok()) {
            fromRendered = null;
        }
        if (to == null) {
            return ClusterChanges.removed(name, from, fromRendered);
        }
        if (!to.valid()) {
            return refused(name, Kind.INVALID, to.report(), fromRendered);
        }
        RenderedCluster toRendered = head.render(to);
        if (!toRendered.ok()) {
            return refused(name, Kind.INVALID, toRendered.report(), fromRendered);
        }
        List<String> notes = notes(to);
        boolean widened = false;
        if (from != null && from.valid()) {
            notes.addAll(policyNotes(from.spec().machinePolicy(), to.spec().machinePolicy()));
            widened = widens(from.spec().machinePolicy(), to.spec().machinePolicy());
        }
        if (fromRendered == null) {
            if (from != null) {
                notes.add(0, "the base revision of this cluster is invalid, so the plan cannot compare against it and "
                        + "lists everything as new; compare against the last valid revision to see the real step");
            }
            return ClusterChanges.added(name, to, toRendered, head.snapshot(), notes);
        }
        Report rules = RevisionRules.check(from.spec(), to);
        if (rules.hasErrors()) {
            return refused(name, Kind.UNSAFE_STEP, rules, fromRendered);
        }
        List<Action> actions = new ArrayList<>();
        MachinePlanner.Result machines = MachinePlanner.changes(name, from.spec(), to.spec());
        actions.addAll(machines.actions());
        Map<String, List<String>> existing = new java.util.LinkedHashMap<>();
        io.nkd.config.Topology.nodes(name, to.spec()).stream().filter(n -> machines.kept().contains(n.name()))
                .forEach(n -> existing.computeIfAbsent(n.pool().name(), p -> new ArrayList<>()).add(n.name()));
        boolean osTargetChanges = !image(from.spec(), base.config().images()).osImageURL().equals(image(to.spec(), head.config().images()).osImageURL());
        boolean kubeTargetChanges = !KubernetesVersion.parse(from.spec().kubernetes().version())
                .equals(KubernetesVersion.parse(to.spec().kubernetes().version()));
        boolean targetChanges = osTargetChanges || kubeTargetChanges;
        Rollout rollout = Rollouts.of(name, to.spec(), machines.kept(), image(to.spec(), head.config().images()).osImageURL(),
                osTargetChanges, kubeTargetChanges);
        actions.addAll(PoolConfigPlanner.changes(name, fromRendered, toRendered, existing, to.spec(), targetChanges));
        boolean provisioned = io.nkd.infra.BuiltInProviders.available(from.spec().infrastructure().provider());
        OsImage oldImage = image(from.spec(), base.config().images());
        OsImage newImage = image(to.spec(), head.config().images());
        KubernetesVersion oldVersion = KubernetesVersion.parse(from.spec().kubernetes().version());
        KubernetesVersion newVersion = KubernetesVersion.parse(to.spec().kubernetes().version());
        boolean osChanges = !oldImage.osImageURL().equals(newImage.osImageURL());
        boolean kubeChanges = !oldVersion.equals(newVersion);
        Action.Effect upgradeEffect = UpgradeEffects.effect(to.spec());
        String rolledOut = UpgradeEffects.existingNodes(to.spec(), rollout, provisioned, osChanges, kubeChanges,
                newImage.osImageURL(), newVersion.toString());
        if (osChanges) {
            String what = oldImage.name().equals(newImage.name())
                    ? "the catalog entry " + newImage.name() + " now pins a different image"
                    : "spec.os " + oldImage.name() + " → " + newImage.name();
            boolean back = OsImage.compareVersions(newImage.osVersion(), oldImage.osVersion()) < 0;
            String rollback = !back || upgradeEffect != Action.Effect.APPLIED || rollout.nodeCount() == 0 ? ""
                    : to.spec().housekeeper().flavor() == io.nkd.config.HousekeeperSettings.Flavor.NESTOS
                    ? "; an OS rollback: the NestOS Housekeeper rebases each node to it (rpm-ostree rebase, downloaded again)"
                    : "; an OS rollback (allowed, unlike a Kubernetes downgrade): on nodes whose previous deployment is this image "
                    + "the Housekeeper's agent runs rpm-ostree rollback (nothing to download), on the others rpm-ostree rebase";
            actions.add(new Action.UpgradeOs(name, oldImage, newImage, rollout, upgradeEffect, what + ": machines created from now on boot "
                    + newImage.osImageURL() + rolledOut + rollback));
        }
        if (kubeChanges) {
            actions.add(new Action.UpgradeKubernetes(name, oldVersion.toString(), newVersion.toString(), rollout, upgradeEffect,
                    "spec.kubernetes.version " + oldVersion + " → " + newVersion + ": machines created from now on join with "
                            + newVersion + rolledOut));
        }
        AddonPlanner.changes(name, from.spec(), base.snapshot(), to.spec(), head.snapshot()).ifPresent(actions::add);
        // a policy that turns on lets the daemon delete machines this plan cannot list (they come from earlier
        // commits), so the commit is a change to review even when it lists no action
        return new ClusterPlan(name, actions.isEmpty() && !widened ? Status.UNCHANGED : Status.CHANGED, fromRendered.versions(),
                toRendered.versions(), notes, actions);
    }

    private static ClusterPlan refused(String name, Kind kind, Report problems, RenderedCluster base) {
        return new ClusterPlan(name, Status.REFUSED, base == null ? new TreeMap<>() : base.versions(), new TreeMap<>(),
                List.of(), List.copyOf(Planner.refusals(name, kind, problems)));
    }

    /** Warnings of the head revision (a reviewer should see them) and whether the cluster is paused. */
    private static List<String> notes(LoadedCluster cluster) {
        List<String> notes = new ArrayList<>();
        cluster.report().entries().stream().filter(e -> e.severity() == Severity.WARNING)
                .forEach(e -> notes.add(Redactor.redact(e.toString())));
        var type = cluster.spec().infrastructure().provider();
        if (!io.nkd.infra.BuiltInProviders.available(type)) {
            notes.add(io.nkd.infra.BuiltInProviders.unavailable(type) + ": the daemon renders and publishes this cluster's "
                    + "configs, then stops at ReconcileMachines (ProvisioningFailed) without creating or deleting machines; "
                    + "the machine actions below are what it will do once that provider exists");
        }
        if (cluster.spec().paused()) {
            notes.add("spec.paused is true: nkd applies nothing to this cluster (provisioning and upgrades) until it is false");
        }
        return notes;
    }

    /**
     * What a change of spec.machinePolicy does beyond the actions listed: the plan compares against the base revision
     * only, so it cannot see machines that earlier commits left behind while a setting was off.
     */
    private static List<String> policyNotes(io.nkd.config.MachinePolicy from, io.nkd.config.MachinePolicy to) {
        List<String> notes = new ArrayList<>();
        if (!from.replace() && to.replace()) {
            notes.add("spec.machinePolicy.replace turns on: the daemon also replaces machines whose spec changed in earlier "
                    + "commits while it was off (worker nodes, one at a time, each node drained first); this plan compares against "
                    + "the base revision only and cannot list them (the daemon compares each machine's own metadata with Git)");
        }
        if (!from.prune() && to.prune()) {
            notes.add("spec.machinePolicy.prune turns on: the daemon also deletes orphans that earlier commits left running "
                    + "(machines nkd created for pools no longer in Git), each node drained first; this plan reads Git only and "
                    + "cannot list them");
        }
        if (from.replace() && !to.replace()) {
            notes.add("spec.machinePolicy.replace turns off: machines whose spec changes are kept as they are from now on");
        }
        if (from.prune() && !to.prune()) {
            notes.add("spec.machinePolicy.prune turns off: machines of pools removed from Git are kept running from now on");
        }
        return notes;
    }

    /** Whether replace or prune turns on: the daemon may then replace or delete existing machines. */
    static boolean widens(io.nkd.config.MachinePolicy from, io.nkd.config.MachinePolicy to) {
        return !from.replace() && to.replace() || !from.prune() && to.prune();
    }

    /** The image a valid cluster runs: its catalog release, or its pinned osImageURL. */
    static OsImage image(ClusterSpec spec, Map<String, ImageCatalog.Release> images) {
        if (spec.os().image() != null) {
            ImageCatalog.Release r = images.get(spec.os().image());
            return new OsImage(r.name(), r.osImageURL(), r.osVersion(), r.kubernetesVersion());
        }
        return new OsImage("pinned", spec.os().osImageURL(), "unknown", "unknown");
    }
}
