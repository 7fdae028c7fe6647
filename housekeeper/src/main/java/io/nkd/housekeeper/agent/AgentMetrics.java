package io.nkd.housekeeper.agent;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.nkd.housekeeper.agent.host.CommandResult;
import io.nkd.housekeeper.api.AgentState;
import io.nkd.housekeeper.api.ContractJson;
import io.nkd.housekeeper.api.NodeReport;

import java.util.List;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

/**
 * The agent's Prometheus metrics: {@code housekeeper_agent_host_commands_total{command,result}},
 * {@code housekeeper_agent_host_command_seconds{command}} and {@code housekeeper_agent_state{state}} (1 for the
 * current state, named as in the report: "Draining") and {@code housekeeper_agent_drain_blocked_pods} (pods whose
 * eviction a PodDisruptionBudget refuses now while the node drains). The command label is the tool and its subcommand ("rpm-ostree rebase"), never an argument, so the
 * label set stays small.
 */
public final class AgentMetrics {
    private final MeterRegistry registry;

    public AgentMetrics(MeterRegistry registry, Supplier<NodeReport> report, IntSupplier drainBlockedPods) {
        this.registry = registry;
        Gauge.builder("housekeeper.agent.drain.blocked.pods", drainBlockedPods::getAsInt)
                .description("pods whose eviction a PodDisruptionBudget refuses now while the node drains")
                .register(registry);
        for (AgentState s : AgentState.values()) {
            Gauge.builder("housekeeper.agent.state", () -> {
                NodeReport r = report.get();
                return r != null && r.state() == s ? 1 : 0;
            }).tag("state", ContractJson.write(s).replace("\"", ""))
                    .description("1 for the agent's current state").register(registry);
        }
    }

    public void record(CommandResult r) {
        String command = label(r.argv());
        Counter.builder("housekeeper.agent.host.commands").tag("command", command)
                .tag("result", r.succeeded() ? "ok" : "failed").description("host commands the agent ran")
                .register(registry).increment();
        Timer.builder("housekeeper.agent.host.command").tag("command", command)
                .description("how long host commands took").register(registry).record(r.duration());
    }

    static String label(List<String> argv) {
        if (argv.size() >= 2 && !argv.get(1).startsWith("-")) {
            return argv.get(0) + " " + argv.get(1);
        }
        return argv.get(0);
    }
}
