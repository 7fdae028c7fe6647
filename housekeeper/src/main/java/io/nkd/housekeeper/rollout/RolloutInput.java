package io.nkd.housekeeper.rollout;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything one planning step looks at; the planner reads nothing else (no clock, no client).
 *
 * @param update           the Update to plan
 * @param nodes            every Node of the cluster
 * @param etcd             etcd's health now
 * @param now              the time of this step
 * @param nodeReadyTimeout how long a node may stay NotReady after its agent reported Rebooting or UpgradingKubernetes
 * @param waitingFor       set when another Update of the namespace drives the nodes: this one only reports (Pending)
 */
public record RolloutInput(UpdateRef update, List<NodeView> nodes, EtcdHealth etcd, Instant now,
                           Duration nodeReadyTimeout, Optional<String> waitingFor) {
    public RolloutInput {
        Objects.requireNonNull(update, "update");
        nodes = List.copyOf(nodes);
        Objects.requireNonNull(etcd, "etcd");
        Objects.requireNonNull(now, "now");
        Objects.requireNonNull(nodeReadyTimeout, "nodeReadyTimeout");
        Objects.requireNonNull(waitingFor, "waitingFor");
    }

    public RolloutInput(UpdateRef update, List<NodeView> nodes, EtcdHealth etcd, Instant now, Duration nodeReadyTimeout) {
        this(update, nodes, etcd, now, nodeReadyTimeout, Optional.empty());
    }
}
