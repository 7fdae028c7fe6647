package io.nkd.plan;

import io.nkd.config.ClusterSpec;
import io.nkd.config.HousekeeperSettings;
import io.nkd.housekeeper.api.Updates;
import io.nkd.upgrade.UpgradeGate;
import java.util.stream.Collectors;

/**
 * What the daemon does with a new OS image or Kubernetes version for the nodes that already run, in the words its
 * step RolloutUpdates and the status use: with spec.housekeeper.enabled it writes the target into the cluster's Update
 * (inside a maintenance window, or at once with no windows or a window override naming the target), and the
 * Housekeeper moves the nodes in the rollout's order; without it, nothing reaches them.
 */
final class UpgradeEffects {
    static final String UPDATE = Updates.NAMESPACE + "/" + Updates.DEFAULT_NAME;

    private UpgradeEffects() {
    }

    static Action.Effect effect(ClusterSpec head) {
        return !head.paused() && head.housekeeper().enabled() ? Action.Effect.APPLIED : Action.Effect.NOT_APPLIED;
    }

    /** The part of an upgrade action's reason about existing nodes (starts with "; "). */
    static String existingNodes(ClusterSpec head, Rollout rollout, boolean provisioned, boolean osChanges, boolean kubeChanges,
                                String image, String kube) {
        if (head.paused()) {
            return "; NOT applied while spec.paused is true: the daemon applies nothing to this cluster";
        }
        int nodes = rollout.nodeCount();
        if (!head.housekeeper().enabled()) {
            return nodes == 0 ? "; spec.housekeeper.enabled is false, so nkd writes no Update"
                    : "; NOT applied to the " + nodes + " existing node(s): spec.housekeeper.enabled is false, so nkd writes no "
                    + "Update and they keep running the old version (marked as needing a replacement; status shows RolloutPending)";
        }
        if (!provisioned && nodes > 0) {
            return "; this nkd created no machine for the cluster (see the note), so there is no running node to upgrade";
        }
        boolean nestos = head.housekeeper().flavor() == HousekeeperSettings.Flavor.NESTOS;
        String written = "; written to Update " + UPDATE + " (osImageURL " + image + ", kubeVersion " + kube
                + (nestos ? "; for the NestOS Housekeeper only osImageURL, kubeVersion, evictPodForce and maxUnavailable, and it "
                + "does not drain" : "") + ")";
        if (nodes == 0) {
            return written + "; no existing node needs it";
        }
        String order = rollout.batches().stream().map(b -> b.number() + ". " + String.join(", ", b.nodes()))
                .collect(Collectors.joining("; "));
        return written + "; the Housekeeper moves the " + nodes + " existing node(s) in this order: " + order + "; " + start(head, image, osChanges, kubeChanges);
    }

    /** When the rollout starts, as the daemon decides it (UpgradeGate) without knowing the time. */
    static String start(ClusterSpec head, String image, boolean osChanges, boolean kubeChanges) {
        if (head.upgrade().paused()) {
            return head.housekeeper().flavor() == HousekeeperSettings.Flavor.NESTOS
                    ? "held: spec.upgrade.paused is true and the NestOS Housekeeper cannot be paused, so nkd writes the Update once it is false"
                    : "held: spec.upgrade.paused is true, so the Update is written with paused: true (inside a maintenance window "
                    + "when there are windows) and no node starts until it is false";
        }
        if (UpgradeGate.overrides(head, image, osChanges, kubeChanges)) {
            return "starts now, outside the maintenance windows: spec.upgrade.windowOverride (" + head.upgrade().windowOverride().reason() + ")";
        }
        if (head.upgrade().maintenanceWindows().isEmpty()) {
            return "starts now (no maintenance windows)";
        }
        return "starts inside the next maintenance window: " + head.upgrade().maintenanceWindows().stream()
                .map(w -> Rollout.Window.of(w).describe()).collect(Collectors.joining("; "))
                + " (nkd writes the Update when it opens)"
                + UpgradeGate.notReviewedFor(head, image, osChanges).map(w -> "; " + w).orElse("");
    }
}
