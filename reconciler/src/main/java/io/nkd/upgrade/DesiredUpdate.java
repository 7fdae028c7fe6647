package io.nkd.upgrade;

import io.nkd.config.ClusterSpec;
import io.nkd.config.HousekeeperSettings;
import io.nkd.config.ImageCatalog;
import io.nkd.housekeeper.api.UpdateSpec;
import io.nkd.housekeeper.api.Updates;
import java.util.Map;
import java.util.Objects;

/**
 * The spec of the one Update nkd keeps per cluster, from the applied commit. The OS image is always pinned by digest:
 * validation refuses a catalog release or an {@code os.osImageURL} without {@code @sha256:} (ImageNotPinned, with its
 * file:line), so a valid commit always gives an exact target and every node ends on the same bytes.
 */
public final class DesiredUpdate {
    private DesiredUpdate() {
    }

    /**
     * @param spec     a valid cluster's spec
     * @param images   the revision's image catalog releases by name
     * @param revision the commit the spec comes from (written as spec.revision: the commit that last changed the Update)
     * @return every field; {@link #asWritten} gives what a Housekeeper of the cluster's flavor keeps of it
     */
    public static UpdateSpec of(ClusterSpec spec, Map<String, ImageCatalog.Release> images, String revision) {
        Updates.Target t = new Updates.Target(osImageURL(spec, images), spec.kubernetes().version(),
                spec.upgrade().maxUnavailable(), spec.upgrade().evictPodForce(), spec.upgrade().drainTimeout(), revision);
        return new UpdateSpec(t.osImageURL(), t.kubeVersion(), t.evictPodForce(), t.maxUnavailable(),
                // the contract's form (whole seconds, what the CRD's pattern accepts), not cluster.yaml's (which also takes ms)
                io.nkd.housekeeper.api.GoDuration.format(t.drainTimeout()), spec.upgrade().paused(), t.revision());
    }

    /**
     * What the Update's spec holds once written for a Housekeeper of {@code flavor}: for the NestOS Housekeeper only its
     * four fields (the source commit stays as the annotation nkd.io/revision).
     */
    public static UpdateSpec asWritten(UpdateSpec spec, HousekeeperSettings.Flavor flavor) {
        return flavor == HousekeeperSettings.Flavor.NESTOS ? upstreamOnly(spec) : spec;
    }

    /** The four fields the NestOS Housekeeper knows. */
    public static UpdateSpec upstreamOnly(UpdateSpec spec) {
        return UpdateSpec.upstream(spec.osImageURL(), spec.kubeVersion(), spec.forceEviction(), spec.workerBudget());
    }

    /** The image the cluster's nodes run: its catalog release's, or its own os.osImageURL. */
    public static String osImageURL(ClusterSpec spec, Map<String, ImageCatalog.Release> images) {
        if (spec.os().image() != null) {
            ImageCatalog.Release r = images.get(spec.os().image());
            if (r == null) {
                throw new IllegalArgumentException("spec.os.image " + spec.os().image() + " is in no image catalog");
            }
            return r.osImageURL();
        }
        return spec.os().osImageURL();
    }

    /** Whether two specs ask for the same target: the same OS image and Kubernetes version (what moves nodes). */
    public static boolean sameTarget(UpdateSpec a, UpdateSpec b) {
        return a != null && b != null && Objects.equals(a.osImageURL(), b.osImageURL())
                && Objects.equals(a.kubeVersion(), b.kubeVersion());
    }

    /**
     * Whether the Update in the cluster already says what {@code desired} says. The revision is not compared: it names
     * the commit that last changed the Update, so a commit that changes nothing else does not rewrite it. An absent
     * boolean reads as false (the API server keeps what was written; nkd writes both).
     */
    public static boolean equivalent(UpdateSpec current, UpdateSpec desired) {
        return current != null && sameTarget(current, desired)
                && Boolean.TRUE.equals(current.evictPodForce()) == Boolean.TRUE.equals(desired.evictPodForce())
                && Objects.equals(current.maxUnavailable(), desired.maxUnavailable())
                && Objects.equals(current.drainTimeout(), desired.drainTimeout())
                && Boolean.TRUE.equals(current.paused()) == Boolean.TRUE.equals(desired.paused())
                // a flavor switch (nestos ↔ nkd) removes or adds nkd's fields: a change to write
                && (current.drainTimeout() == null) == (desired.drainTimeout() == null)
                // a new certificate renewal request (nkd certs renew) is a change too
                && Objects.equals(current.certificateRenewal(), desired.certificateRenewal());
    }
}
