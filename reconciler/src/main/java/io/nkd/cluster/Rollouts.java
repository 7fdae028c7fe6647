package io.nkd.cluster;

import io.nkd.housekeeper.api.Update;
import io.nkd.housekeeper.api.UpdateSpec;
import java.util.Optional;

/** The Housekeeper's {@code Update} object nkd owns for a cluster (one per cluster). */
public interface Rollouts {
    /** The Update with its status, or empty when nkd has not written one. */
    Optional<Update> read();

    /**
     * Creates the Update or replaces its spec (the status is the Housekeeper's).
     *
     * @param upstreamFieldsOnly write only the four fields the NestOS Housekeeper knows (osImageURL, kubeVersion,
     *                           evictPodForce, maxUnavailable)
     */
    void write(UpdateSpec spec, boolean upstreamFieldsOnly);
}
