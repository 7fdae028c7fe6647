package io.nkd.reconcile;

import io.nkd.cluster.Addons;
import io.nkd.cluster.WorkloadCluster;
import io.nkd.cluster.JoinTokens;
import io.nkd.cluster.NodeRemovals;
import io.nkd.cluster.Rollouts;
import io.nkd.housekeeper.api.Update;
import io.nkd.housekeeper.api.UpdateSpec;
import io.nkd.pki.BootstrapToken;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The parts of a cluster's API a test about something else does not look at, in memory and always answering: tokens
 * kept in a map, removals done at once, every add-on object applied, one Update kept as written. For the fakes of
 * tests that run the daemon's whole step list (each step calls its part once the API is up).
 */
final class InMemoryClusterParts {
    private InMemoryClusterParts() {
    }

    /**
     * A fake cluster API: a test says how readiness and Nodes answer (and overrides any part it looks at); the other
     * parts are these in-memory ones, and close does nothing.
     */
    abstract static class Cluster implements WorkloadCluster {
        private final JoinTokens tokens = InMemoryClusterParts.tokens();
        private final Rollouts rollouts = InMemoryClusterParts.rollouts();

        @Override
        public JoinTokens joinTokens() {
            return tokens;
        }

        @Override
        public NodeRemovals nodeRemovals() {
            return InMemoryClusterParts.removals();
        }

        @Override
        public Addons addons() {
            return InMemoryClusterParts.addons();
        }

        @Override
        public Rollouts rollouts() {
            return rollouts;
        }

        @Override
        public void close() {
        }
    }

    static JoinTokens tokens() {
        Map<String, Instant> tokens = new TreeMap<>();
        return new JoinTokens() {
            @Override
            public synchronized void create(BootstrapToken token, Instant expires, String description) {
                tokens.put(token.id(), expires);
            }

            @Override
            public synchronized void delete(String id) {
                tokens.remove(id);
            }

            @Override
            public synchronized Map<String, Instant> list() {
                return Map.copyOf(tokens);
            }
        };
    }

    static NodeRemovals removals() {
        return (node, controlPlane, policy) -> new NodeRemovals.Progress.Done();
    }

    static Addons addons() {
        return (objects, addons) -> new Addons.ApplyReport(objects.stream()
                .map(o -> new Addons.ObjectResult(o, Addons.Outcome.APPLIED, null)).toList(), java.util.List.of());
    }

    static Rollouts rollouts() {
        return new Rollouts() {
            private Update update;

            @Override
            public synchronized Optional<Update> read() {
                return Optional.ofNullable(update);
            }

            @Override
            public synchronized void write(UpdateSpec spec, boolean upstreamFieldsOnly) {
                Update u = new Update();
                u.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder().withNamespace("housekeeper-system")
                        .withName("nkd").withGeneration(update == null ? 1L : update.getMetadata().getGeneration() + 1).build());
                u.setSpec(spec);
                update = u;
            }
        };
    }
}
