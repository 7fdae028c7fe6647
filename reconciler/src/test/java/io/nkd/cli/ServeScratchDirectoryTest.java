package io.nkd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.nkd.testkit.KubeApiServerExtension;
import io.nkd.testkit.KubeFixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code nkd serve --state kubernetes:NS --state-dir SCRATCH} as docs/high-availability.md writes it, with a scratch
 * directory that does not exist yet (a new user's first run; the local store creates its directory too): the replica
 * creates it (owner-only) and leads, instead of dying on "cannot prepare the bare-metal registry's directory".
 */
@ExtendWith(KubeApiServerExtension.class)
class ServeScratchDirectoryTest {
    @TempDir
    Path tmp;
    KubernetesClient client;
    KubeFixtures kube;

    @Test
    void aMissingScratchDirectoryIsCreated() throws Exception {
        Path repo = tmp.resolve("repo");
        assertEquals(0, CliRun.run("", "init", repo.toString()).exit());
        Path kubeconfig = HaReplicas.kubeconfig(tmp.resolve("kubeconfig"), kube.config(), client.getConfiguration().getMasterUrl());
        Path token = Files.writeString(tmp.resolve("token"), "probe-test-api-token-0123456789abcdef0123456789");
        Files.setPosixFilePermissions(token, PosixFilePermissions.fromString("rw-------"));
        Path scratch = tmp.resolve("not-yet/scratch");
        int api = HaReplicas.freePort();
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-cp", System.getProperty("java.class.path"), "io.nkd.cli.Main", "serve",
                "--repo", repo.toString(), "--state", "kubernetes:" + kube.namespace(), "--kubeconfig", kubeconfig.toString(),
                "--state-dir", scratch.toString(), "--api-token-file", token.toString(), "--listen", "127.0.0.1:" + api,
                "--ignition-listen", "127.0.0.1:" + HaReplicas.freePort(), "--leader-election-lease", "nkd-scratch"));
        Path log = tmp.resolve("serve.log");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            long deadline = System.nanoTime() + 60_000_000_000L;
            boolean leading = false;
            while (!leading && p.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(500);
                HaReplicas.Replica r = new HaReplicas.Replica("probe", p, api, null, log);
                leading = HaReplicas.leading(r);
            }
            assertTrue(leading, "the replica did not lead (alive: " + p.isAlive() + "):\n" + Files.readString(log));
            assertTrue(Files.isDirectory(scratch), "no scratch directory " + scratch);
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(scratch)));
        } finally {
            p.destroy();
            p.waitFor();
        }
    }
}
