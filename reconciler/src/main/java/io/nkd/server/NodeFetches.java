package io.nkd.server;

import io.nkd.reconcile.Collaborators.NodeFetch;
import io.nkd.state.ClusterState;
import io.nkd.state.ClusterView;
import io.nkd.state.CorruptStateException;
import io.nkd.state.InvalidStatePathException;
import io.nkd.state.Recovery;
import io.nkd.state.Sensitivity;
import io.nkd.state.StateException;
import io.nkd.state.StateLockedException;
import io.nkd.state.StateStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The record of which node fetched which pool config with its token ({@value #PATH} in each cluster's state): the
 * last step of a machine's provisioning, and for bare metal the only sign that a machine exists. One entry per node:
 * the pool version it fetched last, when it first fetched that version and when it fetched it last.
 *
 * <p><b>Writes.</b> The Ignition server records fetches as they succeed, but writes the file only when something
 * changes: a node's first fetch, a new version, or a last-fetch time that moved more than {@link #LAST_PRECISION}
 * (Ignition retries and re-fetches; a write per request would make every fetch a disk sync). The latest times are
 * always kept in memory, so this process reports them exactly; the file is exact to {@link #LAST_PRECISION}.
 *
 * <p><b>Locking.</b> A write needs the cluster's lock. A request thread only tries it (it never waits, so a long
 * reconcile cannot stall a booting node); when the lock is taken, the change stays pending in memory and is written
 * by the next fetch or by the reconciler's own call to {@link #fetched(ClusterState)} under its lock (the daemon
 * reconciles a provisioning cluster every few seconds). A corrupt file never breaks serving: the failure is logged
 * with the file's name and the reconcile that reads it reports it (reason {@code StateCorrupt}).
 */
public final class NodeFetches {
    /** Where each cluster's record lives in its state. */
    public static final String PATH = "ignition/fetches.json";
    /** How stale the last-fetch time on disk may get before a fetch writes it again. */
    static final Duration LAST_PRECISION = Duration.ofMinutes(10);
    private static final Logger LOG = LoggerFactory.getLogger(NodeFetches.class);

    /** The stored document. */
    record FetchFile(List<NodeFetch> fetches) {
        FetchFile {
            fetches = fetches == null ? List.of() : List.copyOf(fetches);
        }
    }

    private final StateStore store;
    private final Clock clock;
    /** Per cluster store location: the latest fetch of each node seen by this process, and whether it is on disk. */
    private final ConcurrentHashMap<String, Map<String, Seen>> seen = new ConcurrentHashMap<>();

    /** A node's latest fetch; pending until written; onDisk: the last-fetch time the file holds (null: none yet). */
    private record Seen(NodeFetch fetch, boolean pending, Instant onDisk) {
    }

    /** Clusters with a write queued on {@link #writes}. */
    private final java.util.Set<String> flushing = ConcurrentHashMap.newKeySet();
    /** Where {@link #record} writes: on the caller's thread, or (shared state on a remote store) a background one. */
    private final java.util.concurrent.Executor writes;

    public NodeFetches(StateStore store, Clock clock) {
        this(store, clock, Runnable::run);
    }

    /**
     * @param writes runs the writes {@link #record} starts: with a state store behind an API server even trying the
     *               cluster's lock is a request that may hang (a partition), and a booting node must not wait for it
     */
    public NodeFetches(StateStore store, Clock clock, java.util.concurrent.Executor writes) {
        this.store = Objects.requireNonNull(store, "store");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.writes = Objects.requireNonNull(writes, "writes");
    }

    /** Records that {@code node} of {@code cluster} fetched pool config {@code poolVersion} just now. Never throws. */
    public void record(String cluster, String node, String poolVersion) {
        try {
            ClusterView view = store.view(cluster);
            Instant now = clock.instant();
            Map<String, Seen> nodes = seen.computeIfAbsent(key(view), k -> new ConcurrentHashMap<>());
            boolean changed;
            boolean newVersion;
            synchronized (nodes) {
                Seen before = nodes.get(node);
                NodeFetch previous = before == null ? stored(view, node) : before.fetch();
                Instant onDisk = before == null ? (previous == null ? null : previous.last()) : before.onDisk();
                NodeFetch next;
                newVersion = previous == null || !previous.poolVersion().equals(poolVersion);
                if (newVersion) {
                    next = new NodeFetch(node, poolVersion, now, now);
                    changed = true;
                } else {
                    next = new NodeFetch(node, poolVersion, previous.first(), now);
                    changed = (before != null && before.pending())
                            || onDisk == null || Duration.between(onDisk, now).compareTo(LAST_PRECISION) > 0;
                }
                nodes.put(node, new Seen(next, changed, onDisk));
            }
            if (newVersion) {
                LOG.info("cluster {}: node {} fetched its config {}", cluster, node, poolVersion);
            }
            if (changed && flushing.add(cluster)) {
                // at most one write per cluster waits: it writes everything pending when it runs
                writes.execute(() -> {
                    flushing.remove(cluster);
                    tryFlush(cluster);
                });
            }
        } catch (InvalidStatePathException e) {
            // the server checked the cluster name before; nothing to record for a name the store refuses
        } catch (RuntimeException e) {
            LOG.error("cluster {}: cannot record node {}'s fetch of {}: {}", cluster, node, poolVersion, e.getMessage());
        }
    }

    /** The stored fetch of a node, or null; a corrupt file counts as none here (it is reported where it is read). */
    private static NodeFetch stored(ClusterView view, String node) {
        try {
            return read(view).stream().filter(f -> f.node().equals(node)).findFirst().orElse(null);
        } catch (CorruptStateException e) {
            return null;
        }
    }

    /** Writes pending fetches if the cluster's lock is free now; otherwise they wait for the next chance. */
    private void tryFlush(String cluster) {
        try (ClusterState state = store.open(cluster)) {
            flush(state);
            unsaved.remove(cluster);
        } catch (StateLockedException e) {
            unsaved.add(cluster);
            LOG.debug("cluster {}: fetch record kept in memory until the cluster's lock is free", cluster);
        } catch (CorruptStateException e) {
            LOG.error("cluster {}: node fetches are not saved: {}", cluster, e.getMessage());
        } catch (StateException e) {
            unsaved.add(cluster);
            LOG.warn("cluster {}: node fetches are not saved yet (nkd tries again on the next fetch or reconcile): {}",
                    cluster, e.getMessage());
        }
    }

    /** Clusters whose fetch records could not be written when they came (the lock was taken, the store failed). */
    private final java.util.Set<String> unsaved = ConcurrentHashMap.newKeySet();

    /**
     * Tries again to write what could not be written when it came. A single nkd needs no such thing (its own reconcile
     * writes them under the lock), but a replica that does not reconcile (a follower) has no later chance unless the
     * node fetches again: the leader never sees another process's memory. Never throws; never waits for a lock.
     */
    public void retryUnsaved() {
        for (String cluster : List.copyOf(unsaved)) {
            if (unsaved.remove(cluster)) {
                try {
                    tryFlush(cluster);
                } catch (InvalidStatePathException e) {
                    // a name the store refuses: nothing to write
                }
            }
        }
    }

    /** Merges what is pending in memory into the file, under the lock {@code state} holds. */
    private void flush(ClusterState state) {
        Map<String, Seen> nodes = seen.get(key(state));
        if (nodes == null) {
            return;
        }
        synchronized (nodes) {
            if (nodes.values().stream().noneMatch(Seen::pending)) {
                return;
            }
            if (!state.exists("") || !state.exists("ignition")) {
                // the cluster's state was forgotten (nkd destroy): a late fetch must not bring it back
                nodes.clear();
                return;
            }
            Map<String, NodeFetch> merged = new TreeMap<>();
            read(state).forEach(f -> merged.put(f.node(), f));
            nodes.forEach((node, s) -> merged.put(node, s.fetch()));
            state.writeJson(PATH, new FetchFile(new ArrayList<>(merged.values())), Sensitivity.PUBLIC);
            nodes.replaceAll((node, s) -> new Seen(s.fetch(), false, s.fetch().last()));
        }
    }

    /**
     * The latest fetch of each node of the cluster, by node name: the file merged with what this process saw since.
     * Writes what is pending, since the caller holds the cluster's lock.
     *
     * @throws CorruptStateException naming the file if it is unreadable
     */
    public Map<String, NodeFetch> fetched(ClusterState state) {
        Map<String, NodeFetch> out = fetched((ClusterView) state);
        if (seen.containsKey(key(state))) {
            try {
                flush(state);
            } catch (StateException e) {
                LOG.warn("cluster {}: node fetches are not saved yet: {}", state.cluster(), e.getMessage());
            }
        }
        return out;
    }

    /** The same, read-only (the status API, {@code nkd destroy}): the file merged with this process's memory. */
    public Map<String, NodeFetch> fetched(ClusterView view) {
        Map<String, NodeFetch> out = new TreeMap<>();
        read(view).forEach(f -> out.put(f.node(), f));
        Map<String, Seen> nodes = seen.get(key(view));
        if (nodes != null) {
            synchronized (nodes) {
                nodes.forEach((node, s) -> out.put(node, s.fetch()));
            }
        }
        return out;
    }

    /** When each node first fetched its current pool config: what a bare-metal provider counts as installed. */
    public Map<String, java.time.Instant> firstFetches(ClusterView view) {
        Map<String, java.time.Instant> out = new TreeMap<>();
        fetched(view).forEach((node, f) -> out.put(node, f.first()));
        return out;
    }

    /** Forgets a node (its machine was deleted): a new machine of that name starts unfetched. Needs the lock. */
    public void forget(ClusterState state, String node) {
        Map<String, Seen> nodes = seen.get(key(state));
        if (nodes != null) {
            synchronized (nodes) {
                nodes.remove(node);
            }
        }
        List<NodeFetch> stored = read(state);
        if (stored.stream().anyMatch(f -> f.node().equals(node))) {
            state.writeJson(PATH, new FetchFile(stored.stream().filter(f -> !f.node().equals(node)).toList()), Sensitivity.PUBLIC);
        }
    }

    /** Forgets every node not in {@code machines} (run on every reconcile with the machines that exist). Needs the lock. */
    public void retainOnly(ClusterState state, java.util.Set<String> machines) {
        Map<String, Seen> nodes = seen.get(key(state));
        if (nodes != null) {
            synchronized (nodes) {
                nodes.keySet().removeIf(n -> !machines.contains(n));
            }
        }
        List<NodeFetch> stored = read(state);
        if (stored.stream().anyMatch(f -> !machines.contains(f.node()))) {
            state.writeJson(PATH, new FetchFile(stored.stream().filter(f -> machines.contains(f.node())).toList()), Sensitivity.PUBLIC);
        }
    }

    /**
     * What this process's memory of a cluster is kept under: its state directory and that directory's identity. nkd
     * destroy (another process) moves the directory away; a cluster added back gets a new one, whose nodes must start
     * unfetched here too (else bare metal would refuse their pointers with 410, and status would call them fetched).
     */
    private static String key(ClusterView view) {
        try {
            var a = java.nio.file.Files.readAttributes(java.nio.file.Path.of(view.location()),
                    java.nio.file.attribute.BasicFileAttributes.class);
            // the inode, not a time: on JDK 17 creationTime() is the modification time, which every write changes
            return view.location() + "#" + a.fileKey();
        } catch (java.io.IOException | java.nio.file.InvalidPathException e) {
            return view.location(); // no state yet (or not a local store): nothing remembered differs
        }
    }

    private static List<NodeFetch> read(ClusterView view) {
        return view.readJson(PATH, FetchFile.class, Recovery.UNSPECIFIED).map(FetchFile::fetches).orElse(List.of())
                .stream().filter(f -> f.node() != null && f.poolVersion() != null)
                .sorted(Comparator.comparing(NodeFetch::node)).toList();
    }
}
