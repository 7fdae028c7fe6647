package io.nkd.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nkd.git.Snapshots;
import io.nkd.pki.Kubeconfig;
import io.nkd.reconcile.DesiredRevision;
import io.nkd.secrets.ClusterSecrets;
import io.nkd.secrets.SecretResolver;
import io.nkd.state.ClusterState;
import io.nkd.state.LocalStateStore;
import io.nkd.testsupport.RepoPaths;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code nkd kubeconfig}: the admin kubeconfig nkd keeps, to a 0600 file or standard output, and what it says when it cannot. */
class KubeconfigCommandTest {
    @TempDir
    Path tmp;
    private Path state;
    private byte[] adminConf;

    @BeforeEach
    void generate() throws Exception {
        state = tmp.resolve("state");
        LocalStateStore store = new LocalStateStore(state);
        var config = DesiredRevision.of(Snapshots.fromDirectory(RepoPaths.repoRoot().resolve("repo-layout/example"))).config();
        new ClusterSecrets(store, new SecretResolver(tmp, Map.of()), new SecureRandom(), Clock.systemUTC())
                .ensure(config.cluster("sandbox-demo").orElseThrow());
        adminConf = store.view("sandbox-demo").read("kubernetes/admin.conf").orElseThrow();
        try (ClusterState s = store.open("no-pki-yet")) {
            s.write("status.json", "{}".getBytes(), io.nkd.state.Sensitivity.PUBLIC);
        }
    }

    @Test
    void writesTheAdminKubeconfigToAFileOnlyTheOwnerCanRead() throws Exception {
        Path file = tmp.resolve("demo.conf");
        CliRun r = CliRun.run("", "kubeconfig", "sandbox-demo", "--state-dir", state.toString(), "--output", file.toString());
        assertEquals(0, r.exit(), r.err());
        assertArrayEquals(adminConf, Files.readAllBytes(file));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        Kubeconfig k = Kubeconfig.parse(Files.readAllBytes(file));
        assertEquals("https://sandbox-demo-control-plane-1:6443", k.server());
        assertTrue(r.err().contains("to " + file + " (mode 0600; server https://sandbox-demo-control-plane-1:6443, user kubernetes-admin)"),
                r.err());
        assertFalse(r.out().contains("client-key-data") || r.err().contains("client-key-data"), "the credential goes to the file only");
        try (var files = Files.list(tmp)) {
            assertEquals(0, files.filter(p -> p.getFileName().toString().endsWith(".tmp")).count(), "no temporary file left");
        }
    }

    @Test
    void anExistingFileIsReplacedOnlyWithForce() throws Exception {
        Path file = Files.writeString(tmp.resolve("demo.conf"), "mine");
        CliRun refused = CliRun.run("", "kubeconfig", "sandbox-demo", "--state-dir", state.toString(), "--output", file.toString());
        assertEquals(1, refused.exit());
        assertTrue(refused.err().contains(file + " exists; nkd kubeconfig does not overwrite it without --force"), refused.err());
        assertEquals("mine", Files.readString(file));

        CliRun forced = CliRun.run("", "kubeconfig", "sandbox-demo", "--state-dir", state.toString(), "--output", file.toString(), "--force");
        assertEquals(0, forced.exit(), forced.err());
        assertArrayEquals(adminConf, Files.readAllBytes(file));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    }

    @Test
    void withoutOutputItGoesToStandardOutput() {
        CliRun r = CliRun.run("", "kubeconfig", "sandbox-demo", "--state-dir", state.toString());
        assertEquals(0, r.exit(), r.err());
        assertEquals(new String(adminConf, java.nio.charset.StandardCharsets.UTF_8), r.out());
        // not a terminal here (System.console() is null under the test): no warning
        assertEquals("", r.err());
    }

    @Test
    void anUnknownClusterListsTheKnownOnes() {
        CliRun r = CliRun.run("", "kubeconfig", "prod", "--state-dir", state.toString());
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("has no cluster prod (it has: no-pki-yet, sandbox-demo)"), r.err());
        assertEquals("", r.out());
    }

    @Test
    void aClusterWithoutPkiSaysAReconcileGeneratesIt() {
        CliRun r = CliRun.run("", "kubeconfig", "no-pki-yet", "--state-dir", state.toString());
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("cluster no-pki-yet has no PKI yet") && r.err().contains("first reconcile"), r.err());
    }

    @Test
    void aMistypedStateDirSuggestsOnlyWhatThisCommandTakes() {
        CliRun r = CliRun.run("", "kubeconfig", "sandbox-demo", "--state-dir", state.resolve("nope").toString());
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("--state-dir " + state.resolve("nope") + " does not exist; give the directory nkd serve uses"), r.err());
        assertTrue(!r.err().contains("--server"), "nkd kubeconfig has no --server: " + r.err());
        CliRun status = CliRun.run("", "status", "--state-dir", state.resolve("nope").toString());
        assertTrue(status.err().contains("or --server URL to ask a running nkd"), "nkd status has: " + status.err());
    }

    @Test
    void aDirectoryAsOutputAsksForAFileName() {
        for (String force : java.util.List.of("--output", "--force")) {
            CliRun r = force.equals("--force")
                    ? CliRun.run("", "kubeconfig", "sandbox-demo", "--state-dir", state.toString(), "--output", tmp.toString(), "--force")
                    : CliRun.run("", "kubeconfig", "sandbox-demo", "--state-dir", state.toString(), "--output", tmp.toString());
            assertEquals(1, r.exit());
            assertTrue(r.err().contains("--output " + tmp + " is a directory; give a file name, e.g. --output "
                    + tmp.resolve("sandbox-demo.conf")), r.err());
        }
    }
}
