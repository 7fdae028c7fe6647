package io.nkd.state.kube;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The namespace's state objects in memory, fed by two informers (ConfigMaps and Secrets labelled
 * {@code app.kubernetes.io/managed-by=nkd}) and by this process's own writes (read-your-writes: the informer's event for
 * a write arrives a little later). Events are ordered by resourceVersion: an older one never replaces a newer object, and
 * a deleted object's late events do not bring it back (tombstones until the informer reports the delete).
 */
final class ObjectCache {
    private final Map<StoredObject.Key, StoredObject> objects = new HashMap<>();
    private final Map<StoredObject.Key, Long> tombstones = new HashMap<>();
    /** cluster → its objects' keys (objects without a cluster label are kept in {@link #objects} only). */
    private final Map<String, Set<StoredObject.Key>> byCluster = new HashMap<>();

    synchronized void offer(StoredObject o) {
        StoredObject.Key key = o.key();
        Long deletedAt = tombstones.get(key);
        if (deletedAt != null) {
            if (o.revision() != 0 && o.revision() <= deletedAt) {
                return;
            }
            tombstones.remove(key);
        }
        StoredObject existing = objects.get(key);
        if (existing != null && o.revision() != 0 && existing.revision() > o.revision()) {
            return;
        }
        if (existing != null && existing.cluster() != null && !existing.cluster().equals(o.cluster())) {
            unindex(existing);
        }
        objects.put(key, o);
        if (o.cluster() != null) {
            byCluster.computeIfAbsent(o.cluster(), c -> new java.util.HashSet<>()).add(key);
        }
    }

    /** The informer saw the object go (its last known state is {@code last}). */
    synchronized void deleted(StoredObject last) {
        StoredObject.Key key = last.key();
        StoredObject existing = objects.get(key);
        if (existing != null && (last.revision() == 0 || existing.revision() <= last.revision())) {
            objects.remove(key);
            unindex(existing);
        }
        tombstones.remove(key);
    }

    /** This process deleted the object, whose resourceVersion was {@code revision}. */
    synchronized void deletedHere(StoredObject.Key key, long revision) {
        StoredObject existing = objects.remove(key);
        if (existing != null) {
            unindex(existing);
        }
        tombstones.put(key, revision);
    }

    /**
     * A fresh LIST of one cluster's objects of one kind, as of {@code listRevision}: offers each, and drops the kind's
     * objects of that cluster the list no longer has (deleted before the list; kept if newer than it).
     */
    synchronized void resync(String cluster, ObjectKind kind, List<StoredObject> listed, long listRevision) {
        Set<StoredObject.Key> present = new java.util.HashSet<>();
        for (StoredObject o : listed) {
            present.add(o.key());
            offer(o);
        }
        for (StoredObject o : ofCluster(cluster)) {
            if (o.kind() == kind && !present.contains(o.key()) && (listRevision == 0 || o.revision() <= listRevision)) {
                deletedHere(o.key(), listRevision == 0 ? o.revision() : listRevision);
            }
        }
    }

    synchronized StoredObject get(ObjectKind kind, String name) {
        return objects.get(new StoredObject.Key(kind, name));
    }

    /** The cluster's objects (decoded or damaged), in no order. */
    synchronized List<StoredObject> ofCluster(String cluster) {
        Set<StoredObject.Key> keys = byCluster.get(cluster);
        if (keys == null) {
            return List.of();
        }
        List<StoredObject> out = new ArrayList<>(keys.size());
        for (StoredObject.Key k : keys) {
            out.add(objects.get(k));
        }
        return out;
    }

    /** The highest lock term written on the cluster's objects, or -1. */
    synchronized long highestTerm(String cluster) {
        long max = -1;
        for (StoredObject o : ofCluster(cluster)) {
            max = Math.max(max, o.term());
        }
        return max;
    }

    synchronized List<String> clusters() {
        List<String> names = new ArrayList<>();
        byCluster.forEach((c, keys) -> {
            if (!keys.isEmpty()) {
                names.add(c);
            }
        });
        return List.copyOf(new TreeSet<>(names));
    }

    synchronized int size() {
        return objects.size();
    }

    private void unindex(StoredObject o) {
        if (o.cluster() == null) {
            return;
        }
        Set<StoredObject.Key> keys = byCluster.get(o.cluster());
        if (keys != null) {
            keys.remove(o.key());
            if (keys.isEmpty()) {
                byCluster.remove(o.cluster());
            }
        }
    }

}
