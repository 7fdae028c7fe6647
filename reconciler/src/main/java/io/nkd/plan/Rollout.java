package io.nkd.plan;

import io.nkd.yaml.GoDuration;
import java.util.List;

/**
 * How a node-by-node upgrade proceeds: control-plane nodes one at a time first (etcd stays healthy), then
 * workers in batches of {@code upgrade.maxUnavailable}; and what gates its start. Only nodes that exist in
 * both revisions are listed: new machines boot the new config directly and replaced ones are rebuilt.
 */
public record Rollout(List<Batch> batches, List<Window> windows, boolean upgradePaused, boolean clusterPaused,
                      boolean housekeeper, String windowOverride) {
    public Rollout {
        batches = List.copyOf(batches);
        windows = List.copyOf(windows);
    }

    /** A rollout the Housekeeper carries out, without a window override. */
    public Rollout(List<Batch> batches, List<Window> windows, boolean upgradePaused, boolean clusterPaused) {
        this(batches, windows, upgradePaused, clusterPaused, true, null);
    }

    /** What carries it out, for the printers: the Update nkd writes, or nothing. */
    public String driver() {
        return clusterPaused ? "NOT started while spec.paused is true"
                : housekeeper ? "through the Housekeeper (nkd writes Update housekeeper-system/nkd)"
                : "NOT started: spec.housekeeper.enabled is false, so nkd writes no Update";
    }

    /** One step of the rollout; the next starts when every node of this one is verified done. */
    public record Batch(int number, String role, List<String> nodes) {
        public Batch {
            nodes = List.copyOf(nodes);
        }
    }

    /** A maintenance window: starts at each fire time of a Quartz cron schedule and lasts {@code duration}. */
    public record Window(String schedule, String duration, String timeZone) {
        static Window of(io.nkd.config.UpgradePolicy.MaintenanceWindow w) {
            return new Window(w.schedule(), GoDuration.format(w.duration()), w.timeZone());
        }

        public String describe() {
            return "\"" + schedule + "\" for " + duration + " (" + timeZone + ")";
        }
    }

    public int nodeCount() {
        return batches.stream().mapToInt(b -> b.nodes().size()).sum();
    }

    /** What decides when the rollout starts, in one sentence. */
    public String gate() {
        if (clusterPaused) {
            return "held: spec.paused is true, nothing is applied to this cluster until it is false";
        }
        if (upgradePaused) {
            return "held: spec.upgrade.paused is true, the upgrade waits until it is false";
        }
        if (windowOverride != null) {
            return "at once, outside the maintenance windows: spec.upgrade.windowOverride (" + windowOverride + ")";
        }
        if (windows.isEmpty()) {
            return "any time (no maintenance windows)";
        }
        return "only inside a maintenance window: " + String.join("; ", windows.stream().map(Window::describe).toList());
    }
}
