package io.nkd.reconcile;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code nkd_addon_apply_total{cluster,result}} (result {@code applied}, {@code waiting} or {@code failed}: one per apply
 * ApplyAddons made) and {@code nkd_addon_objects{cluster}} (objects in the cluster's add-ons at the last apply).
 */
final class AddonMetrics {
    private final MeterRegistry metrics;
    private final ConcurrentMap<String, AtomicLong> objects = new ConcurrentHashMap<>();

    AddonMetrics(MeterRegistry metrics) {
        this.metrics = metrics;
    }

    void record(Scope s) {
        if (!s.addonsApplied || s.addons == null) {
            return;
        }
        String result = !s.addons.errors().isEmpty() ? "failed" : !s.addons.waiting().isEmpty() ? "waiting" : "applied";
        metrics.counter("nkd_addon_apply_total", "cluster", s.cluster, "result", result).increment();
        objects.computeIfAbsent(s.cluster, c -> metrics.gauge("nkd_addon_objects", Tags.of("cluster", c), new AtomicLong()))
                .set(s.addons.objects());
    }
}
