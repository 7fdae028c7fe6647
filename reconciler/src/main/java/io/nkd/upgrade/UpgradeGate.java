package io.nkd.upgrade;

import io.nkd.config.ClusterSpec;
import io.nkd.config.UpgradePolicy;
import java.time.Instant;

/**
 * Whether nkd may start moving nodes to a new target now. A new target (another OS image or Kubernetes version)
 * starts only inside a maintenance window, unless the cluster has none, or its {@code spec.upgrade.windowOverride}
 * names exactly the target the cluster asks for (an override for one target: the next change waits for a window
 * again, and validation warns about an override that names another target). Once written, an Update is the
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
     * @param osChanges   the OS image of the target changes (compared with the Update in the cluster, or the base revision)
     * @param kubeChanges the Kubernetes version changes
     */
    public static Decision decide(ClusterSpec spec, boolean osChanges, boolean kubeChanges, Instant now) {
        UpgradePolicy policy = spec.upgrade();
        if (overrides(spec, osChanges, kubeChanges)) {
            return new Decision.Now("spec.upgrade.windowOverride: " + policy.windowOverride().reason());
        }
        if (policy.maintenanceWindows().isEmpty()) {
            return new Decision.Now("no maintenance windows: any time");
        }
        MaintenanceWindows.State state = MaintenanceWindows.at(policy.maintenanceWindows(), now);
        if (state.open()) {
            return new Decision.Now("inside a maintenance window until " + state.closesAt());
        }
        if (state.opensAt() == null) {
            return new Decision.Later(null, "outside the maintenance windows, and none of their schedules fires again: "
                    + "change spec.upgrade.maintenanceWindows or set spec.upgrade.windowOverride");
        }
        return new Decision.Later(state.opensAt(), "outside the maintenance windows: the next opens at " + state.opensAt()
                + " (spec.upgrade.windowOverride starts it at once)");
    }

    /**
     * Whether the cluster's window override covers this change: it names every part that changes, with the value the
     * cluster now asks for, and every part it names is the cluster's. An override for an OS image therefore does not
     * start a later Kubernetes upgrade outside the windows.
     */
    public static boolean overrides(ClusterSpec spec, boolean osChanges, boolean kubeChanges) {
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
        return (!osChanges || osNamed) && (!kubeChanges || kubeNamed);
    }
}
