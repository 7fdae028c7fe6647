package io.nkd.infra.baremetal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nkd.state.AtomicFiles;
import io.nkd.state.Sensitivity;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bare-metal machines nkd answers iPXE requests for, by MAC: one file per cluster,
 * {@code STATE_DIR/baremetal/<cluster>.json}, 0600 in a 0700 directory (each entry holds the node's pointer config,
 * with its token). The files are the truth: a change is written (atomically: temporary file, fsync, rename) before it
 * is made visible, so a failed write changes nothing, and a restarted nkd answers the same MACs. The daemon's provider
 * and iPXE listener share one instance; {@code nkd destroy} runs in another process with its own, on the same files
 * while the daemon runs. So every call first reloads the files that changed on disk since this instance last read or
 * wrote them (a write replaces the file, which changes its identity), and forgets clusters whose file is gone: a
 * registration another process removed is not answered here, nor written back by this instance's next write.
 */
public final class BareMetalRegistry {
    private static final Logger LOG = LoggerFactory.getLogger(BareMetalRegistry.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String DIRECTORY = "baremetal";

    /** Another cluster's or node's machine already has the MAC. */
    public static final class MacTakenException extends RuntimeException {
        private final BareMetalHost holder;

        MacTakenException(BareMetalHost holder) {
            super("MAC " + holder.mac() + " is registered for node " + holder.node() + " of cluster " + holder.cluster());
            this.holder = holder;
        }

        public BareMetalHost holder() {
            return holder;
        }
    }

    private final Path dir;
    /** cluster → node → host. */
    private final Map<String, Map<String, BareMetalHost>> clusters = new TreeMap<>();
    private final Map<MacAddress, BareMetalHost> byMac = new java.util.HashMap<>();
    /** cluster → the identity (inode, time, size) of its file as this instance last read or wrote it. */
    private final Map<String, List<Object>> files = new TreeMap<>();

    public BareMetalRegistry(Path stateDir) {
        this.dir = stateDir.resolve(DIRECTORY);
        prepare();
        load();
    }

    private void prepare() {
        try {
            AtomicFiles.createPrivateDirectory(dir);
            var mode = Files.getPosixFilePermissions(dir);
            if (!mode.equals(PosixFilePermissions.fromString("rwx------"))) {
                LOG.warn("{} had mode {}; set it to rwx------ (its files hold node tokens)", dir, PosixFilePermissions.toString(mode));
                Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
            }
            int removed = AtomicFiles.removeLeftovers(dir);
            if (removed > 0) {
                LOG.info("baremetal: removed {} leftover(s) of interrupted writes in {}", removed, dir);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare the bare-metal registry's directory " + dir + ": " + reason(e), e);
        }
    }

    private void load() {
        refresh();
        int count = clusters.values().stream().mapToInt(Map::size).sum();
        if (count > 0) {
            LOG.info("baremetal: {} registered machine(s) in {} cluster(s)", count, clusters.size());
        }
    }

    /** Reloads the cluster files that changed on disk since this instance saw them; forgets those that are gone. */
    private void refresh() {
        Map<String, List<Object>> now = new TreeMap<>();
        try (var entries = Files.newDirectoryStream(dir, "*.json")) {
            for (Path file : entries) {
                List<Object> id = identity(file);
                if (id != null) {
                    now.put(file.getFileName().toString().replaceFirst("\\.json$", ""), id);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the bare-metal registry in " + dir + ": " + reason(e), e);
        }
        if (now.equals(files)) {
            return;
        }
        for (Map.Entry<String, List<Object>> e : now.entrySet()) {
            if (!e.getValue().equals(files.get(e.getKey()))) {
                Map<String, BareMetalHost> hosts = new TreeMap<>();
                for (BareMetalHost h : read(dir.resolve(e.getKey() + ".json"), e.getKey())) {
                    hosts.put(h.node(), h);
                }
                clusters.put(e.getKey(), hosts);
            }
        }
        clusters.keySet().removeIf(c -> !now.containsKey(c));
        files.clear();
        files.putAll(now);
        byMac.clear();
        for (Map<String, BareMetalHost> hosts : clusters.values()) {
            for (BareMetalHost h : hosts.values()) {
                BareMetalHost other = byMac.putIfAbsent(h.macAddress(), h);
                if (other != null) {
                    // only a hand-edited file gets here: register() refuses a taken MAC
                    LOG.warn("baremetal: MAC {} is registered for {}/{} and {}/{}; iPXE answers for {}/{} until one is deleted",
                            h.mac(), other.cluster(), other.node(), h.cluster(), h.node(), other.cluster(), other.node());
                }
            }
        }
    }

    /** What changes whenever the file is replaced or edited; null when it is gone. */
    private static List<Object> identity(Path file) throws IOException {
        try {
            var a = Files.readAttributes(file, java.nio.file.attribute.BasicFileAttributes.class, java.nio.file.LinkOption.NOFOLLOW_LINKS);
            return a.isRegularFile() ? java.util.Arrays.asList(a.fileKey(), a.lastModifiedTime(), a.size()) : null;
        } catch (java.nio.file.NoSuchFileException e) {
            return null;
        }
    }

    private static List<BareMetalHost> read(Path file, String cluster) {
        try {
            return JSON.readValue(file.toFile(), new TypeReference<List<BareMetalHost>>() { });
        } catch (IOException e) {
            // Jackson's message may quote the file, which holds tokens: say only where
            String where = e instanceof JsonProcessingException j && j.getLocation() != null
                    ? " at line " + j.getLocation().getLineNr() + " column " + j.getLocation().getColumnNr() : "";
            throw new UncheckedIOException("bare-metal registry file " + file + " is unreadable" + where + " ("
                    + (e instanceof JsonProcessingException ? "not the list of machines nkd writes" : reason(e))
                    + "). Restore it from a backup of the state directory. Without one, stop nkd, delete it and start nkd: it"
                    + " registers the machines of cluster " + cluster + " again with new tokens (the installed machines keep"
                    + " running; machines not yet installed get new pointer configs).", e);
        }
    }

    /** The machines of a cluster, sorted by node name. */
    public synchronized List<BareMetalHost> hosts(String cluster) {
        refresh();
        return List.copyOf(clusters.getOrDefault(cluster, Map.of()).values());
    }

    public synchronized Optional<BareMetalHost> host(String cluster, String node) {
        refresh();
        return Optional.ofNullable(clusters.getOrDefault(cluster, Map.of()).get(node));
    }

    /** The machine iPXE answers for this MAC, whatever its cluster. */
    public synchronized Optional<BareMetalHost> byMac(MacAddress mac) {
        refresh();
        return Optional.ofNullable(byMac.get(mac));
    }

    /**
     * Registers a machine, or returns the one registered under its cluster and node name.
     *
     * @throws MacTakenException if another node (of any cluster) has the MAC
     */
    public synchronized BareMetalHost register(BareMetalHost host) {
        refresh();
        Optional<BareMetalHost> existing = host(host.cluster(), host.node());
        if (existing.isPresent()) {
            return existing.get();
        }
        BareMetalHost holder = byMac.get(host.macAddress());
        if (holder != null) {
            throw new MacTakenException(holder);
        }
        Map<String, BareMetalHost> next = new TreeMap<>(clusters.getOrDefault(host.cluster(), Map.of()));
        next.put(host.node(), host);
        save(host.cluster(), next);
        clusters.put(host.cluster(), next);
        byMac.put(host.macAddress(), host);
        return host;
    }

    /** Unregisters a machine; false when it was not registered. */
    public synchronized boolean unregister(String cluster, String node) {
        refresh();
        Map<String, BareMetalHost> current = clusters.getOrDefault(cluster, Map.of());
        BareMetalHost gone = current.get(node);
        if (gone == null) {
            return false;
        }
        Map<String, BareMetalHost> next = new TreeMap<>(current);
        next.remove(node);
        save(cluster, next);
        if (next.isEmpty()) {
            clusters.remove(cluster);
        } else {
            clusters.put(cluster, next);
        }
        byMac.remove(gone.macAddress(), gone);
        return true;
    }

    /** Records that the installer fetched the machine's pointer; returns the updated host. */
    public synchronized BareMetalHost pointerFetched(BareMetalHost host, String from, java.time.Instant at) {
        refresh();
        BareMetalHost current = host(host.cluster(), host.node()).orElse(null);
        if (current == null || !current.mac().equals(host.mac())) {
            return host; // unregistered meanwhile
        }
        BareMetalHost updated = current.pointerFetched(from, at);
        Map<String, BareMetalHost> next = new TreeMap<>(clusters.get(host.cluster()));
        next.put(host.node(), updated);
        save(host.cluster(), next);
        clusters.put(host.cluster(), next);
        byMac.put(updated.macAddress(), updated);
        return updated;
    }

    /**
     * Gives a registered machine new boot settings (the cluster's images, install disk or kernel arguments changed in
     * Git); returns the updated host, or the host as it was when it is no longer registered.
     */
    public synchronized BareMetalHost updateBoot(BareMetalHost host, BootSettings boot) {
        refresh();
        BareMetalHost current = host(host.cluster(), host.node()).orElse(null);
        if (current == null || !current.mac().equals(host.mac()) || current.boot().equals(boot)) {
            return current == null ? host : current;
        }
        BareMetalHost updated = current.withBoot(boot);
        Map<String, BareMetalHost> next = new TreeMap<>(clusters.get(host.cluster()));
        next.put(host.node(), updated);
        save(host.cluster(), next);
        clusters.put(host.cluster(), next);
        byMac.put(updated.macAddress(), updated);
        return updated;
    }

    private void save(String cluster, Map<String, BareMetalHost> hosts) {
        Path file = dir.resolve(cluster + ".json");
        try {
            List<BareMetalHost> list = new ArrayList<>(hosts.values());
            list.sort(Comparator.comparing(BareMetalHost::node));
            AtomicFiles.replace(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(list), Sensitivity.SECRET);
            if (hosts.isEmpty()) {
                // emptied durably first: should the removal be lost in a crash, the file lists nothing
                Files.deleteIfExists(file);
                files.remove(cluster);
            } else {
                List<Object> id = identity(file);
                if (id != null) {
                    files.put(cluster, id); // this instance's own write: no reload
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot save the bare-metal registry file " + file + ": " + reason(e), e);
        }
    }

    private static String reason(IOException e) {
        return io.nkd.state.StateIOException.reason(e);
    }
}
