package io.nkd.status;

import java.time.Instant;
import java.util.List;

/**
 * The rollout of OS image and Kubernetes version changes through the Housekeeper (null when none was written).
 *
 * @param update   the Update object, {@code namespace/name}
 * @param revision the commit the Update carries
 * @param phase    the Housekeeper's phase of it, as it reports it
 * @param waiting  why the Update is not written or not progressing yet (a maintenance window, upgrades paused), or null
 */
public record RolloutStatus(String update, String revision, String targetImage, String targetKubernetes, io.nkd.housekeeper.api.RolloutPhase phase,
                            String waiting, List<Node> nodes) {
    public RolloutStatus {
        nodes = nodes == null ? List.of() : List.copyOf(nodes);
    }

    /** One node's way to the target: current → target, its state and since when. */
    public record Node(String name, String currentImage, String currentKubernetes,
                       io.nkd.housekeeper.api.NodeUpdateState state, Instant since, String message) {
    }
}
