package io.nkd.cluster;

import java.time.Instant;
import java.util.Map;

/**
 * A Node object as nkd sees it.
 *
 * @param ready        the Ready condition is True
 * @param readyReason  the Ready condition's reason (e.g. KubeletNotReady), null when the node has none yet
 * @param readySince   the Ready condition's last transition
 * @param controlPlane labelled node-role.kubernetes.io/control-plane (or master)
 * @param osImage      status.nodeInfo.osImage
 * @param annotations  the Housekeeper's report and assignment live here
 */
public record ClusterNode(String name, boolean ready, String readyReason, String readyMessage, Instant readySince,
                          boolean unschedulable, boolean controlPlane, String kubeletVersion, String osImage,
                          Map<String, String> labels, Map<String, String> annotations) {
    public ClusterNode {
        labels = labels == null ? Map.of() : Map.copyOf(labels);
        annotations = annotations == null ? Map.of() : Map.copyOf(annotations);
    }
}
