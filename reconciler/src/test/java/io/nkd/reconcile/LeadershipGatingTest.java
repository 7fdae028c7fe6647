package io.nkd.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.nkd.config.Infrastructure;
import io.nkd.ha.Guarded;
import io.nkd.ha.Leadership;
import io.nkd.ha.NotLeaderException;
import io.nkd.infra.MachineRequest;
import io.nkd.infra.Provider;
import io.nkd.infra.ProvisionedMachine;
import io.nkd.secrets.ClusterSecrets;
import io.nkd.secrets.SecretResolver;
import io.nkd.state.LocalStateStore;
import io.nkd.status.StatusStore;
import io.nkd.testsupport.RepoPaths;
import io.nkd.testsupport.TestFiles;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.PersonIdent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The controller under an election it does not lead, then leads, then loses in the middle of a reconcile: a follower
 * neither fetches nor reconciles; a new leader reconciles every cluster by itself; a reconcile that loses leadership
 * before it creates a machine creates none, saves no status and is not retried here.
 */
class LeadershipGatingTest {
    @TempDir
    Path tmp;

    /** An election the test decides. */
    static final class Switch implements Leadership {
        private volatile boolean leading;
        private final List<Listener> listeners = new CopyOnWriteArrayList<>();

        @Override
        public String identity() {
            return "replica-test";
        }

        @Override
        public boolean isLeader() {
            return leading;
        }

        @Override
        public Optional<String> leader() {
            return leading ? Optional.of("replica-test") : Optional.of("replica-other");
        }

        @Override
        public String describe() {
            return "Lease test/nkd";
        }

        @Override
        public void addListener(Listener listener) {
            listeners.add(listener);
        }

        void set(boolean now) {
            leading = now;
            listeners.forEach(l -> {
                if (now) {
                    l.gained();
                } else {
                    l.lost("test");
                }
            });
        }
    }

    private Git git;
    private LocalStateStore store;
    private Controller controller;
    private final Switch election = new Switch();
    private final ClusterReconcilerTest.FakeProvider provider = new ClusterReconcilerTest.FakeProvider();
    /** While counted up, the provider's list() waits: the reconcile is in the middle of ReconcileMachines. */
    private volatile CountDownLatch gate = new CountDownLatch(0);
    private final CountDownLatch listing = new CountDownLatch(1);

    @BeforeEach
    void setUp() throws Exception {
        Path repo = tmp.resolve("repo");
        TestFiles.copyTree(RepoPaths.repoRoot().resolve("repo-layout/example"), repo);
        git = Git.init().setDirectory(repo.toFile()).setInitialBranch("main").call();
        git.add().addFilepattern(".").call();
        PersonIdent who = new PersonIdent("test", "test@example.com");
        git.commit().setMessage("initial").setAuthor(who).setCommitter(who).setSign(false).call();
        store = new LocalStateStore(tmp.resolve("state"));
        Provider waiting = new Provider() {
            @Override
            public Infrastructure.ProviderType type() {
                return provider.type();
            }

            @Override
            public List<ProvisionedMachine> list(String cluster) {
                listing.countDown();
                try {
                    assertTrue(gate.await(30, TimeUnit.SECONDS));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return provider.list(cluster);
            }

            @Override
            public ProvisionedMachine create(MachineRequest request) {
                return provider.create(request);
            }

            @Override
            public void delete(String cluster, String machine) {
                provider.delete(cluster, machine);
            }

            @Override
            public List<io.nkd.infra.OwnedResource> owned(String cluster) {
                return provider.owned(cluster);
            }

            @Override
            public List<io.nkd.infra.OwnedResource> destroy(String cluster) {
                return provider.destroy(cluster);
            }
        };
        Collaborators c = new Collaborators(
                new ClusterSecrets(store, new SecretResolver(tmp, Map.of()), new SecureRandom(), Clock.systemUTC()),
                (state, rendered) -> { },
                new Collaborators.BootConfigs() {
                    @Override
                    public String pointer(io.nkd.state.ClusterState state, String pool, String node, String poolVersion, String nodeVersion) {
                        return "pointer";
                    }

                    @Override
                    public void revoke(io.nkd.state.ClusterState state, String node) {
                    }
                },
                // as the daemon wires it: every provider mutation checks the election first
                infra -> infra.provider() == Infrastructure.ProviderType.SANDBOX ? Optional.of(Guarded.provider(waiting, election)) : Optional.empty());
        SimpleMeterRegistry metrics = new SimpleMeterRegistry();
        controller = new Controller(new LocalRepoSource(repo, "main"), new ClusterReconciler(store, c, Clock.systemUTC(), metrics),
                store, 2, metrics, election);
    }

    @AfterEach
    void tearDown() {
        controller.close();
        git.close();
    }

    @Test
    void aFollowerNeitherFetchesNorReconcilesAndANewLeaderReconcilesEveryCluster() throws Exception {
        assertFalse(controller.poll(), "a follower does not fetch");
        controller.request("sandbox-demo", true);
        Thread.sleep(300);
        assertTrue(StatusStore.status(store.view("sandbox-demo")).isEmpty(), "a follower does not reconcile");
        assertTrue(provider.calls.isEmpty(), provider.calls.toString());

        election.set(true);
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (StatusStore.status(store.view("sandbox-demo")).isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertTrue(controller.awaitIdle(Duration.ofSeconds(30)));
        assertTrue(StatusStore.status(store.view("sandbox-demo")).isPresent(), "the new leader fetched and reconciled by itself");
        assertEquals(3, provider.machines.size(), provider.machines.keySet().toString());
    }

    @Test
    void aReconcileThatLosesLeadershipCreatesNothingSavesNoStatusAndIsNotRetriedHere() throws Exception {
        gate = new CountDownLatch(1);
        election.set(true);
        assertTrue(listing.await(30, TimeUnit.SECONDS), "the reconcile reached the provider");
        election.set(false); // the lease is lost while the reconcile lists machines
        gate.countDown();
        assertTrue(controller.awaitIdle(Duration.ofSeconds(30)));
        assertEquals(Map.of(), provider.machines, "no machine created after leadership was lost");
        assertTrue(StatusStore.status(store.view("sandbox-demo")).isEmpty(), "no status saved by a replica that does not lead");
        Thread.sleep(Controller.MIN_BACKOFF.toMillis() / 10);
        assertTrue(controller.awaitIdle(Duration.ofSeconds(1)), "nothing queued or retried");
        NotLeaderException e = assertThrows(NotLeaderException.class, election::ensureLeader);
        assertTrue(e.getMessage().contains("the leader is replica-other"), e.getMessage());
    }
}
