package io.nkd.config;

import io.nkd.yaml.Doc;
import io.nkd.yaml.Required;
import java.time.Duration;
import java.util.List;

/** How disruptive changes (OS and Kubernetes upgrades) roll out. */
@Doc("Upgrade policy: batch size, drain behaviour, maintenance windows, pause.")
public record UpgradePolicy(
        @Doc("Worker nodes upgraded at once (control-plane nodes always go one at a time).") Integer maxUnavailable,
        @Doc("Delete pods that cannot be evicted (PodDisruptionBudgets still bound evictions until drainTimeout).")
        Boolean evictPodForce,
        @Doc(value = "How long a drain may take before the node is reported as failed.", example = "10m") Duration drainTimeout,
        @Doc("Hold upgrades (provisioning continues).") Boolean paused,
        @Doc("When disruptive changes may start. None: any time.") List<MaintenanceWindow> maintenanceWindows,
        @Doc("Start the rollout of one target at once, outside the maintenance windows. It holds only while the "
                + "cluster's OS image and Kubernetes version are the ones it names: the next change of target waits "
                + "for a window again.") WindowOverride windowOverride) {

    public UpgradePolicy {
        maxUnavailable = maxUnavailable == null ? 1 : maxUnavailable;
        evictPodForce = evictPodForce != null && evictPodForce;
        drainTimeout = drainTimeout == null ? Duration.ofMinutes(10) : drainTimeout;
        paused = paused != null && paused;
        maintenanceWindows = maintenanceWindows == null ? List.of() : maintenanceWindows;
        if (maxUnavailable < 1) {
            throw new IllegalArgumentException("maxUnavailable must be at least 1");
        }
    }

    /** A policy without a window override. */
    public UpgradePolicy(Integer maxUnavailable, Boolean evictPodForce, Duration drainTimeout, Boolean paused,
                         List<MaintenanceWindow> maintenanceWindows) {
        this(maxUnavailable, evictPodForce, drainTimeout, paused, maintenanceWindows, null);
    }

    static UpgradePolicy defaults() {
        return new UpgradePolicy(null, null, null, null, null, null);
    }

    @Doc("An explicit start outside the maintenance windows, for one target. Name the target as the cluster does "
            + "(os.image or os.osImageURL, and/or kubernetes.version); at least one of the two. An override for a catalog "
            + "entry also names the digest that entry pinned when the override was reviewed (osImageDigest).")
    public record WindowOverride(
            @Doc(value = "The os.image (catalog name) or os.osImageURL this override is for.", example = "nestos-24.10")
            String osImage,
            @Doc(value = "The digest of the image the override was reviewed for; required when osImage names a catalog "
                    + "entry (an entry re-pinned later in images/ is another image, and waits for a window).",
                    example = "sha256:9c1e7a5b3d2f0e8c6a4b2d0f9e7c5a3b1d9f8e6c4a2b0d8f6e4c2a0b9d7f5e3c") String osImageDigest,
            @Doc(value = "The kubernetes.version this override is for.", example = "v1.31.5") String kubernetesVersion,
            @Required @Doc(value = "Why the rollout cannot wait for a window (shown in the plan, status and history).",
                    example = "CVE-2026-12345 in the kernel") String reason) {
        /** The digest of an image reference pinned by digest ({@code …@sha256:<hex>}), or null. */
        public static String digestOf(String osImageURL) {
            int at = osImageURL == null ? -1 : osImageURL.lastIndexOf('@');
            return at < 0 ? null : osImageURL.substring(at + 1);
        }

        /**
         * The digest this override was written for: {@code osImageDigest}, or the one in an {@code osImage} that is an
         * image reference pinned by digest (an os.osImageURL). Null for a bare catalog name without a digest.
         */
        public String reviewedDigest() {
            return osImageDigest != null ? osImageDigest : digestOf(osImage);
        }
    }

    @Doc("A recurring window: starts at each Quartz cron fire time and lasts duration.")
    public record MaintenanceWindow(
            @Required @Doc(value = "Quartz cron expression (seconds minutes hours day-of-month month day-of-week).",
                    example = "0 0 2 ? * SAT") String schedule,
            @Required @Doc(value = "Length of the window.", example = "4h") Duration duration,
            @Doc(value = "IANA time zone of the schedule (default UTC).", example = "Europe/Berlin") String timeZone) {
        public MaintenanceWindow {
            timeZone = timeZone == null ? "UTC" : timeZone;
        }
    }
}
