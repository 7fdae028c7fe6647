package io.nkd.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nkd.cluster.ApiReadiness;
import io.nkd.cluster.ClusterNode;
import io.nkd.cluster.NodeRemovals;
import io.nkd.cluster.WorkloadCluster;
import io.nkd.cluster.WorkloadClusters;
import io.nkd.ha.Guarded;
import io.nkd.ha.Leadership;
import io.nkd.ha.NotLeaderException;
import io.nkd.pki.BootstrapToken;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** A workload cluster reached through {@link Guarded#workloads}: reads always pass, every write needs the lease. */
class GuardedWorkloadsTest {
    private final AtomicBoolean leading = new AtomicBoolean(true);
    private final Leadership election = new Leadership() {
        @Override
        public String identity() {
            return "replica-a";
        }

        @Override
        public boolean isLeader() {
            return leading.get();
        }

        @Override
        public Optional<String> leader() {
            return Optional.of(leading.get() ? "replica-a" : "replica-b");
        }

        @Override
        public String describe() {
            return "Lease nkd-system/nkd";
        }

        @Override
        public void addListener(Listener listener) {
        }
    };

    @Test
    void readsPassAndWritesNeedTheLease() {
        InMemoryClusterParts.Cluster inner = new InMemoryClusterParts.Cluster() {
            @Override
            public ApiReadiness readiness() {
                return ApiReadiness.up();
            }

            @Override
            public List<ClusterNode> nodes() {
                return List.of();
            }
        };
        WorkloadClusters guarded = Guarded.workloads(target -> Optional.of(inner), election);
        WorkloadCluster c = guarded.connect(null).orElseThrow();
        BootstrapToken token = BootstrapToken.generate(new SecureRandom());
        c.joinTokens().create(token, Instant.parse("2026-12-06T16:00:00Z"), "nkd");
        assertEquals(1, c.joinTokens().list().size());

        leading.set(false);
        assertTrue(c.readiness().ready());
        assertEquals(List.of(), c.nodes());
        assertEquals(1, c.joinTokens().list().size(), "reads pass");
        assertEquals(Optional.empty(), c.rollouts().read());
        NotLeaderException e = assertThrows(NotLeaderException.class, () -> c.joinTokens().delete(token.id()));
        assertEquals("this replica (replica-a) is not the leader of Lease nkd-system/nkd; the leader is replica-b: only the leader"
                + " follows Git, reconciles and changes machines or clusters", e.getMessage());
        assertThrows(NotLeaderException.class, () -> c.joinTokens().create(token, Instant.now(), "nkd"));
        assertThrows(NotLeaderException.class, () -> c.nodeRemovals().remove("n-1", false,
                new NodeRemovals.Policy(Duration.ofMinutes(5), false, null)));
        assertThrows(NotLeaderException.class, () -> c.addons().apply(List.of(), Map.of()));
        assertThrows(NotLeaderException.class, () -> c.rollouts().write(null, false));
        assertEquals(1, c.joinTokens().list().size(), "nothing changed");
        assertEquals(Optional.empty(), c.rollouts().read());
    }
}
