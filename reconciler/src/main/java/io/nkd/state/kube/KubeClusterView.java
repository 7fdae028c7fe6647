package io.nkd.state.kube;

import io.nkd.state.ClusterView;
import io.nkd.state.CorruptStateException;
import io.nkd.state.Recovery;
import io.nkd.state.StateSpi;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;

/** Reads of one cluster from the store's in-memory copy of the namespace: no API call, no lock. */
class KubeClusterView implements ClusterView {
    final KubernetesStateStore store;
    private final String cluster;

    KubeClusterView(KubernetesStateStore store, String cluster) {
        this.store = store;
        this.cluster = cluster;
    }

    @Override
    public String cluster() {
        return cluster;
    }

    @Override
    public String location() {
        return "namespace " + store.namespace() + " (cluster " + cluster + ")";
    }

    /** The object's resourceVersion (and kind): changes with every write. */
    @Override
    public Optional<Object> version(String path) {
        StateSpi.path(path, false);
        StoredObject o = current(path);
        return o == null ? Optional.empty() : Optional.of(o.kind() + "/" + o.resourceVersion());
    }

    /** By the object's kind: a Secret holds a secret file. */
    @Override
    public Optional<io.nkd.state.Sensitivity> sensitivity(String path) {
        StateSpi.path(path, false);
        StoredObject o = current(path);
        return o == null ? Optional.empty()
                : Optional.of(o.kind() == ObjectKind.SECRET ? io.nkd.state.Sensitivity.SECRET : io.nkd.state.Sensitivity.PUBLIC);
    }

    @Override
    public Optional<byte[]> read(String path) {
        StateSpi.path(path, false);
        StoredObject o = current(path);
        if (o == null) {
            if (isDirectory(path)) {
                throw StateSpi.invalidPath("state path " + StateSpi.quote(path) + " of cluster " + cluster
                        + " is a directory, not a file");
            }
            return Optional.empty();
        }
        if (o.content() == null) {
            throw corrupt(o, o.problem(), Recovery.UNSPECIFIED);
        }
        return Optional.of(o.content().clone());
    }

    @Override
    public <T> Optional<T> readJson(String path, Class<T> type, Recovery recovery) {
        StateSpi.path(path, false);
        StoredObject o = current(path);
        if (o != null && o.content() == null) {
            throw corrupt(o, o.problem(), recovery);
        }
        return read(path).map(bytes -> StateSpi.readJson(bytes, type, where(o), advice(recovery)));
    }

    @Override
    public List<String> list(String dir) {
        List<String> segments = StateSpi.path(dir, true);
        String prefix = segments.isEmpty() ? "" : String.join("/", segments) + "/";
        TreeSet<String> names = new TreeSet<>();
        boolean isFile = false;
        for (StoredObject o : store.cache().ofCluster(cluster)) {
            if (o.path() == null) {
                continue;
            }
            if (!prefix.isEmpty() && o.path().equals(dir)) {
                isFile = true;
            }
            if (o.path().startsWith(prefix)) {
                String rest = o.path().substring(prefix.length());
                int slash = rest.indexOf('/');
                names.add(slash < 0 ? rest : rest.substring(0, slash + 1));
            }
        }
        if (isFile && names.isEmpty()) {
            throw StateSpi.invalidPath("state path " + StateSpi.quote(dir) + " of cluster " + cluster
                    + " is a file, not a directory");
        }
        return List.copyOf(names);
    }

    @Override
    public boolean exists(String path) {
        List<String> segments = StateSpi.path(path, true);
        if (segments.isEmpty()) {
            return !store.cache().ofCluster(cluster).isEmpty();
        }
        return current(path) != null || isDirectory(path);
    }

    /** The object holding {@code path}: of the two kinds, the newer if a crash left both (see the package docs). */
    final StoredObject current(String path) {
        String name = StateObjects.objectName(cluster, path);
        StoredObject cm = store.cache().get(ObjectKind.CONFIG_MAP, name);
        StoredObject secret = store.cache().get(ObjectKind.SECRET, name);
        StoredObject o = cm == null ? secret : secret == null ? cm : secret.revision() >= cm.revision() ? secret : cm;
        if (o != null && o.path() != null && !o.path().equals(path)) {
            return null; // another file's object under a colliding name: never served as this one
        }
        return o;
    }

    final boolean isDirectory(String path) {
        String prefix = path + "/";
        for (StoredObject o : store.cache().ofCluster(cluster)) {
            if (o.path() != null && o.path().startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }

    final CorruptStateException corrupt(StoredObject o, String problem, Recovery recovery) {
        return CorruptStateException.of(where(o), problem, advice(recovery));
    }

    /** The object's API path and key, in place of a file name: {@code namespaces/NS/secrets/NAME/KEY}. */
    private Path where(StoredObject o) {
        return Path.of(o.apiPath(store.namespace()), o.path() == null ? "" : StateObjects.dataKey(o.path()));
    }

    /** The local store's advice, with the namespace in place of the state directory. */
    private String advice(Recovery recovery) {
        return recovery.advice().replace("a backup of the state directory",
                "a backup of namespace " + store.namespace() + " (kubectl apply the saved object)")
                .replace("delete it", "delete the object");
    }

    @Override
    public String toString() {
        return "state of cluster " + cluster + " (" + location() + ")";
    }
}
