package io.nkd.infra.sandbox;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nkd.infra.Machine;
import io.nkd.infra.MachineRequest;
import io.nkd.infra.Provider;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
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
 * it fetched. Machines are kept in {@code STATE_DIR/sandbox/<cluster>.json}, so a restarted nkd finds them.
 */
public final class SandboxProvider implements Provider, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SandboxProvider.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A simulated machine as persisted; userData is kept so a restarted nkd can boot pending machines. */
    record Record(String cluster, String pool, String name, Machine.State state, String revision, String currentConfig,
                  String message, String userData) {
        Machine machine() {
            return new Machine(cluster, pool, name, state, revision, currentConfig, message);
        }

        Record with(Machine.State s, String config, String msg) {
            return new Record(cluster, pool, name, s, revision, config, msg, userData);
        }
    }

    private final Path dir;
    private volatile Duration bootTime;
    private final Map<String, Map<String, Record>> machines = new ConcurrentHashMap<>();
    private final ScheduledExecutorService boots = Executors.newScheduledThreadPool(2, r -> {
        Thread t = new Thread(r, "sandbox-boot");
        t.setDaemon(true);
        return t;
    });

    public SandboxProvider(Path stateDir, Duration bootTime) {
        this.dir = stateDir.resolve("sandbox");
        this.bootTime = bootTime;
    }

    @Override
    public String name() {
        return "sandbox";
    }

    /** Sets how long machines created from now on take to boot (spec.infrastructure.sandbox.bootTime). */
    public SandboxProvider bootTime(Duration time) {
        this.bootTime = time;
        return this;
    }

    @Override
    public synchronized List<Machine> list(String cluster) {
        return cluster(cluster).values().stream().map(Record::machine).sorted(Comparator.comparing(Machine::name)).toList();
    }

    @Override
    public synchronized Machine create(MachineRequest request) {
        Map<String, Record> mine = cluster(request.cluster());
        Record existing = mine.get(request.name());
        if (existing != null) {
            return existing.machine();
        }
        Record r = new Record(request.cluster(), request.pool(), request.name(), Machine.State.BOOTING, request.revision(), null,
                "booting", request.userData());
        mine.put(r.name(), r);
        save(request.cluster());
        LOG.info("sandbox machine created cluster={} pool={} machine={} commit={}", r.cluster(), r.pool(), r.name(),
                io.nkd.config.Snapshot.shortId(r.revision()));
        scheduleBoot(r);
        return r.machine();
    }

    @Override
    public synchronized void delete(String cluster, String machine) {
        if (cluster(cluster).remove(machine) != null) {
            save(cluster);
            LOG.info("sandbox machine deleted cluster={} machine={}", cluster, machine);
        }
    }

    /** Like Ignition, a machine whose fetch fails keeps trying for a while (nkd may be restarting) before it fails. */
    static final int BOOT_ATTEMPTS = 30;
    static final Duration RETRY_DELAY = Duration.ofSeconds(2);

    private void scheduleBoot(Record r) {
        boots.schedule(() -> boot(r.cluster(), r.name(), 1), bootTime.toMillis(), TimeUnit.MILLISECONDS);
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
            List<URI> fetched = PointerFetch.fetch(r.userData(), Duration.ofSeconds(10));
            String path = fetched.get(0).getPath();
            result = r.with(Machine.State.RUNNING, path.substring(path.lastIndexOf('/') + 1), "fetched " + fetched.size() + " config(s)");
            LOG.info("sandbox machine booted cluster={} machine={} config={}", cluster, name, result.currentConfig());
        } catch (IOException | RuntimeException e) {
            String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            if (attempt < BOOT_ATTEMPTS) {
                LOG.debug("sandbox machine fetch attempt {} failed cluster={} machine={}: {}", attempt, cluster, name, why);
                boots.schedule(() -> boot(cluster, name, attempt + 1), RETRY_DELAY.toMillis(), TimeUnit.MILLISECONDS);
                return;
            }
            result = r.with(Machine.State.FAILED, null, "Ignition fetch failed " + attempt + " times: " + why);
            LOG.warn("sandbox machine failed to boot cluster={} machine={}: {}", cluster, name, why);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        synchronized (this) {
            if (cluster(cluster).containsKey(name)) {
                cluster(cluster).put(name, result);
                save(cluster);
            }
        }
    }

    private Map<String, Record> cluster(String cluster) {
        return machines.computeIfAbsent(cluster, this::load);
    }

    private Map<String, Record> load(String cluster) {
        Map<String, Record> map = new ConcurrentHashMap<>();
        Path file = dir.resolve(cluster + ".json");
        if (Files.exists(file)) {
            try {
                List<Record> records = JSON.readValue(file.toFile(), new TypeReference<List<Record>>() { });
                records.forEach(r -> map.put(r.name(), r));
                // machines that were booting when nkd stopped boot again now
                records.stream().filter(r -> r.state() == Machine.State.BOOTING).forEach(this::scheduleBoot);
            } catch (IOException e) {
                throw new UncheckedIOException("sandbox state " + file + " is unreadable; delete it to start the sandbox afresh", e);
            }
        }
        return map;
    }

    private void save(String cluster) {
        try {
            Files.createDirectories(dir);
            Path tmp = dir.resolve("." + cluster + ".json.tmp");
            JSON.writeValue(tmp.toFile(), new ArrayList<>(cluster(cluster).values()));
            Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
            Files.move(tmp, dir.resolve(cluster + ".json"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot save sandbox state in " + dir, e);
        }
    }

    @Override
    public void close() {
        boots.shutdownNow();
    }
}
