package io.nkd.ha;

import io.nkd.cluster.Addons;
import io.nkd.cluster.ApiReadiness;
import io.nkd.cluster.ClusterNode;
import io.nkd.cluster.JoinTokens;
import io.nkd.cluster.NodeRemovals;
import io.nkd.cluster.Rollouts;
import io.nkd.cluster.WorkloadCluster;
import io.nkd.cluster.WorkloadClusters;
import io.nkd.config.Infrastructure;
import io.nkd.infra.MachineRequest;
import io.nkd.infra.OwnedResource;
import io.nkd.infra.Provider;
import io.nkd.infra.ProvisionedMachine;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Decorators that ask {@link Leadership#ensureLeader()} right before every external mutation: a provider's create,
 * delete and destroy, and every write to a workload cluster (bootstrap tokens, node removals, add-on applies, the
 * Housekeeper's Update). Reads pass through: a replica that just lost the lease may still look, never touch. The
 * reconcile steps get these from the daemon's Collaborators, so no step has to remember the check.
 */
public final class Guarded {
    private Guarded() {
    }

    /** {@code provider} with every mutation checked. */
    public static Provider provider(Provider provider, Leadership leadership) {
        Objects.requireNonNull(provider, "provider");
        Objects.requireNonNull(leadership, "leadership");
        return new Provider() {
            @Override
            public Infrastructure.ProviderType type() {
                return provider.type();
            }

            @Override
            public String name() {
                return provider.name();
            }

            @Override
            public List<ProvisionedMachine> list(String cluster) {
                return provider.list(cluster);
            }

            @Override
            public ProvisionedMachine create(MachineRequest request) {
                leadership.ensureLeader();
                return provider.create(request);
            }

            @Override
            public void delete(String cluster, String machine) {
                leadership.ensureLeader();
                provider.delete(cluster, machine);
            }

            @Override
            public List<OwnedResource> owned(String cluster) {
                return provider.owned(cluster);
            }

            @Override
            public List<OwnedResource> destroy(String cluster) {
                leadership.ensureLeader();
                return provider.destroy(cluster);
            }
        };
    }

    /** {@code clusters} whose connections check every write. */
    public static WorkloadClusters workloads(WorkloadClusters clusters, Leadership leadership) {
        Objects.requireNonNull(clusters, "clusters");
        Objects.requireNonNull(leadership, "leadership");
        return target -> clusters.connect(target).map(c -> workload(c, leadership));
    }

    private static WorkloadCluster workload(WorkloadCluster c, Leadership leadership) {
        return new WorkloadCluster() {
            @Override
            public ApiReadiness readiness() {
                return c.readiness();
            }

            @Override
            public List<ClusterNode> nodes() {
                return c.nodes();
            }

            @Override
            public JoinTokens joinTokens() {
                JoinTokens t = c.joinTokens();
                return new JoinTokens() {
                    @Override
                    public void create(io.nkd.pki.BootstrapToken token, java.time.Instant expires, String description) {
                        leadership.ensureLeader();
                        t.create(token, expires, description);
                    }

                    @Override
                    public void delete(String id) {
                        leadership.ensureLeader();
                        t.delete(id);
                    }

                    @Override
                    public Map<String, java.time.Instant> list() {
                        return t.list();
                    }
                };
            }

            @Override
            public NodeRemovals nodeRemovals() {
                NodeRemovals r = c.nodeRemovals();
                return (node, controlPlane, policy) -> {
                    leadership.ensureLeader();
                    return r.remove(node, controlPlane, policy);
                };
            }

            @Override
            public Addons addons() {
                Addons a = c.addons();
                return (objects, addons) -> {
                    leadership.ensureLeader();
                    return a.apply(objects, addons);
                };
            }

            @Override
            public Rollouts rollouts() {
                Rollouts r = c.rollouts();
                return new Rollouts() {
                    @Override
                    public Optional<io.nkd.housekeeper.api.Update> read() {
                        return r.read();
                    }

                    @Override
                    public void write(io.nkd.housekeeper.api.UpdateSpec spec, boolean upstreamFieldsOnly) {
                        leadership.ensureLeader();
                        r.write(spec, upstreamFieldsOnly);
                    }
                };
            }

            @Override
            public void close() {
                c.close();
            }
        };
    }
}
