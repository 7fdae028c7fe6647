package io.nkd.server;

import io.nkd.state.ClusterState;
import io.nkd.state.ClusterView;
import io.nkd.state.CorruptStateException;
import io.nkd.state.Recovery;
import io.nkd.state.Sensitivity;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What the Ignition server serves for a cluster, kept in the cluster's state so that a restarted nkd serves
 * exactly what it served before, even for a cluster whose head commit is invalid (it is held at its last good
 * commit, which nkd does not render again):
 *
 * <pre>
 * ignition/served/index.json          the retained renderings (newest first) and the configs kept for live
 *                                     tokens: kind, name, version and the SHA-256 of the bytes of each
 * ignition/served/blobs/SHA256.ign    the exact bytes, named by their content; 0600 (they hold secrets)
 * </pre>
 *
 * Blobs are written before the index that names them and removed only after an index that no longer names them
 * is written, all under the cluster's lock: a crash at any point leaves an index whose every blob exists (and at
 * worst a blob no index names, removed by the next save). A blob whose bytes do not match its name is reported
 * and not served.
 */
final class ServedConfigStore {
    static final String DIR = "ignition/served";
    static final String INDEX = DIR + "/index.json";
    static final String BLOBS = DIR + "/blobs";

    /** One served config, by reference to its bytes. */
    record Entry(ConfigKind kind, String name, String version, String sha256) {
    }

    /** The stored document. */
    record Index(List<List<Entry>> renderings, List<Entry> kept) {
        Index {
            renderings = renderings == null ? List.of() : renderings.stream().map(List::copyOf).toList();
            kept = kept == null ? List.of() : List.copyOf(kept);
        }
    }

    /** What was restored, and what could not be (blobs missing or damaged), for the log and the status. */
    record Loaded(List<List<ServedConfig>> renderings, List<ServedConfig> kept, List<String> problems) {
        boolean isEmpty() {
            return renderings.isEmpty() && kept.isEmpty();
        }
    }

    private ServedConfigStore() {
    }

    /** Stores exactly what is served now, and removes blobs nothing names any more. Writes nothing when unchanged. */
    static void save(ClusterState state, List<List<ServedConfig>> renderings, List<ServedConfig> kept) {
        Index index = new Index(renderings.stream().map(r -> r.stream().map(ServedConfigStore::entry).toList()).toList(),
                kept.stream().map(ServedConfigStore::entry).toList());
        Optional<Index> stored = readIndex(state);
        if (stored.isPresent() && stored.get().equals(index)) {
            return;
        }
        Set<String> have = new HashSet<>(state.list(BLOBS));
        Set<String> named = new HashSet<>();
        List<ServedConfig> all = new ArrayList<>(kept);
        renderings.forEach(all::addAll);
        for (ServedConfig c : all) {
            String blob = blobName(sha256(c.content()));
            if (named.add(blob) && !have.contains(blob)) {
                state.write(BLOBS + "/" + blob, c.content(), Sensitivity.SECRET);
            }
        }
        state.writeJson(INDEX, index, Sensitivity.PUBLIC);
        for (String name : have) {
            if (!named.contains(name) && !name.endsWith("/")) {
                state.delete(BLOBS + "/" + name);
            }
        }
    }

    /**
     * What the cluster served when its state was last saved; empty if it never published.
     *
     * @throws CorruptStateException if the index is unreadable (naming it and what to do)
     */
    static Loaded load(ClusterView view) {
        Optional<Index> index = readIndex(view);
        if (index.isEmpty()) {
            return new Loaded(List.of(), List.of(), List.of());
        }
        List<String> problems = new ArrayList<>();
        List<List<ServedConfig>> renderings = new ArrayList<>();
        for (List<Entry> r : index.get().renderings()) {
            renderings.add(configs(view, r, problems));
        }
        return new Loaded(List.copyOf(renderings), configs(view, index.get().kept(), problems), List.copyOf(problems));
    }

    private static List<ServedConfig> configs(ClusterView view, List<Entry> entries, List<String> problems) {
        List<ServedConfig> out = new ArrayList<>();
        for (Entry e : entries) {
            if (e.kind() == null || e.name() == null || e.version() == null || e.sha256() == null
                    || !e.sha256().matches("[0-9a-f]{64}")) {
                problems.add(INDEX + " has an entry without kind, name, version or a SHA-256 of 64 hex digits");
                continue;
            }
            String path = BLOBS + "/" + blobName(e.sha256());
            Optional<byte[]> bytes = view.read(path);
            if (bytes.isEmpty()) {
                problems.add(e.kind().segment() + " " + e.version() + ": " + path + " is missing");
            } else if (!sha256(bytes.get()).equals(e.sha256())) {
                problems.add(e.kind().segment() + " " + e.version() + ": " + path + " does not hold the bytes it is named for"
                        + " (damaged)");
            } else {
                out.add(new ServedConfig(view.cluster(), e.kind(), e.name(), e.version(), bytes.get()));
            }
        }
        return List.copyOf(out);
    }

    private static Optional<Index> readIndex(ClusterView view) {
        // deleting it only stops serving what nkd served before; the next reconcile of a valid commit stores it again
        return view.readJson(INDEX, Index.class, Recovery.REGENERATED);
    }

    private static Entry entry(ServedConfig c) {
        return new Entry(c.kind(), c.name(), c.version(), sha256(c.content()));
    }

    private static String blobName(String sha256) {
        return sha256 + ".ign";
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JDK has no SHA-256", e);
        }
    }

    static String sha256(String s) {
        return sha256(s.getBytes(StandardCharsets.UTF_8));
    }
}
