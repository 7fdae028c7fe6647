package io.nkd.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nkd.infra.ProvisionedMachine;
import io.nkd.infra.sandbox.SandboxProvider;
import io.nkd.status.ClusterStatus;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code nkd destroy} against the sandbox provider, on a state directory the daemon's parts reconciled: two clusters,
 * one destroyed; the other keeps every machine and all its state.
 */
class DestroyTest {
    private static final String OTHER = "sandbox-other";

    @TempDir
    Path tmp;

    /** Runs {@code nkd ARGS} in process: exit code, standard output and standard error. */
    private static Map.Entry<Integer, String> nkd(String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        try {
            PrintStream both = new PrintStream(captured, true, StandardCharsets.UTF_8);
            System.setOut(both);
            System.setErr(both);
            int exit = io.nkd.cli.Main.execute(args);
            return Map.entry(exit, captured.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    /** The sandbox's machines of a cluster as its files say (a fresh reader: what a restarted nkd would find). */
    private List<String> machines(String cluster) {
        try (SandboxProvider fresh = new SandboxProvider(tmp.resolve("state"), Duration.ofHours(1))) {
            return fresh.list(cluster).stream().map(ProvisionedMachine::name).toList();
        }
    }

    @Test
    void destroyListsFirstThenRemovesExactlyOneClusterAndKeepsItsPkiInABackup() throws Exception {
        try (SandboxDaemon d = new SandboxDaemon(tmp)) {
            d.edit(SandboxDaemon.FILE, "bootTime: 2s", "bootTime: 50ms");
            String other = Files.readString(d.repo.resolve(SandboxDaemon.FILE)).replace("sandbox-demo", OTHER);
            d.write("clusters/" + OTHER + "/cluster.yaml", other);
            d.commit("two clusters");
            assertEquals(ClusterStatus.Phase.READY, d.apply("two clusters").phase());
            DesiredRevision two = DesiredRevision.of(d.snapshot("two clusters"));
            ClusterStatus otherStatus = d.reconciler.reconcile(OTHER, two).status();
            for (long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                 otherStatus.phase() == ClusterStatus.Phase.PROVISIONING && System.nanoTime() < end; ) {
                Thread.sleep(50);
                otherStatus = d.reconciler.reconcile(OTHER, two).status();
            }
            assertEquals(ClusterStatus.Phase.READY, otherStatus.phase());
            List<String> otherMachines = machines(OTHER);
            // the sandbox's machines booted through the real Ignition server: its record saw each node's fetch
            var fetched = d.tokens.fetches().fetched(d.store.view(SandboxDaemon.CLUSTER));
            assertEquals(java.util.Set.copyOf(machines(SandboxDaemon.CLUSTER)), fetched.keySet());
            ClusterStatus demo = io.nkd.status.StatusStore.status(d.store.view(SandboxDaemon.CLUSTER)).orElseThrow();
            demo.nodes().forEach(n -> {
                assertEquals(io.nkd.status.MachinePhase.FETCHED, n.phase(), n.name());
                assertEquals(fetched.get(n.name()).poolVersion(), n.currentVersion(), "current = the version it fetched");
            });
            assertEquals(3, otherMachines.size());
            String state = tmp.resolve("state").toString();

            // still in Git: refused, nothing touched
            var refused = nkd("destroy", SandboxDaemon.CLUSTER, "--state-dir", state, "--confirm", SandboxDaemon.CLUSTER);
            assertNotEquals(0, refused.getKey());
            assertTrue(refused.getValue().contains("is still managed") && refused.getValue().contains("Remove clusters/sandbox-demo/"),
                    refused.getValue());
            assertEquals(3, machines(SandboxDaemon.CLUSTER).size());

            // removed from Git and seen by the daemon: UNMANAGED
            d.remove("clusters/" + SandboxDaemon.CLUSTER);
            d.commit("remove");
            assertEquals(ClusterStatus.Phase.UNMANAGED, d.apply("remove").phase());

            var wrongName = nkd("destroy", SandboxDaemon.CLUSTER, "--state-dir", state, "--confirm", OTHER);
            assertNotEquals(0, wrongName.getKey());
            assertTrue(wrongName.getValue().contains("does not match"), wrongName.getValue());

            var dry = nkd("destroy", SandboxDaemon.CLUSTER, "--state-dir", state);
            assertEquals(0, dry.getKey(), dry.getValue());
            assertTrue(dry.getValue().contains("Dry run: nothing was changed"), dry.getValue());
            assertTrue(dry.getValue().contains("'nkd destroy sandbox-demo --state-dir " + state + " --confirm sandbox-demo'"),
                    "says how to really run it, as a command that can be pasted: " + dry.getValue());
            for (String m : machines(SandboxDaemon.CLUSTER)) {
                assertTrue(dry.getValue().contains("machine " + m), m + " listed: " + dry.getValue());
            }
            assertTrue(dry.getValue().contains("kubernetes/"), "the state it would forget: " + dry.getValue());
            assertEquals(3, machines(SandboxDaemon.CLUSTER).size(), "the dry run deleted nothing");
            assertTrue(d.store.listClusters().contains(SandboxDaemon.CLUSTER));

            var typo = nkd("destroy", "sandbox-dem", "--state-dir", state, "--confirm", "sandbox-dem");
            assertEquals(0, typo.getKey(), typo.getValue());
            assertTrue(typo.getValue().contains("nothing to destroy (clusters with state: sandbox-demo, sandbox-other)"), typo.getValue());
            var reserved = nkd("destroy", "nkd-server", "--state-dir", state, "--confirm", "nkd-server");
            assertNotEquals(0, reserved.getKey());
            assertTrue(reserved.getValue().contains("nkd-server is not a cluster"), reserved.getValue());

            var done = nkd("destroy", SandboxDaemon.CLUSTER, "--state-dir", state, "--confirm", SandboxDaemon.CLUSTER);
            assertEquals(0, done.getKey(), done.getValue());
            assertEquals(List.of(), machines(SandboxDaemon.CLUSTER), "its machines are gone");
            assertEquals(otherMachines, machines(OTHER), "the other cluster's machines are untouched");
            assertFalse(d.store.listClusters().contains(SandboxDaemon.CLUSTER), "its state is forgotten");
            assertTrue(d.store.listClusters().contains(OTHER));
            assertTrue(d.store.view(OTHER).exists("kubernetes/pki/ca.key"), "the other cluster keeps its PKI");
            assertTrue(done.getValue().contains("Revoked 3 node token(s)"), done.getValue());

            Path backups = tmp.resolve("state/backups");
            List<Path> kept;
            try (Stream<Path> s = Files.list(backups)) {
                kept = s.toList();
            }
            assertEquals(1, kept.size(), kept.toString());
            assertTrue(kept.get(0).getFileName().toString().startsWith("sandbox-demo-"), kept.toString());
            assertTrue(done.getValue().contains(kept.get(0).toString()), "the backup's path is printed: " + done.getValue());
            assertTrue(Files.exists(kept.get(0).resolve("kubernetes/pki/ca.key")), "the backup holds the PKI");
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(kept.get(0))));
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(backups)));

            // a second destroy is a no-op
            var again = nkd("destroy", SandboxDaemon.CLUSTER, "--state-dir", state, "--confirm", SandboxDaemon.CLUSTER);
            assertEquals(0, again.getKey(), again.getValue());
            assertTrue(again.getValue().contains("nothing to destroy"), again.getValue());

            // a reconcile queued before the destroy does not bring the state back
            d.reconciler.reconcile(SandboxDaemon.CLUSTER, DesiredRevision.of(d.snapshot("remove")));
            assertFalse(d.store.listClusters().contains(SandboxDaemon.CLUSTER));

            // --purge keeps nothing
            d.edit("clusters/" + OTHER + "/cluster.yaml", "spec:\n", "spec:\n  paused: true\n");
            d.commit("pause other");
            assertEquals(ClusterStatus.Phase.PAUSED, d.reconciler.reconcile(OTHER, DesiredRevision.of(d.snapshot("pause other"))).status().phase());
            var purged = nkd("destroy", OTHER, "--state-dir", state, "--confirm", OTHER, "--purge");
            assertEquals(0, purged.getKey(), purged.getValue());
            assertEquals(List.of(), machines(OTHER));
            assertFalse(d.store.listClusters().contains(OTHER));
            try (Stream<Path> s = Files.list(backups)) {
                assertEquals(1, s.count(), "no backup of a purged cluster");
            }
        }
    }

    @Test
    void nkdsOwnStateIsNoClusterToDestroy() throws Exception {
        io.nkd.state.LocalStateStore store = new io.nkd.state.LocalStateStore(tmp.resolve("own"));
        io.nkd.server.ServingCa.ensure(store, new java.security.SecureRandom(), java.time.Clock.systemUTC());
        String state = tmp.resolve("own").toString();
        var refused = nkd("destroy", "nkd-server", "--state-dir", state, "--confirm", "nkd-server");
        assertNotEquals(0, refused.getKey());
        assertTrue(refused.getValue().contains("nkd-server is not a cluster") && !refused.getValue().contains("Remove clusters/"),
                refused.getValue());
        assertTrue(store.listClusters().contains("nkd-server"), "the serving CA is kept");
    }

    @Test
    void aFirstCommitThatFailedMidwayIsDestroyedToo() throws Exception {
        // quota hit at the last machine: the first ones exist, but no commit was ever fully applied
        try (SandboxDaemon d = new SandboxDaemon(tmp)) {
            d.commit("first");
            d.refuseCreate.add("sandbox-demo-workers-2");
            ClusterStatus failed = d.apply("first");
            assertNotEquals(ClusterStatus.Phase.READY, failed.phase());
            assertEquals(List.of("sandbox-demo-control-plane-1", "sandbox-demo-workers-1"), machines(SandboxDaemon.CLUSTER).stream().sorted().toList());

            d.remove("clusters/" + SandboxDaemon.CLUSTER);
            d.commit("remove");
            assertEquals(ClusterStatus.Phase.UNMANAGED, d.apply("remove").phase());
            String state = tmp.resolve("state").toString();

            var dry = nkd("destroy", SandboxDaemon.CLUSTER, "--state-dir", state);
            assertEquals(0, dry.getKey(), dry.getValue());
            for (String m : machines(SandboxDaemon.CLUSTER)) {
                assertTrue(dry.getValue().contains("machine " + m), m + " listed: " + dry.getValue());
            }
            var done = nkd("destroy", SandboxDaemon.CLUSTER, "--state-dir", state, "--confirm", SandboxDaemon.CLUSTER);
            assertEquals(0, done.getKey(), done.getValue());
            assertEquals(List.of(), machines(SandboxDaemon.CLUSTER), "the machines the failed commit made are gone: " + done.getValue());
        }
    }
}
