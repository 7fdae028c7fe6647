package io.nkd.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nkd.json.JsonOutput;
import io.nkd.render.RenderedCluster;
import io.nkd.render.RenderedConfig;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the Ignition server serves: the rendered configs of each cluster, keyed by version id, as exact
 * bytes. A node boots from a pointer that names versions, possibly long after it was made (a slow
 * provider, a re-created machine), so older renderings stay available: the last
 * {@link #DEFAULT_RETAINED_RENDERINGS} distinct renderings of each cluster (distinct by their set of
 * version ids; putting the same versions again replaces the newest rendering instead of pushing out an
 * old one, so a daemon that re-renders on every reconcile keeps its history). The bound is per cluster
 * and counts renderings, not names, so machines that come and go cannot make it grow.
 *
 * <p>A version id is computed with secrets replaced by placeholders, so a rotated secret changes the
 * bytes under an unchanged id: the newest bytes win, and pointers made before carry a hash that no
 * longer matches (they carried the old secret too; make new ones).
 *
 * <p>Thread-safe; reads take no lock (each cluster's history is an immutable value, replaced atomically).
 */
public final class IgnitionContent {
    public static final int DEFAULT_RETAINED_RENDERINGS = 5;
    private static final Logger log = LoggerFactory.getLogger(IgnitionContent.class);

    private final int retained;
    private final Map<String, List<Rendering>> clusters = new ConcurrentHashMap<>();
    /** Per cluster, configs kept beyond the retained renderings because a live node's pointer names them. */
    private final Map<String, Map<String, ServedConfig>> kept = new ConcurrentHashMap<>();

    public IgnitionContent() {
        this(DEFAULT_RETAINED_RENDERINGS);
    }

    /** Keeps the last {@code retainedRenderings} distinct renderings of each cluster (at least 1). */
    public IgnitionContent(int retainedRenderings) {
        if (retainedRenderings < 1) {
            throw new IllegalArgumentException("retainedRenderings must be at least 1, not " + retainedRenderings);
        }
        this.retained = retainedRenderings;
    }

    /** One rendering: config by (kind, version) and by (kind, name). */
    private record Rendering(Map<String, ServedConfig> byVersion, Map<String, ServedConfig> byName) {
        TreeSet<String> versionKeys() {
            return new TreeSet<>(byVersion.keySet());
        }
    }

    /**
     * Serves {@code rendered} as the newest rendering of {@code cluster}.
     *
     * @throws IllegalArgumentException if the rendering failed or is of another cluster
     */
    public void put(String cluster, RenderedCluster rendered) {
        Objects.requireNonNull(cluster, "cluster");
        if (!cluster.equals(rendered.cluster())) {
            throw new IllegalArgumentException("a rendering of cluster " + rendered.cluster() + " cannot be served as " + cluster);
        }
        if (!rendered.ok()) {
            throw new IllegalArgumentException("cluster " + cluster + " did not render; nothing to serve");
        }
        Rendering next = rendering(cluster, rendered);
        clusters.compute(cluster, (c, history) -> {
            List<Rendering> out = new ArrayList<>();
            out.add(next);
            if (history != null) {
                Rendering newest = history.get(0);
                boolean sameVersions = newest.versionKeys().equals(next.versionKeys());
                if (sameVersions) {
                    logChangedBytes(cluster, newest, next);
                }
                out.addAll(sameVersions ? history.subList(1, history.size()) : history);
            }
            return List.copyOf(out.subList(0, Math.min(out.size(), retained)));
        });
        log.debug("cluster {}: serving pools {}", cluster, rendered.versions());
    }

    /** Stops serving a cluster (it was deleted). */
    public void remove(String cluster) {
        clusters.remove(cluster);
        kept.remove(cluster);
    }

    /**
     * Asked, on a replica that does not render (a follower), to take a cluster's configs from the shared state when a
     * node asks for a version this process does not have yet; returns whether anything changed.
     */
    @FunctionalInterface
    public interface Reload {
        boolean reload(String cluster);
    }

    private volatile Reload reload = cluster -> false;

    /** Sets what {@link #serve} asks on a miss (several replicas: the shared state, read again). */
    public void reloadOnMiss(Reload reload) {
        this.reload = java.util.Objects.requireNonNull(reload, "reload");
    }

    /**
     * What the Ignition server answers a node with: {@link #get}, and on a miss, once more after {@link #reloadOnMiss
     * reloading} the cluster, so a follower serves a config the leader rendered a moment ago instead of a 404.
     */
    public Optional<ServedConfig> serve(String cluster, ConfigKind kind, String version) {
        Optional<ServedConfig> found = get(cluster, kind, version);
        if (found.isEmpty() && reload.reload(cluster)) {
            return get(cluster, kind, version);
        }
        return found;
    }

    /** The config of this version, from the newest rendering that has it, else from the kept configs. */
    public Optional<ServedConfig> get(String cluster, ConfigKind kind, String version) {
        for (Rendering r : clusters.getOrDefault(cluster, List.of())) {
            ServedConfig c = r.byVersion().get(key(kind, version));
            if (c != null) {
                return Optional.of(c);
            }
        }
        return Optional.ofNullable(kept.getOrDefault(cluster, Map.of()).get(key(kind, version)));
    }

    /** The retained renderings of a cluster, newest first, each as its configs (what {@link #restore} takes back). */
    public List<List<ServedConfig>> renderings(String cluster) {
        return clusters.getOrDefault(cluster, List.of()).stream()
                .map(r -> List.copyOf(r.byVersion().values().stream()
                        .sorted(java.util.Comparator.comparing((ServedConfig c) -> key(c.kind(), c.version()))).toList()))
                .toList();
    }

    /** The configs kept beyond the renderings ({@link #keep}), sorted by kind and version. */
    public List<ServedConfig> kept(String cluster) {
        return kept.getOrDefault(cluster, Map.of()).values().stream()
                .sorted(java.util.Comparator.comparing((ServedConfig c) -> key(c.kind(), c.version()))).toList();
    }

    /**
     * Keeps serving {@code configs} even when no retained rendering has them any more (replacing the configs kept
     * before): nodes whose pointers name them may still be booting.
     */
    public void keep(String cluster, java.util.Collection<ServedConfig> configs) {
        Map<String, ServedConfig> map = new LinkedHashMap<>();
        for (ServedConfig c : configs) {
            if (!c.cluster().equals(cluster)) {
                throw new IllegalArgumentException("a config of cluster " + c.cluster() + " cannot be kept for " + cluster);
            }
            map.put(key(c.kind(), c.version()), c);
        }
        if (map.isEmpty()) {
            kept.remove(cluster);
        } else {
            kept.put(cluster, Map.copyOf(map));
        }
    }

    /**
     * Serves again what was served before a restart: {@code renderings} newest first (as {@link #renderings}
     * gave them) and the kept configs. Replaces whatever the cluster had.
     */
    public void restore(String cluster, List<List<ServedConfig>> renderings, java.util.Collection<ServedConfig> keptConfigs) {
        List<Rendering> history = new ArrayList<>();
        for (List<ServedConfig> configs : renderings.subList(0, Math.min(renderings.size(), retained))) {
            Map<String, ServedConfig> byVersion = new LinkedHashMap<>();
            Map<String, ServedConfig> byName = new LinkedHashMap<>();
            for (ServedConfig c : configs) {
                if (!c.cluster().equals(cluster)) {
                    throw new IllegalArgumentException("a config of cluster " + c.cluster() + " cannot be served as " + cluster);
                }
                byVersion.put(key(c.kind(), c.version()), c);
                byName.put(key(c.kind(), c.name()), c);
            }
            history.add(new Rendering(Map.copyOf(byVersion), Map.copyOf(byName)));
        }
        if (history.isEmpty()) {
            clusters.remove(cluster);
        } else {
            clusters.put(cluster, List.copyOf(history));
        }
        keep(cluster, keptConfigs);
    }

    /** The newest rendering's config of pool or node {@code name}: what a new pointer names. */
    public Optional<ServedConfig> current(String cluster, ConfigKind kind, String name) {
        List<Rendering> history = clusters.getOrDefault(cluster, List.of());
        return history.isEmpty() ? Optional.empty() : Optional.ofNullable(history.get(0).byName().get(key(kind, name)));
    }

    /** Every version of {@code kind} still served for the cluster, sorted. */
    public List<String> versions(String cluster, ConfigKind kind) {
        TreeSet<String> out = new TreeSet<>();
        for (Rendering r : clusters.getOrDefault(cluster, List.of())) {
            r.byVersion().values().stream().filter(c -> c.kind() == kind).forEach(c -> out.add(c.version()));
        }
        kept.getOrDefault(cluster, Map.of()).values().stream().filter(c -> c.kind() == kind).forEach(c -> out.add(c.version()));
        return List.copyOf(out);
    }

    /**
     * The bytes nkd serves for a rendered config: the same as {@code nkd render} writes to its {@code .ign}
     * files (two-space indented JSON and a final newline), so a rendered file's sha512sum is the hash a
     * pointer carries.
     */
    public static byte[] serialize(ObjectNode config) {
        return (JsonOutput.write(config, true) + "\n").getBytes(StandardCharsets.UTF_8);
    }

    private static Rendering rendering(String cluster, RenderedCluster rendered) {
        Map<String, ServedConfig> byVersion = new LinkedHashMap<>();
        Map<String, ServedConfig> byName = new LinkedHashMap<>();
        add(cluster, ConfigKind.POOL, rendered.pools(), byVersion, byName);
        add(cluster, ConfigKind.NODE, rendered.nodes(), byVersion, byName);
        return new Rendering(Map.copyOf(byVersion), Map.copyOf(byName));
    }

    private static void add(String cluster, ConfigKind kind, List<RenderedConfig> configs, Map<String, ServedConfig> byVersion,
                            Map<String, ServedConfig> byName) {
        for (RenderedConfig rc : configs) {
            ServedConfig c = new ServedConfig(cluster, kind, rc.name(), rc.version(), serialize(rc.config()));
            byVersion.put(key(kind, rc.version()), c);
            byName.put(key(kind, rc.name()), c);
        }
    }

    private static void logChangedBytes(String cluster, Rendering before, Rendering after) {
        after.byVersion().forEach((k, c) -> {
            ServedConfig old = before.byVersion().get(k);
            if (old != null && !Arrays.equals(old.content(), c.content())) {
                log.info("cluster {}: {} {} has new content under the same version (a secret changed); pointers made"
                        + " before carry the old hash and must be made again", cluster, c.kind().segment(), c.version());
            }
        });
    }

    private static String key(ConfigKind kind, String id) {
        return kind.segment() + "/" + id;
    }
}
