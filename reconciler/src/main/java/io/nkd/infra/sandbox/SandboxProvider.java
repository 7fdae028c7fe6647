package io.nkd.infra.sandbox;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nkd.config.Infrastructure;
import io.nkd.infra.MachineRequest;
import io.nkd.infra.MachineSpec;
import io.nkd.infra.OwnedResource;
import io.nkd.infra.Provider;
import io.nkd.infra.ProvisionedMachine;
import io.nkd.state.AtomicFiles;
import io.nkd.state.Sensitivity;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Simulated infrastructure inside the nkd process, so the whole loop can be watched on one machine: a machine
 * "boots" after a short delay by doing what Ignition does with its pointer config (fetching its configs from
 * nkd's Ignition server over HTTPS with its token, checking the pinned hashes), and then runs the pool config
 * it fetched. Machines are kept in {@code STATE_DIR/sandbox/<cluster>.json} (0600 in a 0700 directory: each record
 * holds the machine's pointer config, with its token), so a restarted nkd finds them.
 *
 * <p><b>Failures.</b> The file is the truth: a change (a machine created, booted, deleted) is saved first and only
 * then made visible, so a failed save (a full disk) changes nothing, in memory or on disk, and the caller sees the
 * error (a reconcile reports it and retries). A booted machine whose result cannot be saved stays BOOTING and
 * saves again later, so it converges by itself once space is back. Writes are atomic ({@link AtomicFiles}); a
 * failed one leaves no temporary file, and leftovers of a crash are swept when the provider starts.
 *
 * <p><b>Several writers.</b> The directory stands in for a cloud, which more than one process may use: {@code nkd destroy}
 * beside a running daemon, or two nkd replicas sharing it. So every change is read-modify-write of the file under an
 * operating-system lock ({@code <cluster>.lock}), never a save of what this process remembers: a boot that finishes
 * after another process deleted its machine must not bring the machine back. Reads use the file again as soon as it
 * changed. A machine found BOOTING boots once per process that sees it, as a real machine boots whoever created it.
 */
public final class SandboxProvider implements Provider, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SandboxProvider.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A simulated machine as persisted; userData is kept so a restarted nkd can boot pending machines. */
    record Record(String cluster, String pool, String name,
                  @com.fasterxml.jackson.annotation.JsonProperty("state") SandboxState sandboxState, String revision,
                  String currentConfig, String message, String userData, String configVersion, MachineSpec spec,
                  String createdAt, Boolean controlPlane, String osImage, String kubeletVersion) {
        ProvisionedMachine machine() {
            return new ProvisionedMachine(cluster, pool, name, sandboxState.provider, revision, currentConfig, message, configVersion,
                    spec == null ? new MachineSpec("", "", "", "") : spec,
                    createdAt == null ? null : java.time.Instant.parse(createdAt), null);
        }

        Record with(SandboxState s, String config, String msg) {
            return new Record(cluster, pool, name, s, revision, config, msg, userData, configVersion, spec, createdAt,
                    controlPlane, osImage, kubeletVersion);
        }

        Record booted(String config, String msg, Boot boot) {
            return new Record(cluster, pool, name, SandboxState.RUNNING, revision, config, msg, userData, configVersion, spec,
                    createdAt, controlPlane, boot.osImage(), boot.kubeletVersion());
        }

        /** Files written before nkd 0.5 lack the role: the pool's name is the best guess left. */
        boolean controlPlaneNode() {
            return controlPlane != null ? controlPlane : pool != null && pool.contains("control");
        }
    }

    /**
     * A simulated machine's state as the sandbox's files spell it (since nkd 0.1: BOOTING until its simulated
     * Ignition fetched its config, RUNNING after), and what the provider SPI calls it.
     */
    enum SandboxState {
        BOOTING(ProvisionedMachine.State.BUILDING), RUNNING(ProvisionedMachine.State.ACTIVE), FAILED(ProvisionedMachine.State.FAILED);

        final ProvisionedMachine.State provider;

        SandboxState(ProvisionedMachine.State provider) {
            this.provider = provider;
        }
    }

    /** How the provider's files are written; tests inject failures (a full disk). */
    @FunctionalInterface
    interface Disk {
        Disk ATOMIC = (target, content) -> AtomicFiles.replace(target, content, Sensitivity.SECRET);

        void write(Path target, byte[] content) throws IOException;
    }

    /** How a machine fetches its configs with its pointer; tests stand in for the Ignition server. */
    @FunctionalInterface
    interface Fetch {
        Boot fetch(String pointer, Duration timeout) throws IOException, InterruptedException;
    }

    /**
     * What a simulated first boot found: the configs fetched (pool config first), and what the pool config makes of
     * the node: the OS image it rebases to and the Kubernetes version it runs (null where the config does not say).
     */
    record Boot(List<URI> configs, String osImage, String kubeletVersion) {
        Boot {
            configs = List.copyOf(configs);
        }
    }

    /** A machine that has booted, as the sandbox's simulated cluster sees it. */
    record Booted(String name, String pool, boolean controlPlane, String osImage, String kubeletVersion) {
    }

    private final Path dir;
    private final Disk disk;
    private final Fetch fetch;
    /** The boot delay of {@link #create} and of machines found booting after a restart. */
    private final Duration bootTime;
    private final Map<String, Map<String, Record>> machines = new ConcurrentHashMap<>();
    /** Per cluster, the identity of the file version {@link #machines} holds (last-modified time and size). */
    private final Map<String, String> loadedVersions = new ConcurrentHashMap<>();
    /** Machines this process has scheduled a boot for (cluster/name): each boots once per process. */
    private final java.util.Set<String> scheduled = ConcurrentHashMap.newKeySet();
    /** One holder of a cluster file's OS lock per JVM: the OS lock does not exclude another channel of this process. */
    private static final Map<Path, java.util.concurrent.locks.ReentrantLock> JVM_LOCKS = new ConcurrentHashMap<>();
    private final ScheduledExecutorService boots = Executors.newScheduledThreadPool(2, r -> {
        Thread t = new Thread(r, "sandbox-boot");
        t.setDaemon(true);
        return t;
    });

    public SandboxProvider(Path stateDir, Duration bootTime) {
        this(stateDir, bootTime, Disk.ATOMIC, PointerFetch::fetch);
    }

    SandboxProvider(Path stateDir, Duration bootTime, Disk disk, Fetch fetch) {
        this.dir = stateDir.resolve("sandbox");
        this.bootTime = bootTime;
        this.disk = disk;
        this.fetch = fetch;
        prepare(dir);
    }

    /** The directory 0700 (tightened with a warning if it was opened up), without leftovers of earlier crashes. */
    private static void prepare(Path dir) {
        try {
            AtomicFiles.createPrivateDirectory(dir);
            var mode = Files.getPosixFilePermissions(dir);
            if (!mode.equals(PosixFilePermissions.fromString("rwx------"))) {
                LOG.warn("{} had mode {}; set it to rwx------ (its files hold node tokens)", dir, PosixFilePermissions.toString(mode));
                Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
            }
            int removed = AtomicFiles.removeLeftovers(dir);
            try (var entries = Files.newDirectoryStream(dir, ".*.json.tmp")) {
                for (Path old : entries) { // the temporary name of nkd before 0.4
                    Files.deleteIfExists(old);
                    removed++;
                }
            }
            if (removed > 0) {
                LOG.info("sandbox: removed {} leftover(s) of interrupted writes in {}", removed, dir);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare the sandbox's directory " + dir + ": " + reason(e), e);
        }
    }

    @Override
    public Infrastructure.ProviderType type() {
        return Infrastructure.ProviderType.SANDBOX;
    }

    /**
     * This sandbox as one cluster sees it: the same machines, files and boot threads, but machines it creates take
     * {@code time} to boot (the cluster's spec.infrastructure.sandbox.bootTime). A view per lookup, not a setter,
     * because clusters reconcile in parallel on one sandbox and each must keep its own boot time.
     */
    public Provider withBootTime(Duration time) {
        java.util.Objects.requireNonNull(time, "time");
        SandboxProvider sandbox = this;
        return new Provider() {
            @Override
            public Infrastructure.ProviderType type() {
                return sandbox.type();
            }

            @Override
            public List<OwnedResource> owned(String cluster) {
                return sandbox.owned(cluster);
            }

            @Override
            public List<OwnedResource> destroy(String cluster) {
                return sandbox.destroy(cluster);
            }

            @Override
            public List<ProvisionedMachine> list(String cluster) {
                return sandbox.list(cluster);
            }

            @Override
            public ProvisionedMachine create(MachineRequest request) {
                return sandbox.create(request, time);
            }

            @Override
            public void delete(String cluster, String machine) {
                sandbox.delete(cluster, machine);
            }
        };
    }

    @Override
    public synchronized List<ProvisionedMachine> list(String cluster) {
        return cluster(cluster).values().stream().map(Record::machine).sorted(Comparator.comparing(ProvisionedMachine::name)).toList();
    }

    @Override
    public ProvisionedMachine create(MachineRequest request) {
        return create(request, bootTime);
    }

    private synchronized ProvisionedMachine create(MachineRequest request, Duration delay) {
        Record r;
        try (FileHold hold = hold(request.cluster())) {
            Map<String, Record> mine = cluster(request.cluster());
            Record existing = mine.get(request.name());
            if (existing != null) {
                return existing.machine();
            }
            r = new Record(request.cluster(), request.pool(), request.name(), SandboxState.BOOTING, request.revision(), null,
                    "booting", request.userData(), request.configVersion(), request.spec(), java.time.Instant.now().toString(),
                    request.controlPlane(), null, null);
            Map<String, Record> next = new java.util.TreeMap<>(mine);
            next.put(r.name(), r);
            save(request.cluster(), next);
            mine.put(r.name(), r);
            journal("create", r.cluster(), r.name());
        }
        LOG.info("sandbox machine created cluster={} pool={} machine={} commit={}", r.cluster(), r.pool(), r.name(),
                io.nkd.config.Snapshot.shortId(r.revision()));
        scheduleBoot(r, delay);
        return r.machine();
    }

    @Override
    public synchronized void delete(String cluster, String machine) {
        try (FileHold hold = hold(cluster)) {
            Map<String, Record> mine = cluster(cluster);
            if (mine.containsKey(machine)) {
                Map<String, Record> next = new java.util.TreeMap<>(mine);
                next.remove(machine);
                save(cluster, next);
                mine.remove(machine);
                journal("delete", cluster, machine);
                LOG.info("sandbox machine deleted cluster={} machine={}", cluster, machine);
            }
        }
    }

    /** The cluster's machines that have booted (fetched their config), by name. */
    synchronized List<Booted> booted(String cluster) {
        return cluster(cluster).values().stream().filter(r -> r.sandboxState() == SandboxState.RUNNING)
                .sorted(Comparator.comparing(Record::name))
                .map(r -> new Booted(r.name(), r.pool(), r.controlPlaneNode(), r.osImage(), r.kubeletVersion())).toList();
    }

    /** Whether any machine of the cluster (booting, running or failed) is a control-plane machine. */
    synchronized boolean hasControlPlane(String cluster) {
        return cluster(cluster).values().stream().anyMatch(Record::controlPlaneNode);
    }

    /** The directory of the sandbox's files ({@code STATE_DIR/sandbox}), where its simulated clusters keep theirs. */
    Path directory() {
        return dir;
    }

    /** Writes a file of the sandbox the way its machines are written (atomic, 0600); tests inject failures. */
    void write(Path file, byte[] content) throws IOException {
        disk.write(file, content);
    }

    @Override
    public synchronized List<OwnedResource> owned(String cluster) {
        return list(cluster).stream().map(m -> new OwnedResource("machine", m.name(), m.name())).toList();
    }

    @Override
    public synchronized List<OwnedResource> destroy(String cluster) {
        List<OwnedResource> gone = owned(cluster);
        gone.forEach(r -> delete(cluster, r.name()));
        return gone;
    }

    /** Like Ignition, a machine whose fetch fails keeps trying for a while (nkd may be restarting) before it fails. */
    static final int BOOT_ATTEMPTS = 30;
    static final Duration RETRY_DELAY = Duration.ofSeconds(2);

    private void scheduleBoot(Record r, Duration delay) {
        // keyed by creation too: a machine deleted and created again under its name boots again
        if (!scheduled.add(r.cluster() + "/" + r.name() + "/" + r.createdAt())) {
            return;
        }
        boots.schedule(() -> boot(r.cluster(), r.name(), 1), delay.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The simulated first boot: Ignition's fetch with the pointer config, then "running" that config. */
    private void boot(String cluster, String name, int attempt) {
        Record r;
        synchronized (this) {
            r = cluster(cluster).get(name);
        }
        if (r == null) {
            return;
        }
        Record result;
        try {
            Boot boot = fetch.fetch(r.userData(), Duration.ofSeconds(10));
            List<URI> fetched = boot.configs();
            String path = fetched.get(0).getPath();
            result = r.booted(path.substring(path.lastIndexOf('/') + 1), "fetched " + fetched.size() + " config(s)", boot);
            LOG.info("sandbox machine booted cluster={} machine={} config={}", cluster, name, result.currentConfig());
        } catch (IOException | RuntimeException e) {
            String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            if (attempt < BOOT_ATTEMPTS) {
                LOG.debug("sandbox machine fetch attempt {} failed cluster={} machine={}: {}", attempt, cluster, name, why);
                boots.schedule(() -> boot(cluster, name, attempt + 1), RETRY_DELAY.toMillis(), TimeUnit.MILLISECONDS);
                return;
            }
            result = r.with(SandboxState.FAILED, null, "Ignition fetch failed " + attempt + " times: " + why);
            LOG.warn("sandbox machine failed to boot cluster={} machine={}: {}", cluster, name, why);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        settle(result, 1);
    }

    /** Records a boot's result: saved first, then shown; a failed save is tried again, the machine staying BOOTING. */
    private void settle(Record result, int attempt) {
        synchronized (this) {
            try (FileHold hold = hold(result.cluster())) {
                Map<String, Record> mine = cluster(result.cluster());
                Record now = mine.get(result.name());
                if (now == null || now.sandboxState() != SandboxState.BOOTING) {
                    return; // deleted meanwhile, or another process sharing the directory settled its boot first
                }
                Map<String, Record> next = new java.util.TreeMap<>(mine);
                next.put(result.name(), result);
                save(result.cluster(), next);
                mine.put(result.name(), result);
                return;
            } catch (UncheckedIOException e) {
                LOG.warn("sandbox machine cluster={} machine={} booted, but its state cannot be saved (attempt {}); it stays"
                        + " BOOTING and nkd tries again: {}", result.cluster(), result.name(), attempt, e.getMessage());
            }
        }
        long delay = Math.min(RETRY_DELAY.toMillis() << Math.min(attempt - 1, 4), 30_000);
        boots.schedule(() -> settle(result, attempt + 1), delay, TimeUnit.MILLISECONDS);
    }

    /** The cluster's machines as its file holds them now: read again whenever the file changed since the last read. */
    private Map<String, Record> cluster(String cluster) {
        String version = fileVersion(cluster);
        Map<String, Record> known = machines.get(cluster);
        if (known != null && version.equals(loadedVersions.get(cluster))) {
            return known;
        }
        Map<String, Record> fresh = load(cluster);
        machines.put(cluster, fresh);
        loadedVersions.put(cluster, version);
        return fresh;
    }

    /** The file's last-modified time and size, or "absent": every save replaces the file, so a change shows here. */
    private String fileVersion(String cluster) {
        try {
            var attributes = Files.readAttributes(dir.resolve(cluster + ".json"), java.nio.file.attribute.BasicFileAttributes.class);
            return attributes.lastModifiedTime().toMillis() + "/" + attributes.size() + "/" + attributes.fileKey();
        } catch (java.nio.file.NoSuchFileException e) {
            return "absent";
        } catch (IOException e) {
            throw new UncheckedIOException("sandbox state file " + dir.resolve(cluster + ".json") + " is unreadable ("
                    + reason(e) + "): check its permissions and the disk", e);
        }
    }

    /** Holds the cluster file's lock against other processes and other instances in this JVM; released on close. */
    private FileHold hold(String cluster) {
        Path lockFile = dir.resolve(cluster + ".lock");
        java.util.concurrent.locks.ReentrantLock jvm = JVM_LOCKS.computeIfAbsent(lockFile.toAbsolutePath().normalize(),
                k -> new java.util.concurrent.locks.ReentrantLock());
        jvm.lock();
        try {
            java.nio.channels.FileChannel channel = java.nio.channels.FileChannel.open(lockFile,
                    java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE);
            try {
                java.nio.channels.FileLock os = channel.lock();
                return () -> {
                    try {
                        os.release();
                        channel.close();
                    } catch (IOException ignored) {
                        // closing the channel drops the lock in any case
                    } finally {
                        jvm.unlock();
                    }
                };
            } catch (IOException | RuntimeException e) {
                channel.close();
                throw e;
            }
        } catch (IOException e) {
            jvm.unlock();
            throw new UncheckedIOException("cannot lock the sandbox's machines of cluster " + cluster + " (" + lockFile + "): "
                    + reason(e), e);
        } catch (RuntimeException e) {
            jvm.unlock();
            throw e;
        }
    }

    /** A held cluster file lock. */
    private interface FileHold extends AutoCloseable {
        @Override
        void close();
    }

    private Map<String, Record> load(String cluster) {
        Map<String, Record> map = new ConcurrentHashMap<>();
        Path file = dir.resolve(cluster + ".json");
        if (Files.exists(file)) {
            try {
                List<Record> records = JSON.readValue(file.toFile(), new TypeReference<List<Record>>() { });
                records.forEach(r -> map.put(r.name(), r));
                // machines that were booting when nkd stopped boot again now (after the sandbox's default delay: the
                // cluster's own bootTime is not known here, and they have waited already)
                records.stream().filter(r -> r.sandboxState() == SandboxState.BOOTING).forEach(r -> scheduleBoot(r, bootTime));
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                // no cause and no Jackson message: both quote the file, and the file holds tokens
                throw io.nkd.state.CorruptStateException.of(file, "not the list of machines nkd writes" + SimulatedKube.where(e),
                        "Restore it from a backup of the state directory. Without one, stop nkd, delete it and start nkd: it"
                        + " forgets the sandbox's machines of cluster " + cluster + " and creates them again, with new tokens (the old"
                        + " machines' tokens are revoked on that reconcile).");
            } catch (IOException e) {
                throw new UncheckedIOException("sandbox state file " + file + " is unreadable (" + reason(e) + "): check its"
                        + " permissions and the disk", e);
            }
        }
        return map;
    }

    /** The append-only record of changes, as a cloud's audit log keeps one: who (process and host) changed what, when. */
    static final String JOURNAL = "mutations.log";

    /**
     * Appends one line per create or delete to {@value #JOURNAL}: {@code <instant> pid=<pid> host=<host> <op> cluster=<c>
     * machine=<m>}. Several nkd replicas may share the sandbox's directory (it stands in for a cloud); the record shows
     * which of them acted when. A failed append is logged, never fatal: the machine files are the truth.
     */
    private void journal(String op, String cluster, String machine) {
        String line = java.time.Instant.now() + " pid=" + ProcessHandle.current().pid() + " host=" + HOST + " " + op
                + " cluster=" + cluster + " machine=" + machine + "\n";
        try {
            Files.writeString(dir.resolve(JOURNAL), line, java.nio.charset.StandardCharsets.UTF_8,
                    java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND, java.nio.file.StandardOpenOption.SYNC);
        } catch (IOException e) {
            LOG.warn("sandbox: cannot append to {}: {}", dir.resolve(JOURNAL), reason(e));
        }
    }

    private static final String HOST = host();

    private static String host() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.net.UnknownHostException e) {
            return "unknown";
        }
    }

    /** Saves a cluster's machines: 0600 from the first byte, synced, renamed; nothing left behind on failure. */
    private void save(String cluster, Map<String, Record> records) {
        Path file = dir.resolve(cluster + ".json");
        try {
            byte[] json = JSON.writeValueAsBytes(new ArrayList<>(new java.util.TreeMap<>(records).values()));
            disk.write(file, json);
            loadedVersions.remove(cluster); // callers update their map after this; the next read takes the file again
        } catch (IOException e) {
            throw new UncheckedIOException("cannot save the sandbox's machines in " + file + ": " + reason(e), e);
        }
    }

    private static String reason(IOException e) {
        return io.nkd.state.StateIOException.reason(e);
    }

    @Override
    public void close() {
        boots.shutdownNow();
    }
}
