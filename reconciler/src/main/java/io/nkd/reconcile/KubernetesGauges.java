package io.nkd.reconcile;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.nkd.status.ClusterStatus;
import io.nkd.status.KubernetesStatus;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the reconciler says about a cluster's own API after each pass: the gauges {@code nkd_cluster_api_ready{cluster}}
 * (1 when /readyz answers ok) and {@code nkd_cluster_nodes{cluster,state}} (state joined or ready: Node objects of the
 * nodes Git asks for), one log line per step (API up or down, every node Ready), and when to look again.
 */
final class KubernetesGauges {
    private static final Logger LOG = LoggerFactory.getLogger(KubernetesGauges.class);
    /** A cluster nkd sees fully Ready is looked at again this often, so that a node going NotReady shows up. */
    static final Duration OBSERVE_INTERVAL = Duration.ofSeconds(30);
    /** A cluster whose API or nodes are not up yet (or not any more) is looked at again this soon. */
    static final Duration WAITING_INTERVAL = Duration.ofSeconds(5);

    private final MeterRegistry metrics;
    /** Micrometer holds gauge targets weakly: they live here. */
    private final ConcurrentMap<List<String>, AtomicLong> gauges = new ConcurrentHashMap<>();

    KubernetesGauges(MeterRegistry metrics) {
        this.metrics = metrics;
    }

    void update(String cluster, ClusterStatus status) {
        KubernetesStatus k = status.kubernetes();
        if (k == null) {
            return;
        }
        gauge(List.of("api", cluster)).set(k.apiReady() ? 1 : 0);
        gauge(List.of("nodes", cluster, "joined")).set(k.nodesJoined());
        gauge(List.of("nodes", cluster, "ready")).set(k.nodesReady());
    }

    private AtomicLong gauge(List<String> key) {
        return gauges.computeIfAbsent(key, k -> k.get(0).equals("api")
                ? metrics.gauge("nkd_cluster_api_ready", Tags.of("cluster", k.get(1)), new AtomicLong())
                : metrics.gauge("nkd_cluster_nodes", Tags.of("cluster", k.get(1), "state", k.get(2)), new AtomicLong()));
    }

    /**
     * When to look at an observed cluster again: soon while anything is not Ready (machines provisioning included),
     * else at the observe interval; the API server of provisioned machines that has not answered for
     * {@link KubernetesObservation#LONG_WAIT} is asked at the observe interval too (a reconcile that cannot connect
     * costs up to the connect timeout every time).
     */
    static Duration observeAgain(ClusterStatus status) {
        KubernetesStatus k = status.kubernetes();
        boolean allReady = k != null && k.apiReady() && k.apiMessage() == null && k.nodesReady() == k.nodesExpected();
        if (allReady && status.phase() != ClusterStatus.Phase.DEGRADED) {
            return OBSERVE_INTERVAL;
        }
        var machines = status.condition("MachinesReady");
        boolean provisioned = machines != null && machines.isTrue();
        return provisioned && KubernetesObservation.apiDownLong(status, status.updatedAt()) ? OBSERVE_INTERVAL : WAITING_INTERVAL;
    }

    /** One line when the API comes up or goes down, and when every node Git asks for becomes Ready (or stops being). */
    static void logTransitions(String cluster, String revision, ClusterStatus before, ClusterStatus after) {
        KubernetesStatus was = before.kubernetes();
        KubernetesStatus now = after.kubernetes();
        if (now == null || now == was) {
            return;
        }
        String commit = Steps.shortId(revision);
        boolean wasUp = was != null && was.apiReady();
        if (now.apiReady() && !wasUp) {
            LOG.info("api server up cluster={} commit={} endpoint={}", cluster, commit, now.server());
        } else if (!now.apiReady() && wasUp) {
            LOG.warn("api server down cluster={} commit={} endpoint={}: {}", cluster, commit, now.server(), now.apiMessage());
        }
        boolean allReady = now.apiReady() && now.nodesReady() == now.nodesExpected();
        boolean wereReady = was != null && was.apiReady() && was.nodesReady() == was.nodesExpected() && was.nodesExpected() > 0;
        if (allReady && !wereReady) {
            LOG.info("nodes ready cluster={} commit={} ready={} of {}", cluster, commit, now.nodesReady(), now.nodesExpected());
        } else if (now.apiReady() && !allReady && wereReady) {
            List<String> notReady = after.nodes().stream().filter(n -> n.kubernetes() == null || !n.kubernetes().ready())
                    .map(ClusterStatus.NodeStatus::name).toList();
            List<String> rolling = rebootedByRollout(after, notReady);
            if (!notReady.isEmpty() && rolling.size() == notReady.size()) {
                // the Housekeeper drains and reboots nodes on purpose: expected, not an alarm
                LOG.info("nodes not ready cluster={} commit={} ready={} of {}: the rollout of {} is updating {}", cluster, commit,
                        now.nodesReady(), now.nodesExpected(), after.rollout().update(), String.join(", ", rolling));
            } else {
                LOG.warn("nodes not ready cluster={} commit={} ready={} of {}{}", cluster, commit, now.nodesReady(),
                        now.nodesExpected(), notReady.isEmpty() ? "" : ": " + String.join(", ", notReady)
                        + (rolling.isEmpty() ? "" : " (of which the rollout is updating " + String.join(", ", rolling) + ")"));
            }
        }
    }

    /** The nodes of {@code names} the Housekeeper is updating right now (a drain and a reboot make a node NotReady). */
    static List<String> rebootedByRollout(ClusterStatus status, List<String> names) {
        io.nkd.status.RolloutStatus r = status.rollout();
        if (r == null || r.phase() != io.nkd.housekeeper.api.RolloutPhase.PROGRESSING) {
            return List.of();
        }
        return names.stream().filter(n -> r.node(n).map(p -> p.state() == io.nkd.housekeeper.api.NodeUpdateState.UPDATING)
                .orElse(false)).toList();
    }
}
