package io.nkd.infra.sandbox;

import io.nkd.cluster.Addons;
import io.nkd.cluster.ApiReadiness;
import io.nkd.cluster.ClusterNode;
import io.nkd.cluster.JoinTokens;
import io.nkd.cluster.NodeRemovals;
import io.nkd.cluster.Rollouts;
import io.nkd.cluster.WorkloadCluster;
import io.nkd.cluster.WorkloadClusters;
import io.nkd.config.Infrastructure;
import io.nkd.housekeeper.api.Update;
import io.nkd.housekeeper.api.UpdateSpec;
import io.nkd.pki.BootstrapToken;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The sandbox's simulated Kubernetes side: booted sandbox machines join as Nodes, and the Housekeeper's rollout
 * planner drives simulated node agents through the Update nkd writes (see {@link SimulatedKube}). One simulation per
 * cluster, on the machines of the process's one {@link SandboxProvider}; its pace follows the cluster's
 * {@code spec.infrastructure.sandbox.bootTime} (an agent step takes half of it).
 */
public final class SandboxClusters implements WorkloadClusters {
    /** The process's sandbox, looked up on first connect (a daemon without sandbox clusters never builds one). */
    private final java.util.function.Supplier<SandboxProvider> provider;
    private final Clock clock;
    private final Map<String, SimulatedKube> clusters = new ConcurrentHashMap<>();

    public SandboxClusters(java.util.function.Supplier<SandboxProvider> provider) {
        this(provider, Clock.systemUTC());
    }

    public SandboxClusters(java.util.function.Supplier<SandboxProvider> provider, Clock clock) {
        this.provider = Objects.requireNonNull(provider, "provider");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    SandboxClusters(SandboxProvider provider, Clock clock) {
        this(() -> provider, clock);
    }

    @Override
    public Optional<WorkloadCluster> connect(Target target) {
        if (target.infrastructure() == null || target.infrastructure().provider() != Infrastructure.ProviderType.SANDBOX) {
            return Optional.empty();
        }
        Duration boot = target.infrastructure().sandbox() == null || target.infrastructure().sandbox().bootTime() == null
                ? Duration.ofSeconds(2) : target.infrastructure().sandbox().bootTime();
        SimulatedKube.Timing timing = SimulatedKube.Timing.forBootTime(boot);
        SimulatedKube kube = clusters.computeIfAbsent(target.cluster(), c -> new SimulatedKube(c, provider.get(), clock, timing));
        kube.timing(timing); // a commit may change the boot time
        return Optional.of(new Simulated(kube));
    }

    /** One connection: a view of the cluster's simulation; closing it releases nothing. */
    private record Simulated(SimulatedKube kube) implements WorkloadCluster {
        @Override
        public ApiReadiness readiness() {
            return kube.readiness();
        }

        @Override
        public List<ClusterNode> nodes() {
            return kube.nodes();
        }

        @Override
        public JoinTokens joinTokens() {
            return new JoinTokens() {
                @Override
                public void create(BootstrapToken token, Instant expires, String description) {
                    kube.createToken(token, expires, description);
                }

                @Override
                public void delete(String id) {
                    kube.deleteToken(id);
                }

                @Override
                public Map<String, Instant> list() {
                    return kube.tokens();
                }
            };
        }

        @Override
        public NodeRemovals nodeRemovals() {
            return (node, controlPlane, policy) -> kube.remove(node, controlPlane);
        }

        @Override
        public Addons addons() {
            return kube::apply;
        }

        @Override
        public Rollouts rollouts() {
            return new Rollouts() {
                @Override
                public Optional<Update> read() {
                    return kube.readUpdate();
                }

                @Override
                public void write(UpdateSpec spec, boolean upstreamFieldsOnly) {
                    kube.writeUpdate(spec, upstreamFieldsOnly);
                }
            };
        }

        @Override
        public void close() {
        }
    }
}
