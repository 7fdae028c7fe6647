package io.nkd.infra.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nkd.infra.MachineRequest;
import io.nkd.infra.Provider;
import io.nkd.infra.ProvisionedMachine;
import io.nkd.state.AtomicFiles;
import io.nkd.state.Sensitivity;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The sandbox's machines on disk: a full disk changes nothing and is reported; once space is back it converges. */
class SandboxProviderTest {
    @TempDir
    Path tmp;

    private final AtomicBoolean diskFull = new AtomicBoolean();

    /** The real atomic write, failing as ENOSPC does while {@link #diskFull} is set: after a partial temporary file. */
    private final SandboxProvider.Disk disk = (target, content) -> {
        if (diskFull.get()) {
            Path partial = target.resolveSibling("." + target.getFileName() + ".tmp-00000000000000ff");
            Files.write(partial, new byte[Math.min(content.length, 512)]);
            Files.delete(partial); // what AtomicFiles does on failure; the test of that is in io.nkd.state
            throw new FileSystemException(partial.toString(), null, "No space left on device");
        }
        AtomicFiles.replace(target, content, Sensitivity.SECRET);
    };

    private static final SandboxProvider.Fetch BOOTS = (pointer, timeout) ->
            new SandboxProvider.Boot(List.of(URI.create("https://127.0.0.1:8443/ignition/v1/lab/pools/" + pointer)), null, null);

    private static MachineRequest request(String name) {
        return new MachineRequest("lab", "workers", name, io.nkd.config.NodePool.Role.WORKER, "a".repeat(40), "rendered-workers-1", null,
                new io.nkd.infra.MachineSpec("", "", "", ""), "rendered-workers-1");
    }

    private static ProvisionedMachine await(SandboxProvider p, String name, ProvisionedMachine.State state) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            ProvisionedMachine m = p.list("lab").stream().filter(x -> x.name().equals(name)).findFirst().orElse(null);
            if (m != null && m.state() == state) {
                return m;
            }
            Thread.sleep(20);
        }
        throw new AssertionError(name + " never became " + state + ": " + p.list("lab"));
    }

    /** The sandbox's files but its lock files (kept on purpose: the lock of a cluster's machines file). */
    private List<String> files(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> !n.endsWith(".lock")).sorted().toList();
        }
    }

    /**
     * Two sandbox clusters with different spec.infrastructure.sandbox.bootTime, looked up and then reconciled at
     * the same time on the daemon's one sandbox: each machine boots after its own cluster's delay. (When the lookup
     * set the boot time on the shared sandbox, the cluster looked up last gave its delay to both.)
     */
    @Test
    void clustersReconciledInParallelBootWithTheirOwnBootTime() throws Exception {
        Path state = tmp.resolve("state");
        Files.createDirectories(state);
        java.util.Map<String, Long> fetchedAt = new java.util.concurrent.ConcurrentHashMap<>();
        SandboxProvider.Fetch recording = (pointer, timeout) -> {
            fetchedAt.put(pointer, System.nanoTime());
            return BOOTS.fetch(pointer, timeout);
        };
        Duration fast = Duration.ofMillis(100);
        Duration slow = Duration.ofMillis(1500);
        try (SandboxProvider sandbox = new SandboxProvider(state, Duration.ofSeconds(60), disk, recording)) {
            Provider quick = sandbox.withBootTime(fast);
            Provider patient = sandbox.withBootTime(slow);
            java.util.Map<String, Long> createdAt = new java.util.concurrent.ConcurrentHashMap<>();
            java.util.concurrent.CyclicBarrier together = new java.util.concurrent.CyclicBarrier(2);
            java.util.concurrent.ExecutorService reconciles = java.util.concurrent.Executors.newFixedThreadPool(2);
            try {
                List<java.util.concurrent.Future<?>> runs = List.of(
                        reconciles.submit(() -> createIn(quick, "quick", together, createdAt)),
                        reconciles.submit(() -> createIn(patient, "patient", together, createdAt)));
                for (java.util.concurrent.Future<?> run : runs) {
                    run.get(30, java.util.concurrent.TimeUnit.SECONDS);
                }
            } finally {
                reconciles.shutdownNow();
            }
            awaitIn(sandbox, "quick", ProvisionedMachine.State.ACTIVE);
            awaitIn(sandbox, "patient", ProvisionedMachine.State.ACTIVE);

            Duration quickBoot = Duration.ofNanos(fetchedAt.get("quick") - createdAt.get("quick"));
            Duration patientBoot = Duration.ofNanos(fetchedAt.get("patient") - createdAt.get("patient"));
            assertTrue(quickBoot.compareTo(fast) >= 0 && quickBoot.compareTo(slow) < 0,
                    "the quick cluster's machine booted after " + quickBoot.toMillis() + " ms, not after its 100 ms");
            assertTrue(patientBoot.compareTo(slow) >= 0 && patientBoot.compareTo(Duration.ofSeconds(60)) < 0,
                    "the patient cluster's machine booted after " + patientBoot.toMillis() + " ms, not after its 1500 ms");
        }
    }

    /** One cluster's reconcile creating its machine, started together with the other's. */
    private static Void createIn(Provider provider, String cluster, java.util.concurrent.CyclicBarrier together,
                                 java.util.Map<String, Long> createdAt) throws Exception {
        together.await(10, java.util.concurrent.TimeUnit.SECONDS);
        createdAt.put(cluster, System.nanoTime());
        // the pointer (user data) names the cluster, so the recording fetch can tell the machines apart
        provider.create(new MachineRequest(cluster, "workers", cluster + "-workers-1", io.nkd.config.NodePool.Role.WORKER, "a".repeat(40),
                "rendered-workers-1", null, new io.nkd.infra.MachineSpec("", "", "", ""), cluster));
        return null;
    }

    private static void awaitIn(SandboxProvider p, String cluster, ProvisionedMachine.State state) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            if (p.list(cluster).stream().anyMatch(m -> m.state() == state)) {
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError(cluster + "'s machine never became " + state + ": " + p.list(cluster));
    }

    @Test
    void aFullDiskDuringAScaleUpChangesNothingAndTheSandboxConvergesOnceSpaceIsBack() throws Exception {
        Path state = tmp.resolve("state");
        Files.createDirectories(state);
        try (SandboxProvider sandbox = new SandboxProvider(state, Duration.ofMillis(10), disk, BOOTS)) {
            diskFull.set(true);
            UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> sandbox.create(request("w-1")));
            assertEquals("cannot save the sandbox's machines in " + state.resolve("sandbox/lab.json") + ": No space left on device",
                    e.getMessage());
            assertEquals(List.of(), sandbox.list("lab"), "a machine that could not be recorded does not exist");
            assertEquals(List.of(), files(state.resolve("sandbox")), "nothing left behind");

            // space is back: the next reconcile creates it; then the disk fills again while it boots
            diskFull.set(false);
            sandbox.create(request("w-1"));
            diskFull.set(true);
            Thread.sleep(500);
            assertEquals(ProvisionedMachine.State.BUILDING, sandbox.list("lab").get(0).state(),
                    "booted, but not recorded: shown as it is on disk");
            diskFull.set(false);
            ProvisionedMachine running = await(sandbox, "w-1", ProvisionedMachine.State.ACTIVE);
            assertEquals("rendered-workers-1", running.currentConfig());
        }
        try (SandboxProvider restarted = new SandboxProvider(state, Duration.ofMillis(10), disk, BOOTS)) {
            assertEquals(ProvisionedMachine.State.ACTIVE, restarted.list("lab").get(0).state(), "what was shown was saved");
        }
        assertEquals(List.of("lab.json", "mutations.log"), files(state.resolve("sandbox"))); // and the journal of changes
    }

    /**
     * Two users of one sandbox directory ({@code nkd destroy} beside the daemon, or two replicas sharing it as their
     * cloud): each sees the other's machines, and a boot that finishes after the other deleted its machine does not
     * bring it back (it used to save the whole list this process remembered).
     */
    @Test
    void aMachineDeletedByAnotherProcessStaysDeletedWhenItsBootFinishes() throws Exception {
        Path state = tmp.resolve("state");
        Files.createDirectories(state);
        java.util.concurrent.CountDownLatch fetching = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch deleted = new java.util.concurrent.CountDownLatch(1);
        SandboxProvider.Fetch slowBoot = (pointer, timeout) -> {
            fetching.countDown();
            deleted.await();
            return BOOTS.fetch(pointer, timeout);
        };
        try (SandboxProvider daemon = new SandboxProvider(state, Duration.ofMillis(10), disk, slowBoot);
             SandboxProvider other = new SandboxProvider(state, Duration.ofHours(1), disk, BOOTS)) {
            daemon.create(request("w-1"));
            daemon.create(request("w-2"));
            assertEquals(List.of("w-1", "w-2"), other.list("lab").stream().map(ProvisionedMachine::name).toList(),
                    "the other process sees the machines the daemon created");
            fetching.await();
            other.delete("lab", "w-1");
            assertEquals(List.of("w-2"), daemon.list("lab").stream().map(ProvisionedMachine::name).toList(),
                    "the daemon sees the deletion at once");
            deleted.countDown();
            await(daemon, "w-2", ProvisionedMachine.State.ACTIVE);
            Thread.sleep(200); // w-1's boot has finished by now too (both fetches were released together)
            assertEquals(List.of("w-2"), other.list("lab").stream().map(ProvisionedMachine::name).toList(),
                    "w-1's late boot did not bring it back");
            assertEquals(ProvisionedMachine.State.ACTIVE, other.list("lab").get(0).state(), "and w-2's boot is recorded");
        }
    }

    @Test
    void itsFilesArePrivateAndLeftoversOfACrashAreSweptAtStart() throws Exception {
        Path state = tmp.resolve("state");
        Path dir = Files.createDirectories(state.resolve("sandbox"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.write(dir.resolve(".lab.json.tmp"), new byte[16384]); // the name nkd used before
        Files.write(dir.resolve(".lab.json.tmp-0123456789abcdef"), new byte[100]);
        try (SandboxProvider sandbox = new SandboxProvider(state, Duration.ofMillis(10), disk, BOOTS)) {
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)));
            assertEquals(List.of(), files(dir));
            sandbox.create(request("w-1"));
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("lab.json"))),
                    "it holds the machines' pointer configs, with their tokens");
        }
    }

    @Test
    void aCorruptFileIsReportedWithSafeAdvice() throws Exception {
        Path state = tmp.resolve("state");
        Path dir = Files.createDirectories(state.resolve("sandbox"));
        Files.writeString(dir.resolve("lab.json"), "[{\"name\": \"w-1\", \"userData\": \"TOKEN-abc\"");
        try (SandboxProvider sandbox = new SandboxProvider(state, Duration.ofMillis(10), disk, BOOTS)) {
            io.nkd.state.CorruptStateException e = assertThrows(io.nkd.state.CorruptStateException.class, () -> sandbox.list("lab"));
            assertTrue(e.getMessage().startsWith("state file " + dir.resolve("lab.json") + " is corrupt: not the list of machines"
                    + " nkd writes (at line 1"), e.getMessage());
            assertEquals(null, e.getCause(), "no cause: Jackson's message quotes the file (a log prints the causes)");
            assertTrue(e.getMessage().contains("with new tokens (the old machines' tokens are revoked on that reconcile)"), e.getMessage());
            assertFalse(e.getMessage().contains("TOKEN-abc"), "never quotes the file");
        }
    }
}
