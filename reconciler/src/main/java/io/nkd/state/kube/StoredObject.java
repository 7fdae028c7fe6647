package io.nkd.state.kube;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.nkd.state.StateSpi;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;

/**
 * One state file as the store keeps it in memory: where it lives (kind, name), which file of which cluster it claims
 * to be, its resourceVersion and lock term, and either its bytes or what is wrong with it. Decoding never throws: a
 * damaged object is a fact about that one file (reported when the file is read), not a failure of the namespace.
 *
 * @param path the file it claims to be, or null if its annotation is missing or invalid (then it belongs to no tree)
 * @param term the lock term ({@code Lease.spec.leaseTransitions}) of the write, or -1 if unknown
 * @param content the file's bytes, or null when {@code problem} says why they cannot be read
 */
record StoredObject(ObjectKind kind, String name, String cluster, String path, String resourceVersion, long revision,
                    long term, String writer, byte[] content, String problem) {

    /** The identity of this object for the cache: its kind and name. */
    record Key(ObjectKind kind, String name) {
    }

    Key key() {
        return new Key(kind, name);
    }

    static StoredObject of(HasMetadata object) {
        ObjectKind kind = object instanceof Secret ? ObjectKind.SECRET : ObjectKind.CONFIG_MAP;
        var meta = object.getMetadata();
        String name = meta.getName();
        Map<String, String> labels = meta.getLabels() == null ? Map.of() : meta.getLabels();
        Map<String, String> annotations = meta.getAnnotations() == null ? Map.of() : meta.getAnnotations();
        String cluster = labels.get(StateObjects.CLUSTER_LABEL);
        String rv = meta.getResourceVersion();
        long revision = revision(rv);
        long term = parseLong(annotations.get(StateObjects.TERM_ANNOTATION), -1);
        String writer = annotations.get(StateObjects.WRITER_ANNOTATION);
        String path = annotations.get(StateObjects.PATH_ANNOTATION);
        if (cluster == null || !StateSpi.isClusterName(cluster)) {
            return new StoredObject(kind, name, null, null, rv, revision, term, writer, null,
                    "its label " + StateObjects.CLUSTER_LABEL + " is missing or not a cluster name");
        }
        if (path == null) {
            return new StoredObject(kind, name, cluster, null, rv, revision, term, writer, null,
                    "its annotation " + StateObjects.PATH_ANNOTATION + " is missing");
        }
        try {
            StateSpi.path(path, false);
        } catch (RuntimeException e) {
            return new StoredObject(kind, name, cluster, null, rv, revision, term, writer, null,
                    "its annotation " + StateObjects.PATH_ANNOTATION + " is not a valid state path");
        }
        if (!StateObjects.objectName(cluster, path).equals(name)) {
            return new StoredObject(kind, name, cluster, null, rv, revision, term, writer, null,
                    "its name does not match its annotation " + StateObjects.PATH_ANNOTATION
                            + " (renamed or copied by hand?)");
        }
        String key = StateObjects.dataKey(path);
        Map<String, byte[]> entries = new HashMap<>();
        try {
            if (object instanceof Secret s) {
                if (s.getData() != null) {
                    s.getData().forEach((k, v) -> entries.put(k, Base64.getDecoder().decode(v)));
                }
            } else {
                ConfigMap cm = (ConfigMap) object;
                if (cm.getData() != null) {
                    cm.getData().forEach((k, v) -> entries.put(k, v.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
                }
                if (cm.getBinaryData() != null) {
                    cm.getBinaryData().forEach((k, v) -> entries.put(k, Base64.getDecoder().decode(v)));
                }
            }
        } catch (IllegalArgumentException e) {
            return new StoredObject(kind, name, cluster, path, rv, revision, term, writer, null,
                    "its data is not valid base64");
        }
        if (entries.size() != 1 || !entries.containsKey(key)) {
            return new StoredObject(kind, name, cluster, path, rv, revision, term, writer, null,
                    "it should hold exactly one key, " + StateSpi.quote(key) + ", and holds " + entries.size()
                            + (entries.containsKey(key) ? "" : " without that one"));
        }
        return new StoredObject(kind, name, cluster, path, rv, revision, term, writer, entries.get(key), null);
    }

    /** The API path of the object, for messages: {@code namespaces/NS/configmaps/NAME}. */
    String apiPath(String namespace) {
        return "namespaces/" + namespace + "/" + kind.plural() + "/" + name;
    }

    /**
     * resourceVersion as a number. Kubernetes documents it as opaque, but an API server backed by etcd uses etcd's
     * global revision, which only grows; the cache orders events by it. Unparseable: 0 (the newest offer wins).
     */
    static long revision(String resourceVersion) {
        return parseLong(resourceVersion, 0);
    }

    private static long parseLong(String s, long otherwise) {
        if (s == null) {
            return otherwise;
        }
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            return otherwise;
        }
    }
}
