package io.nkd.state.open;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nkd.state.ClusterLock;
import io.nkd.state.ClusterState;
import io.nkd.state.ClusterView;
import io.nkd.state.LocalStateStore;
import io.nkd.state.Sensitivity;
import io.nkd.state.StateStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two {@code nkd state migrate} into one target at once: both find it empty before either writes, and the second must
 * not then write over (or merge into) what the first copied. The emptiness is checked again under each cluster's lock.
 */
class ConcurrentMigrationTest {
    @TempDir
    Path tmp;

    @Test
    void aClusterWrittenByAnotherMigrationAfterTheEmptinessCheckIsNotOverwritten() throws Exception {
        LocalStateStore first = new LocalStateStore(tmp.resolve("first"));
        LocalStateStore second = new LocalStateStore(tmp.resolve("second"));
        LocalStateStore target = new LocalStateStore(tmp.resolve("target"));
        for (LocalStateStore s : List.of(first, second)) {
            try (ClusterState c = s.open("demo")) {
                c.write("pki/ca.key", (s == first ? "first" : "second").getBytes(StandardCharsets.UTF_8), Sensitivity.SECRET);
            }
        }
        // the target as the second migration saw it when it checked: empty (the first had not written yet)
        StateStore seenEmptyThenWritten = new StateStore() {
            boolean checked;

            @Override
            public List<String> listClusters() {
                if (!checked) {
                    checked = true;
                    try {
                        StateMigration.copy(first, "first", target, "target", false, Duration.ofSeconds(5), line -> { });
                    } catch (InterruptedException e) {
                        throw new AssertionError(e);
                    }
                    return List.of();
                }
                return target.listClusters();
            }

            @Override
            public ClusterView view(String cluster) {
                return target.view(cluster);
            }

            @Override
            public ClusterState open(String cluster) {
                return target.open(cluster);
            }

            @Override
            public ClusterState open(String cluster, Duration wait) throws InterruptedException {
                return target.open(cluster, wait);
            }

            @Override
            public ClusterLock lock(String cluster) {
                return target.lock(cluster);
            }

            @Override
            public ClusterLock lock(String cluster, Duration wait) throws InterruptedException {
                return target.lock(cluster, wait);
            }
        };
        StateMigration.MigrationException e = assertThrows(StateMigration.MigrationException.class,
                () -> StateMigration.copy(second, "second", seenEmptyThenWritten, "target", false, Duration.ofSeconds(5), line -> { }));
        assertTrue(e.getMessage().contains("cluster demo"), e.getMessage());
        assertTrue(e.getMessage().contains("--force"), e.getMessage());
        assertArrayEquals("first".getBytes(StandardCharsets.UTF_8), target.view("demo").read("pki/ca.key").orElseThrow(),
                "the first migration's copy was overwritten");
    }
}
