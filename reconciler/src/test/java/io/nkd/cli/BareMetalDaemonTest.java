package io.nkd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nkd.reconcile.LocalRepoSource;
import io.nkd.testsupport.BareMetalLab;
import io.nkd.testsupport.IgnitionTools;
import io.nkd.testsupport.RepoPaths;
import io.nkd.testsupport.TestFiles;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import org.eclipse.jgit.api.Git;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The daemon with {@code --ipxe-listen} on a bare-metal cluster: a reconcile registers the machines listed in Git,
 * the iPXE listener answers their MACs, and once the real Ignition fetched a node's config through the pointer the
 * script names, that pointer is no longer handed out (the daemon's fetch record is wired to the provider and the
 * listener).
 */
class BareMetalDaemonTest {
    @TempDir
    Path tmp;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private HttpResponse<String> get(String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aReconcileRegistersTheMachinesAndIpxeServesThem() throws Exception {
        Path repo = tmp.resolve("repo");
        TestFiles.copyTree(RepoPaths.repoRoot().resolve("repo-layout/example"), repo);
        Path lab = repo.resolve(BareMetalLab.FILE);
        Files.writeString(lab, BareMetalLab.clusterYaml(Files.readString(lab)));
        try (Git git = Git.init().setDirectory(repo.toFile()).setInitialBranch("main").call()) {
            TestFiles.commitAll(git, "bare-metal lab");
        }
        InetSocketAddress any = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        Daemon.Settings settings = new Daemon.Settings(new LocalRepoSource(repo, "main"), tmp.resolve("state"), Duration.ofHours(1),
                any, any, "127.0.0.1", 2, null, null, Daemon.Http.defaults(), any);
        try (Daemon daemon = new Daemon(settings)) {
            assertTrue(daemon.ipxe != null, "--ipxe-listen starts the iPXE listener");
            String base = daemon.ipxe.baseUrl();
            assertEquals(404, get(base + "/ipxe/52-54-00-aa-bb-21").statusCode(), "nothing registered before a reconcile");
            daemon.controller.poll();
            HttpResponse<String> script = null;
            for (long end = System.nanoTime() + Duration.ofSeconds(90).toNanos(); System.nanoTime() < end; Thread.sleep(200)) {
                script = get(base + "/ipxe/52-54-00-aa-bb-21");
                if (script.statusCode() == 200) {
                    break;
                }
            }
            assertEquals(200, script.statusCode(), "the reconcile registered lab-worker-1 by its MAC");
            assertTrue(script.body().contains("# nkd: node lab-worker-1 of cluster libvirt-lab (pool workers)"), script.body());
            assertTrue(script.body().contains("nestos.inst.install_dev=/dev/vda"), script.body());
            assertEquals(200, get(base + "/ipxe/52:54:00:aa:bb:10").statusCode(), "the control-plane machine too");
            assertEquals(404, get(base + "/ipxe/52-54-00-aa-bb-99").statusCode());

            // ipxeBaseURL in cluster.yaml is where real machines reach nkd; here the listener is on loopback
            String pointerUrl = Arrays.stream(script.body().split("\\s+")).filter(a -> a.startsWith("nestos.inst.ignition_url="))
                    .findFirst().orElseThrow().substring("nestos.inst.ignition_url=".length())
                    .replace("http://192.168.122.2:8080", base);
            HttpResponse<String> pointer = get(pointerUrl);
            assertEquals(200, pointer.statusCode(), pointer.body());

            IgnitionTools.assumeIgnition();
            IgnitionTools.Fetched f = IgnitionTools.fetchStage(Files.writeString(tmp.resolve("pointer.ign"), pointer.body()),
                    tmp.resolve("ignition"), 60);
            assertEquals(0, f.exit(), f.output());
            assertEquals(410, get(pointerUrl).statusCode(), "provisioned: the daemon's fetch record says so");
        }
    }

    @Test
    void aDamagedRegistryFileStopsTheStartWithAUserErrorNamingItAndReleasesTheStateDirectory() throws Exception {
        Path repo = tmp.resolve("repo");
        TestFiles.copyTree(RepoPaths.repoRoot().resolve("repo-layout/example"), repo);
        try (Git git = Git.init().setDirectory(repo.toFile()).setInitialBranch("main").call()) {
            TestFiles.commitAll(git, "example");
        }
        Path file = Files.createDirectories(tmp.resolve("state/baremetal")).resolve("lab.json");
        for (Path d : java.util.List.of(tmp.resolve("state"), file.getParent())) {
            Files.setPosixFilePermissions(d, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        }
        Files.writeString(file, "[{\"mac\": \"52:54:00:aa:bb:21\", \"pointer\": \"SECRET-TOKEN"); // cut off mid-write
        InetSocketAddress any = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        Daemon.Settings settings = new Daemon.Settings(new LocalRepoSource(repo, "main"), tmp.resolve("state"), Duration.ofHours(1),
                any, any, "127.0.0.1", 2, null, null, Daemon.Http.defaults(), any);
        UserException e = org.junit.jupiter.api.Assertions.assertThrows(UserException.class, () -> new Daemon(settings).close(),
                "a damaged state file is the user's to fix, not an internal error");
        assertTrue(e.getMessage().contains(file.toString()) && e.getMessage().contains("Restore it from a backup"), e.getMessage());
        assertFalse(e.getMessage().contains("SECRET-TOKEN"), e.getMessage());
        Files.delete(file);
        try (Daemon daemon = new Daemon(settings)) {
            assertTrue(daemon.ipxe != null, "the failed start released the state directory's lock");
        }
    }
}
