package io.nkd.upgrade;

import io.nkd.config.ClusterSpec;
import io.nkd.config.UpgradePolicy;
import java.time.Instant;

/**
 * Whether nkd may start moving nodes to a new target now. A new target (another OS image or Kubernetes version)
 * starts only inside a maintenance window, unless the cluster has none, or its {@code spec.upgrade.windowOverride}
 * names exactly the target the cluster asks for (an override for one target: the next change waits for a window
 * again, and validation warns about an override that names another target). An override for an OS image is bound to
 * the digest it was reviewed for, not to the catalog name: a later re-pin of that entry waits for a window (the
 * status and the plan say why). Once written, an Update is the
 * Housekeeper's: a rollout that started inside a window runs to its end (set spec.upgrade.paused to hold it).
 */
public final class UpgradeGate {
    private UpgradeGate() {
    }

    /** The answer, with the words status and plan show. */
    public sealed interface Decision permits Decision.Now, Decision.Later {
        String why();

        /** Start now. */
        record Now(String why) implements Decision {
        }

        /**
         * Wait.
         *
         * @param opensAt when the next window opens (the reconcile retries then), null when no schedule fires again
         */
        record Later(Instant opensAt, String why) implements Decision {
        }
    }

    /**
     * @param osImageURL  the target's OS image, pinned by digest (what the Update will say)
     * @param osChanges   the OS image of the target changes (compared with the Update in the cluster, or the base revision)
     * @param kubeChanges the Kubernetes version changes
     */
    public static Decision decide(ClusterSpec spec, String osImageURL, boolean osChanges, boolean kubeChanges, Instant now) {
        UpgradePolicy policy = spec.upgrade();
        if (overrides(spec, osImageURL, osChanges, kubeChanges)) {
            return new Decision.Now("spec.upgrade.windowOverride: " + policy.windowOverride().reason());
        }
        if (policy.maintenanceWindows().isEmpty()) {
            return new Decision.Now("no maintenance windows: any time");
        }
        MaintenanceWindows.State state = MaintenanceWindows.at(policy.maintenanceWindows(), now);
        if (state.open()) {
            return new Decision.Now("inside a maintenance window until " + state.closesAt());
        }
        String unbound = notReviewedFor(spec, osImageURL, osChanges).map(w -> "; " + w).orElse("");
        if (state.opensAt() == null) {
            return new Decision.Later(null, "outside the maintenance windows, and none of their schedules fires again: "
                    + "change spec.upgrade.maintenanceWindows or set spec.upgrade.windowOverride" + unbound);
        }
        return new Decision.Later(state.opensAt(), "outside the maintenance windows: the next opens at " + state.opensAt()
                + (unbound.isEmpty() ? " (spec.upgrade.windowOverride starts it at once)" : unbound));
    }

    /**
     * Whether the cluster's window override covers this change: it names every part that changes, with the value the
     * cluster now asks for, and every part it names is the cluster's. An override for an OS image therefore does not
     * start a later Kubernetes upgrade outside the windows. An override for an OS image holds only for the image it was
     * reviewed for (its digest): a commit that re-pins the catalog entry it names is a new image, and waits.
     *
     * @param osImageURL the target's OS image, pinned by digest
     */
    public static boolean overrides(ClusterSpec spec, String osImageURL, boolean osChanges, boolean kubeChanges) {
        UpgradePolicy.WindowOverride o = spec.upgrade().windowOverride();
        if (o == null || o.osImage() == null && o.kubernetesVersion() == null || !osChanges && !kubeChanges) {
            return false;
        }
        String os = spec.os().image() != null ? spec.os().image() : spec.os().osImageURL();
        boolean osNamed = o.osImage() != null;
        boolean kubeNamed = o.kubernetesVersion() != null;
        if (osNamed && !o.osImage().equals(os) || kubeNamed && !o.kubernetesVersion().equals(spec.kubernetes().version())) {
            return false;
        }
        if (osNamed && !reviewedFor(o, osImageURL)) {
            return false;
        }
        return (!osChanges || osNamed) && (!kubeChanges || kubeNamed);
    }

    /**
     * Why an override that names the cluster's OS image does not cover this target: it was reviewed for another digest
     * (the catalog entry was re-pinned since). Empty when there is no such override or it covers the image.
     */
    public static java.util.Optional<String> notReviewedFor(ClusterSpec spec, String osImageURL, boolean osChanges) {
        UpgradePolicy.WindowOverride o = spec.upgrade().windowOverride();
        String os = spec.os().image() != null ? spec.os().image() : spec.os().osImageURL();
        if (!osChanges || o == null || o.osImage() == null || !o.osImage().equals(os) || reviewedFor(o, osImageURL)) {
            return java.util.Optional.empty();
        }
        String reviewed = o.reviewedDigest();
        return java.util.Optional.of("spec.upgrade.windowOverride does not start it: it was reviewed for " + o.osImage()
                + (reviewed == null ? " without a digest" : " at " + reviewed) + ", but the target is " + osImageURL
                + " (the catalog entry was re-pinned since); review the new image and set windowOverride.osImageDigest: "
                + UpgradePolicy.WindowOverride.digestOf(osImageURL) + " to start it now");
    }

    private static boolean reviewedFor(UpgradePolicy.WindowOverride o, String osImageURL) {
        String reviewed = o.reviewedDigest();
        return reviewed != null && reviewed.equals(UpgradePolicy.WindowOverride.digestOf(osImageURL));
    }
}
