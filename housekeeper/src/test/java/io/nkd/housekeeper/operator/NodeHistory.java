package io.nkd.housekeeper.operator;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.nkd.housekeeper.api.ContractJson;
import io.nkd.housekeeper.api.NodeAssignment;
import io.nkd.housekeeper.api.NodeKeys;
import io.nkd.housekeeper.rollout.NodeView;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Every change of the test's Nodes as one watch sees it (the server's order), so that a test checks rules "at every
 * instant" over the whole history instead of at a few sampled moments.
 */
final class NodeHistory implements AutoCloseable {
    /** One node at one instant. */
    record NodeState(String name, boolean controlPlane, Optional<NodeAssignment> assignment, boolean ready,
                     boolean unschedulable, boolean upgradeCompleted) {
        boolean unavailable() {
            return assignment.isPresent() || !ready || unschedulable;
        }
    }

    private final String prefix;
    private final Watch watch;
    private final TreeMap<String, NodeState> now = new TreeMap<>();
    private final List<Map<String, NodeState>> instants = new ArrayList<>();

    NodeHistory(KubernetesClient client, String prefix) {
        this.prefix = prefix + "-";
        this.watch = client.nodes().watch(new Watcher<>() {
            @Override
            public void eventReceived(Action action, Node node) {
                record(action, node);
            }

            @Override
            public void onClose(WatcherException cause) {
            }
        });
    }

    private synchronized void record(Watcher.Action action, Node node) {
        String name = node.getMetadata().getName();
        if (!name.startsWith(prefix)) {
            return;
        }
        if (action == Watcher.Action.DELETED) {
            now.remove(name);
        } else {
            NodeView v = NodeView.of(node);
            now.put(name, new NodeState(name, v.controlPlane(), ContractJson.assignment(node), v.ready(),
                    v.unschedulable(), node.getMetadata().getLabels() != null
                    && node.getMetadata().getLabels().containsKey(NodeKeys.UPGRADE_COMPLETED_LABEL)));
        }
        instants.add(new TreeMap<>(now));
    }

    synchronized List<Map<String, NodeState>> instants() {
        return List.copyOf(instants);
    }

    /** The order in which nodes first got an assignment of the given generation. */
    synchronized List<String> selectionOrder(long generation) {
        List<String> order = new ArrayList<>();
        for (Map<String, NodeState> instant : instants) {
            for (NodeState s : instant.values()) {
                if (s.assignment.filter(a -> a.generation() == generation).isPresent() && !order.contains(s.name)) {
                    order.add(s.name);
                }
            }
        }
        return order;
    }

    /**
     * Checks, at every recorded instant: at most one control-plane node assigned; while a worker is assigned,
     * (assigned) + (others NotReady or unschedulable) ≤ maxUnavailable.
     * @return a description of the first violation, or null
     */
    synchronized String firstViolation(int maxUnavailable) {
        for (int i = 0; i < instants.size(); i++) {
            Map<String, NodeState> instant = instants.get(i);
            long cp = instant.values().stream().filter(s -> s.controlPlane && s.assignment.isPresent()).count();
            if (cp > 1) {
                return "instant " + i + ": " + cp + " control-plane nodes assigned at once: " + instant.values();
            }
            boolean workerAssigned = instant.values().stream().anyMatch(s -> !s.controlPlane
                    && s.assignment.isPresent());
            if (workerAssigned) {
                long unavailable = instant.values().stream().filter(NodeState::unavailable).count();
                if (unavailable > maxUnavailable) {
                    return "instant " + i + ": " + unavailable + " nodes assigned or unavailable, maxUnavailable "
                            + maxUnavailable + ": " + instant.values();
                }
            }
        }
        return null;
    }

    /** The highest number of nodes assigned or unavailable at one instant while a worker was assigned. */
    synchronized long peakUnavailable() {
        return instants.stream().filter(i -> i.values().stream().anyMatch(s -> !s.controlPlane
                && s.assignment.isPresent())).mapToLong(i -> i.values().stream().filter(NodeState::unavailable).count())
                .max().orElse(0);
    }

    @Override
    public void close() {
        watch.close();
    }
}
