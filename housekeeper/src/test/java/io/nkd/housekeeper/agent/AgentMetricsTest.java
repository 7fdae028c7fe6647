package io.nkd.housekeeper.agent;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.nkd.housekeeper.agent.host.CommandResult;
import io.nkd.housekeeper.api.AgentState;
import io.nkd.housekeeper.api.NodeReport;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertTrue;

class AgentMetricsTest {

    @Test
    void prometheusNamesAndSmallLabelSets() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        AtomicReference<NodeReport> report = new AtomicReference<>(new NodeReport(null, null, null, "v1.29.3",
                AgentState.DRAINING, "u/1/1", null, "draining", "2026-12-06T08:00:00Z", true, null, "dev"));
        AgentMetrics metrics = new AgentMetrics(registry, report::get, () -> 3);
        metrics.record(new CommandResult(List.of("rpm-ostree", "rebase", "--experimental",
                "ostree-unverified-image:docker://registry.example/os:2", "--bypass-driver"), 1, "", "error",
                Duration.ofSeconds(3)));
        metrics.record(new CommandResult(List.of("kubelet", "--version"), 0, "Kubernetes v1.29.3", "",
                Duration.ofMillis(20)));
        String text = registry.scrape();
        assertTrue(text.contains("housekeeper_agent_host_commands_total{command=\"rpm-ostree rebase\",result=\"failed\"} 1.0"),
                text);
        assertTrue(text.contains("housekeeper_agent_host_commands_total{command=\"kubelet\",result=\"ok\"} 1.0"), text);
        assertTrue(text.contains("housekeeper_agent_host_command_seconds_count{command=\"rpm-ostree rebase\"} 1"), text);
        assertTrue(text.contains("housekeeper_agent_state{state=\"Draining\"} 1.0"), text);
        assertTrue(text.contains("housekeeper_agent_state{state=\"Idle\"} 0.0"), text);
        assertTrue(text.contains("housekeeper_agent_drain_blocked_pods 3.0"), text);
        assertTrue(!text.contains("registry.example"), "no argument (image, version) ends up in a label");
    }
}
