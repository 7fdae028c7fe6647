package io.nkd.housekeeper.operator;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.nkd.housekeeper.api.NodeUpdateState;
import io.nkd.housekeeper.api.UpdateStatus;

import java.time.Duration;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The operator's Prometheus metrics: {@code housekeeper_rollout_nodes{update,state}},
 * {@code housekeeper_reconcile_total{result}}, {@code housekeeper_reconcile_duration_seconds} and
 * {@code housekeeper_leader} (0/1).
 */
public final class OperatorMetrics {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final AtomicInteger leader = new AtomicInteger();
    private final Timer duration;
    private final Counter succeeded;
    private final Counter failed;
    private final Map<String, EnumMap<NodeUpdateState, AtomicInteger>> nodes = new ConcurrentHashMap<>();

    public OperatorMetrics() {
        Gauge.builder("housekeeper.leader", leader, AtomicInteger::get)
                .description("1 while this replica holds the operator's Lease").register(registry);
        duration = Timer.builder("housekeeper.reconcile.duration").description("time of one reconcile")
                .register(registry);
        succeeded = Counter.builder("housekeeper.reconcile").tag("result", "success")
                .description("reconciles, by result").register(registry);
        failed = Counter.builder("housekeeper.reconcile").tag("result", "error")
                .description("reconciles, by result").register(registry);
    }

    public void leader(boolean leading) {
        leader.set(leading ? 1 : 0);
    }

    void reconciled(Duration took, boolean ok) {
        duration.record(took);
        (ok ? succeeded : failed).increment();
    }

    /** The node counts of every Update that exists now; the others' series go. */
    synchronized void rollouts(Map<String, UpdateStatus> statuses) {
        for (Map.Entry<String, UpdateStatus> e : statuses.entrySet()) {
            EnumMap<NodeUpdateState, AtomicInteger> counts = nodes.computeIfAbsent(e.getKey(), this::register);
            UpdateStatus s = e.getValue();
            counts.get(NodeUpdateState.UPDATED).set(s == null ? 0 : s.updated());
            counts.get(NodeUpdateState.UPDATING).set(s == null ? 0 : s.updating());
            counts.get(NodeUpdateState.PENDING).set(s == null ? 0 : s.pending());
            counts.get(NodeUpdateState.FAILED).set(s == null ? 0 : s.failed());
        }
        Set<String> gone = new HashSet<>(nodes.keySet());
        gone.removeAll(statuses.keySet());
        for (String update : gone) {
            nodes.remove(update);
            for (Meter m : registry.find("housekeeper.rollout.nodes").tag("update", update).meters()) {
                registry.remove(m);
            }
        }
    }

    private EnumMap<NodeUpdateState, AtomicInteger> register(String update) {
        EnumMap<NodeUpdateState, AtomicInteger> counts = new EnumMap<>(NodeUpdateState.class);
        for (NodeUpdateState state : NodeUpdateState.values()) {
            AtomicInteger value = new AtomicInteger();
            counts.put(state, value);
            Gauge.builder("housekeeper.rollout.nodes", value, AtomicInteger::get)
                    .description("nodes of an Update's rollout, by state")
                    .tags("update", update, "state", state.name().toLowerCase(Locale.ROOT)).register(registry);
        }
        return counts;
    }

    /** The Prometheus text exposition. */
    public String scrape() {
        return registry.scrape();
    }
}
