package io.nkd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import io.nkd.config.Infrastructure;
import io.nkd.infra.libvirt.LibvirtProviders;
import io.nkd.testkit.Ci;
import io.nkd.testsupport.RepoPaths;
import io.nkd.testsupport.TestFiles;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.eclipse.jgit.api.Git;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.libvirt.Connect;
import org.libvirt.LibvirtException;
import org.libvirt.StoragePool;
import org.libvirt.StorageVol;

/**
 * The real VM test: nkd creates a machine through its libvirt provider on a real libvirtd (QEMU driver, software
 * emulation); the machine boots testenv/vm-image.sh's Debian image, whose initramfs runs the real Ignition; Ignition
 * reads nkd's pointer config from fw_cfg, fetches the pool config and the node overlay from nkd's Ignition server over
 * HTTPS (the node's token, nkd's CA), and a unit from the cluster's Butane snippet prints a marker on the serial console
 * and powers the machine off.
 *
 * <p>Through the real daemon: {@code nkd serve --advertise 10.0.2.2 --ignition-listen 127.0.0.1:PORT} as a process on
 * a config repository holding one libvirt cluster. The Ignition server listens on loopback; its certificate and the
 * pointer's URL name 10.0.2.2, which is the host's loopback as the guest's QEMU user-mode network shows it, so all
 * traffic stays on this host's loopback. nkd's status then shows the node's config as fetched.
 *
 * <p>Needs {@code testenv/libvirt.sh up} and {@code testenv/vm-image.sh build} (.ci/run does both), and root (QEMU reads
 * the pointer file in nkd's 0700 state directory).
 */
class LibvirtVmBootTest {
    private static final String CLUSTER = "vm-boot";
    /** The host's loopback as seen from a guest on QEMU's user-mode network. */
    private static final String HOST_FROM_GUEST = "10.0.2.2";
    /**
     * First boot to the marker takes 50-80 s under TCG on an idle 2-core machine; CI's allows for a busier one.
     * NKD_VM_BOOT_TIMEOUT (seconds) gives a heavily shared machine more.
     */
    private static final Duration BOOT_LIMIT = Duration.ofSeconds(Long.parseLong(env("NKD_VM_BOOT_TIMEOUT", "180")));
    private static final String MARKER = "nkd-vm-test: booted ";

    @TempDir
    Path tmp;

    private final List<AutoCloseable> cleanup = new ArrayList<>();

    @AfterEach
    void cleanUp() {
        for (int i = cleanup.size() - 1; i >= 0; i--) {
            try {
                cleanup.get(i).close();
            } catch (Exception e) {
                System.err.println("cleanup failed: " + e);
            }
        }
    }

    @Test
    void aMachineCreatedByNkdBootsFetchesItsConfigOverHttpsAndRunsAUnitFromIt() throws Exception {
        String uri = env("NKD_LIBVIRT_URI", "qemu:///system");
        String poolName = env("NKD_LIBVIRT_POOL", "nkd-test");
        Connect libvirt = connect(uri);
        Path image = imageDir();
        StoragePool pool = storagePool(libvirt, poolName);

        // the base volume the provider clones each node's disk from (a qcow2 backing file), one per run
        String baseName = "vm-boot-base-" + ProcessHandle.current().pid() + ".qcow2";
        Path poolDir = poolDirectory(pool);
        Ci.require(Files.isWritable(poolDir), "storage pool directory " + poolDir + " is not writable: run this test as root");
        Files.copy(image.resolve("disk.qcow2"), poolDir.resolve(baseName));
        cleanup.add(() -> Files.deleteIfExists(poolDir.resolve(baseName)));
        pool.refresh(0);
        StorageVol base = pool.storageVolLookupByName(baseName);
        cleanup.add(() -> {
            base.delete(0);
            pool.refresh(0);
        });

        Path console = Files.createDirectories(tmp.resolve("console"));
        Path repo = configRepository(Map.of("@URI@", uri, "@POOL@", poolName, "@BASE@", baseName,
                "@KERNEL@", image.resolve("vmlinuz").toString(), "@INITRD@", image.resolve("initrd.img").toString(),
                "@CONSOLE@", console.toString()));

        // whatever happens, nothing of the cluster stays on libvirtd (domain, disk volume): nkd is stopped first, then
        // the provider removes what carries nkd's marker for the cluster
        cleanup.add(() -> {
            try (LibvirtProviders providers = new LibvirtProviders(tmp.resolve("state"), Clock.systemUTC())) {
                providers.forSettings(new Infrastructure.Libvirt(uri, null, poolName, baseName, Infrastructure.LibvirtInterface.USER,
                        null, null, null, null, null)).destroy(CLUSTER);
            }
        });
        Process nkd = serve(repo);
        cleanup.add(() -> {
            nkd.destroy();
            if (!nkd.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) {
                nkd.destroyForcibly().waitFor();
            }
        });

        JsonNode status = DaemonStatus.await(apiPort, CLUSTER, s -> nodes(s).size() == 1, Duration.ofSeconds(120));
        String node = nodes(status).get(0).path("name").asText();

        // the daemon retries while the machine boots; the test watches the serial console for the marker
        long deadline = System.nanoTime() + BOOT_LIMIT.toNanos();
        Optional<String> marker = Optional.empty();
        while (System.nanoTime() < deadline && marker.isEmpty()) {
            Thread.sleep(2000);
            marker = serialLines(console).stream().filter(l -> l.contains(MARKER)).findFirst();
        }
        if (marker.isEmpty()) {
            fail("no boot marker on " + node + "'s serial console within " + BOOT_LIMIT + " (nkd's Ignition log: "
                    + ignitionLog() + "; status " + DaemonStatus.cluster(apiPort, CLUSTER) + "). Serial log tail:\n"
                    + String.join("\n", tail(serialLines(console), 60)));
        }
        assertTrue(marker.get().contains(MARKER + node + " "), "the marker names the node's host name from its overlay: " + marker.get());

        // nkd's status shows the node's config as fetched, with the pool's rendered version
        JsonNode fetched = DaemonStatus.await(apiPort, CLUSTER, s -> nodes(s).size() == 1
                && "FETCHED".equalsIgnoreCase(nodes(s).get(0).path("phase").asText()), Duration.ofSeconds(60));
        // the VM runs no Kubernetes: provisioned is not Ready; nkd says it waits for the API server at the endpoint
        JsonNode waiting = DaemonStatus.await(apiPort, CLUSTER, s -> condition(s, "ApiServerReady") != null, Duration.ofSeconds(60));
        assertEquals("PROVISIONING", waiting.path("phase").asText(), waiting.toString());
        JsonNode api = condition(waiting, "ApiServerReady");
        assertEquals("FALSE", api.path("status").asText(), api.toString());
        assertEquals("WaitingForApiServer", api.path("reason").asText(), api.toString());
        assertTrue(api.path("message").asText().contains("https://vm-boot-control-plane-1:6443/readyz"), api.toString());
        assertEquals("WaitingForApiServer", condition(waiting, "Ready").path("reason").asText(), waiting.toString());
        String poolVersion = StreamSupport.stream(fetched.path("pools").spliterator(), false)
                .filter(p -> p.path("name").asText().equals("control-plane")).findFirst()
                .orElseThrow(() -> new AssertionError("no control-plane pool in " + fetched)).path("renderedVersion").asText();
        // the pool config and the node overlay, each fetched once with the node's token over HTTPS, from the guest's
        // side of QEMU's user-mode network (the host's loopback); nothing refused
        List<String> requests = ignitionLog();
        assertEquals(2, requests.size(), "Ignition requests in nkd's log: " + requests);
        assertTrue(requests.get(0).contains("pools/" + poolVersion + ": status 200 (pool control-plane, node " + node + ", from 127.0.0.1)"),
                requests.toString());
        assertTrue(requests.get(1).contains("nodes/") && requests.get(1).contains(": status 200 (pool control-plane, node " + node),
                requests.toString());
        System.out.println("vm-boot: " + marker.get().strip() + "; status " + fetched);
    }

    private int apiPort;
    private Path nkdLog;

    private static JsonNode condition(JsonNode status, String type) {
        for (JsonNode c : status.path("conditions")) {
            if (type.equals(c.path("type").asText())) {
                return c;
            }
        }
        return null;
    }

    /** nkd serve as the guest needs it: Ignition on loopback, advertised to nodes as 10.0.2.2 (QEMU's view of it). */
    private Process serve(Path repo) throws IOException {
        apiPort = freePort();
        int ignitionPort = freePort();
        Path state = Files.createDirectories(tmp.resolve("state"));
        Files.setPosixFilePermissions(state, PosixFilePermissions.fromString("rwx------"));
        nkdLog = tmp.resolve("nkd.log");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), "io.nkd.cli.Main", "serve",
                "--repo", repo.toString(), "--state-dir", state.toString(), "--interval", "10m",
                "--listen", "127.0.0.1:" + apiPort, "--ignition-listen", "127.0.0.1:" + ignitionPort, "--advertise", HOST_FROM_GUEST);
        pb.redirectErrorStream(true);
        pb.redirectOutput(nkdLog.toFile());
        return pb.start();
    }

    /** nkd's log lines for requests to its Ignition paths (it logs each with cluster, version, status, node, client). */
    private List<String> ignitionLog() throws IOException {
        return Files.readAllLines(nkdLog).stream().filter(l -> l.contains("ignition " + CLUSTER + " ")).toList();
    }

    private static List<JsonNode> nodes(JsonNode status) {
        List<JsonNode> out = new ArrayList<>();
        status.path("nodes").forEach(out::add);
        return out;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static String env(String name, String fallback) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? fallback : v;
    }

    private Connect connect(String uri) {
        try {
            Connect c = new Connect(uri);
            cleanup.add(c::close);
            Ci.require(c.getType().equals("QEMU"), "libvirt at " + uri + " is not QEMU's driver: run testenv/libvirt.sh up");
            return c;
        } catch (LibvirtException | UnsatisfiedLinkError | NoClassDefFoundError e) {
            Ci.require(false, "libvirtd does not answer on " + uri + " (" + e.getMessage() + "): run testenv/libvirt.sh up");
            throw new AssertionError("unreachable");
        }
    }

    private static StoragePool storagePool(Connect libvirt, String name) {
        try {
            StoragePool pool = libvirt.storagePoolLookupByName(name);
            Ci.require(pool.isActive() == 1, "storage pool " + name + " is not active: run testenv/libvirt.sh up");
            return pool;
        } catch (LibvirtException e) {
            Ci.require(false, "no storage pool " + name + " on libvirtd (" + e.getMessage() + "): run testenv/libvirt.sh up");
            throw new AssertionError("unreachable");
        }
    }

    /** The directory of a {@code dir} storage pool: its target path. */
    private static Path poolDirectory(StoragePool pool) throws LibvirtException {
        String xml = pool.getXMLDesc(0);
        Matcher m = Pattern.compile("<target>\\s*<path>([^<]+)</path>").matcher(xml);
        Ci.require(m.find(), "storage pool " + pool.getName() + " has no target directory (not a dir pool?): run testenv/libvirt.sh up");
        return Path.of(m.group(1));
    }

    /** The VM image's directory: NKD_VM_IMAGE_DIR, or what testenv/vm-image.sh path says. */
    private static Path imageDir() throws IOException, InterruptedException {
        String given = System.getenv("NKD_VM_IMAGE_DIR");
        Path dir = null;
        if (given != null && !given.isBlank()) {
            dir = Path.of(given);
        } else {
            Process p = new ProcessBuilder(RepoPaths.repoRoot().resolve("testenv/vm-image.sh").toString(), "path")
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (p.waitFor() == 0 && !out.isEmpty()) {
                dir = Path.of(out);
            }
        }
        Path d = dir;
        Ci.require(d != null && Stream.of("disk.qcow2", "vmlinuz", "initrd.img").allMatch(f -> Files.isRegularFile(d.resolve(f))),
                "the VM image is not built" + (d == null ? "" : " (" + d + ")") + ": run testenv/vm-image.sh build");
        return d;
    }

    /** A config repository of the example's image catalog and the vm-boot cluster, with this host's paths filled in. */
    private Path configRepository(Map<String, String> values) throws Exception {
        Path repo = tmp.resolve("config");
        TestFiles.copyTree(RepoPaths.repoRoot().resolve("repo-layout/example/images"), repo.resolve("images"));
        TestFiles.copyTree(RepoPaths.repoRoot().resolve("reconciler/src/test/resources/vm-boot"), repo);
        Path yaml = repo.resolve("clusters/" + CLUSTER + "/cluster.yaml");
        String text = Files.readString(yaml);
        for (Map.Entry<String, String> e : values.entrySet()) {
            text = text.replace(e.getKey(), e.getValue());
        }
        Files.writeString(yaml, text);
        try (Git git = Git.init().setDirectory(repo.toFile()).setInitialBranch("main").call()) {
            TestFiles.commitAll(git, "a cluster of one machine on libvirt");
        }
        return repo;
    }

    private static List<String> serialLines(Path console) throws IOException {
        List<String> lines = new ArrayList<>();
        try (Stream<Path> logs = Files.list(console)) {
            for (Path log : logs.sorted().toList()) {
                // the guest writes carriage returns and blank lines between systemd's; a partial last line is fine
                new String(Files.readAllBytes(log), StandardCharsets.UTF_8).lines().map(l -> l.replace("\r", ""))
                        .filter(l -> !l.isBlank()).forEach(lines::add);
            }
        }
        return lines;
    }

    private static List<String> tail(List<String> lines, int n) {
        return lines.isEmpty() ? List.of("(the serial log is empty)") : lines.subList(Math.max(0, lines.size() - n), lines.size());
    }
}
