package io.nkd.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.nkd.config.Infrastructure;
import io.nkd.config.Snapshot;
import io.nkd.git.Snapshots;
import io.nkd.render.RenderedCluster;
import io.nkd.secrets.ClusterSecrets;
import io.nkd.secrets.SecretResolver;
import io.nkd.state.ClusterState;
import io.nkd.state.LocalStateStore;
import io.nkd.status.ClusterStatus;
import io.nkd.status.Condition;
import io.nkd.testsupport.RepoPaths;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A cluster whose configs cannot be served (lost at a restart) is not Ready, even when held at its last good commit. */
class NotServedStatusTest {
    @TempDir
    Path tmp;

    private final AtomicBoolean lost = new AtomicBoolean();

    private static Snapshot example(String revision, boolean valid) {
        Snapshot base = Snapshots.fromDirectory(RepoPaths.repoRoot().resolve("repo-layout/example"));
        TreeMap<String, byte[]> files = new TreeMap<>(base.files());
        if (!valid) {
            String yaml = "clusters/sandbox-demo/cluster.yaml";
            files.put(yaml, base.text(yaml).orElseThrow().replace("replicas: 2", "replicas: two").getBytes(StandardCharsets.UTF_8));
        }
        return new Snapshot(revision, files);
    }

    @Test
    void aHeldClusterWhoseConfigsAreNotServedIsDegradedNotReady() {
        LocalStateStore store = new LocalStateStore(tmp.resolve("state"));
        Collaborators.ConfigPublisher publisher = new Collaborators.ConfigPublisher() {
            @Override
            public void publish(ClusterState state, RenderedCluster rendered) {
            }

            @Override
            public List<String> unserved(String cluster, Collection<String> poolVersions) {
                return lost.get() ? List.copyOf(poolVersions) : List.of();
            }
        };
        ClusterReconcilerTest.FakeProvider provider = new ClusterReconcilerTest.FakeProvider();
        Collaborators c = new Collaborators(new ClusterSecrets(store, new SecretResolver(tmp, Map.of()), new SecureRandom(),
                Clock.systemUTC()), publisher, new Collaborators.BootConfigs() {
                    @Override
                    public String pointer(ClusterState state, String pool, String node, String poolVersion, String nodeVersion) {
                        return "pointer;pool=" + poolVersion + ";node=" + nodeVersion;
                    }

                    @Override
                    public void revoke(ClusterState state, String node) {
                    }
                }, infra -> infra.provider() == Infrastructure.ProviderType.SANDBOX ? Optional.of(provider) : Optional.empty());
        ClusterReconciler reconciler = new ClusterReconciler(store, c, Clock.systemUTC(), new SimpleMeterRegistry());

        assertEquals(ClusterStatus.Phase.READY, reconciler.reconcile("sandbox-demo", DesiredRevision.of(example("a".repeat(40), true)))
                .status().phase());
        lost.set(true); // a restart found the stored configs damaged; the head is now invalid, so nothing re-renders them
        ClusterStatus held = reconciler.reconcile("sandbox-demo", DesiredRevision.of(example("b".repeat(40), false))).status();
        assertEquals("a".repeat(40), held.appliedRevision());
        assertEquals(ClusterStatus.Phase.DEGRADED, held.phase());
        Condition ready = held.condition("Ready");
        assertEquals(Condition.Status.FALSE, ready.status());
        assertEquals("ConfigsNotServed", ready.reason());
        assertTrue(ready.message().startsWith("pool config(s) rendered-control-plane-"), ready.message());
        lost.set(false);
        assertEquals(ClusterStatus.Phase.READY, reconciler.reconcile("sandbox-demo", DesiredRevision.of(example("c".repeat(40), true)))
                .status().phase());
    }
}
