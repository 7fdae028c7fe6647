package io.nkd.config;

import java.util.ArrayList;
import java.util.List;

/**
 * The nodes a cluster definition asks for: listed machines keep their host names; replicas are named
 * {@code <cluster>-<pool>-<n>}. The first control-plane node runs {@code kubeadm init}.
 */
public final class Topology {
    /** One desired node. */
    public record PlannedNode(String name, NodePool pool, String ip, String mac) {
        public boolean controlPlane() {
            return pool.role() == NodePool.Role.CONTROL_PLANE;
        }
    }

    private Topology() {
    }

    public static List<PlannedNode> nodes(String cluster, NodePool pool) {
        List<PlannedNode> nodes = new ArrayList<>();
        if (!pool.machines().isEmpty()) {
            pool.machines().forEach(m -> nodes.add(new PlannedNode(m.hostname(), pool, m.ip(), m.mac())));
        } else {
            for (int i = 1; i <= pool.replicas(); i++) {
                nodes.add(new PlannedNode(cluster + "-" + pool.name() + "-" + i, pool, null, null));
            }
        }
        return nodes;
    }

    public static List<PlannedNode> nodes(String cluster, ClusterSpec spec) {
        List<PlannedNode> all = new ArrayList<>();
        spec.pools().forEach(p -> all.addAll(nodes(cluster, p)));
        return all;
    }

    public static String initNode(String cluster, ClusterSpec spec) {
        NodePool cp = spec.pools().stream().filter(p -> p.role() == NodePool.Role.CONTROL_PLANE).findFirst().orElseThrow();
        return nodes(cluster, cp).get(0).name();
    }
}
