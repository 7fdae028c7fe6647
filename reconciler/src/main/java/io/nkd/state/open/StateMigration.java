package io.nkd.state.open;

import io.nkd.state.ClusterState;
import io.nkd.state.ClusterView;
import io.nkd.state.Sensitivity;
import io.nkd.state.StateStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Copies every cluster's every file from one store to another ({@code nkd state migrate}), each cluster under its lock
 * on both sides, keeping each file's sensitivity, then verifies the copy through a fresh store on the target.
 */
public final class StateMigration {
    /** What was copied. */
    public record Summary(int clusters, long files, long bytes) {
    }

    /** The migration did not start or did not finish as asked; the message says why and what to do. */
    public static final class MigrationException extends RuntimeException {
        MigrationException(String message) {
            super(message, null, false, false);
        }
    }

    private StateMigration() {
    }

    /**
     * Copies. The target must hold no cluster's state unless {@code force}; then the clusters being migrated are
     * replaced (their files absent from the source deleted) and any other cluster there is left as it is.
     *
     * @param progress one line per cluster copied
     */
    public static Summary copy(StateStore from, String fromName, StateStore to, String toName, boolean force,
                               Duration lockWait, Consumer<String> progress) throws InterruptedException {
        List<String> clusters = from.listClusters();
        if (clusters.isEmpty()) {
            throw new MigrationException("--from " + fromName + " holds no cluster's state: nothing to migrate (check the"
                    + " directory or namespace)");
        }
        List<String> present = to.listClusters();
        if (!present.isEmpty() && !force) {
            throw new MigrationException("--to " + toName + " already holds the state of " + present.size() + " cluster(s): "
                    + names(present) + "; nkd does not merge two states. Choose an empty target, or pass --force to"
                    + " replace the state of the clusters being migrated (their files that --from lacks are deleted;"
                    + " other clusters there are left alone)");
        }
        long files = 0;
        long bytes = 0;
        int i = 0;
        for (String cluster : clusters) {
            i++;
            long clusterFiles = 0;
            long clusterBytes = 0;
            try (ClusterState source = from.open(cluster, lockWait); ClusterState target = to.open(cluster, lockWait)) {
                Map<String, byte[]> content = new TreeMap<>();
                Map<String, Sensitivity> sensitivity = new TreeMap<>();
                for (String path : files(source)) {
                    Optional<byte[]> b = source.read(path);
                    if (b.isEmpty()) {
                        continue; // gone between list and read: cannot happen under the lock, but never copy a null
                    }
                    content.put(path, b.get());
                    // A store that cannot tell keeps it secret: a needless secret is harmless, a leaked one is not.
                    sensitivity.put(path, source.sensitivity(path).orElse(Sensitivity.SECRET));
                }
                // Again under the target's lock: another migrate (or nkd) that started beside this one found the target
                // empty too, and may have written this cluster since the check above; never overwrite or merge it.
                if (!force && !files(target).isEmpty()) {
                    throw new MigrationException("--to " + toName + " gained the state of cluster " + cluster + " while this"
                            + " migration ran (another nkd state migrate or nkd serve writes there); nothing of " + cluster
                            + " was written. Stop the other writer, then migrate again, with --force to replace what it wrote");
                }
                if (force) {
                    for (String path : files(target)) {
                        if (!content.containsKey(path)) {
                            target.delete(path);
                        }
                    }
                }
                for (Map.Entry<String, byte[]> e : content.entrySet()) {
                    target.write(e.getKey(), e.getValue(), sensitivity.get(e.getKey()));
                    clusterFiles++;
                    clusterBytes += e.getValue().length;
                }
            }
            files += clusterFiles;
            bytes += clusterBytes;
            progress.accept("[" + i + "/" + clusters.size() + "] " + cluster + ": " + clusterFiles + " files, "
                    + size(clusterBytes));
        }
        return new Summary(clusters.size(), files, bytes);
    }

    /**
     * Compares every cluster of {@code from} with {@code to} (a store opened afresh, so it reads what the target really
     * holds): the same files, byte for byte, with the same sensitivity, and the same counts.
     *
     * @throws MigrationException naming the first cluster and file that differ (never their content)
     */
    public static Summary verify(StateStore from, StateStore to, String toName) {
        long files = 0;
        long bytes = 0;
        List<String> clusters = from.listClusters();
        for (String cluster : clusters) {
            ClusterView a = from.view(cluster);
            ClusterView b = to.view(cluster);
            List<String> want = files(a);
            List<String> have = files(b);
            if (!want.equals(have)) {
                List<String> missing = new ArrayList<>(want);
                missing.removeAll(have);
                List<String> extra = new ArrayList<>(have);
                extra.removeAll(want);
                throw new MigrationException("verification failed: cluster " + cluster + " in " + toName + " has "
                        + have.size() + " files, the source " + want.size()
                        + (missing.isEmpty() ? "" : "; missing: " + names(missing))
                        + (extra.isEmpty() ? "" : "; not in the source: " + names(extra))
                        + ". Run the migration again with --force");
            }
            for (String path : want) {
                byte[] x = a.read(path).orElse(null);
                byte[] y = b.read(path).orElse(null);
                if (x == null || y == null || !Arrays.equals(x, y)) {
                    throw new MigrationException("verification failed: file " + path + " of cluster " + cluster + " in "
                            + toName + " differs from the source (" + (y == null ? "missing" : y.length + " bytes, the"
                            + " source " + (x == null ? "missing" : x.length + " bytes")) + "). Run the migration again"
                            + " with --force");
                }
                Optional<Sensitivity> sx = a.sensitivity(path);
                Optional<Sensitivity> sy = b.sensitivity(path);
                if (sx.isPresent() && !sx.equals(sy)) {
                    throw new MigrationException("verification failed: file " + path + " of cluster " + cluster + " is "
                            + sx.get() + " in the source and " + sy.map(Enum::name).orElse("unknown") + " in " + toName
                            + ". Run the migration again with --force");
                }
                files++;
                bytes += x.length;
            }
        }
        return new Summary(clusters.size(), files, bytes);
    }

    /** Every file of a cluster, as paths, sorted. */
    static List<String> files(ClusterView view) {
        List<String> out = new ArrayList<>();
        walk(view, "", out);
        return out;
    }

    private static void walk(ClusterView view, String dir, List<String> out) {
        for (String name : view.list(dir)) {
            String path = dir.isEmpty() ? name : dir + "/" + name;
            if (name.endsWith("/")) {
                walk(view, path.substring(0, path.length() - 1), out);
            } else {
                out.add(path);
            }
        }
    }

    static String size(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        if (bytes < 1024 * 1024) {
            return String.format(java.util.Locale.ROOT, "%.1f KiB", bytes / 1024.0);
        }
        return String.format(java.util.Locale.ROOT, "%.1f MiB", bytes / (1024.0 * 1024));
    }

    private static String names(List<String> names) {
        return names.size() <= 5 ? String.join(", ", names)
                : String.join(", ", names.subList(0, 5)) + " and " + (names.size() - 5) + " more";
    }
}
