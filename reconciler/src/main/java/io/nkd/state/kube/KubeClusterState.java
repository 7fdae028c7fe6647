package io.nkd.state.kube;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.nkd.state.ClusterState;
import io.nkd.state.Recovery;
import io.nkd.state.Sensitivity;
import io.nkd.state.StateSpi;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes of one cluster under its Lease. Every write is one API call on one object carrying the resourceVersion this
 * process last saw; what a 409 Conflict means and what is retried is in the package documentation.
 */
final class KubeClusterState extends KubeClusterView implements ClusterState {
    private static final Logger log = LoggerFactory.getLogger(KubeClusterState.class);
    /** The API server's limit on a ConfigMap's or Secret's data (MaxSecretSize, also applied to ConfigMaps). */
    static final int MAX_FILE = 1024 * 1024;
    /** Retries after a conflict with an older term's write or this handle's own (the cache was behind). */
    private static final int RETRIES = 5;

    private final KubeClusterLock lock;

    KubeClusterState(KubernetesStateStore store, String cluster, KubeClusterLock lock) {
        super(store, cluster);
        this.lock = lock;
    }

    @Override
    public void write(String path, byte[] content, Sensitivity sensitivity) {
        Objects.requireNonNull(content, "content");
        Objects.requireNonNull(sensitivity, "sensitivity");
        checkOpen();
        List<String> segments = StateSpi.path(path, false);
        if (isDirectory(path)) {
            throw StateSpi.invalidPath("state path " + StateSpi.quote(path) + " of cluster " + cluster()
                    + " is a directory, not a file");
        }
        for (int i = 1; i < segments.size(); i++) {
            String parent = String.join("/", segments.subList(0, i));
            StoredObject p = current(parent);
            if (p != null) {
                throw StateSpi.invalidPath("state path " + StateSpi.quote(path) + " of cluster " + cluster()
                        + " goes through " + parent + ", which is a file, not a directory");
            }
        }
        ObjectKind kind = ObjectKind.of(sensitivity);
        String name = StateObjects.objectName(cluster(), path);
        if (content.length > MAX_FILE) {
            throw StateSpi.failed("cannot write state file " + path + " of cluster " + cluster() + " (" + kind + " "
                    + store.namespace() + "/" + name + "): it is " + content.length + " bytes and a Kubernetes " + kind
                    + " holds at most " + MAX_FILE + " bytes; keep this state on a local state directory (--state-dir)"
                    + " or report the file that grew this large", null);
        }
        StoredObject seen = store.cache().get(kind, name);
        String what = kind + " " + name + " (state file " + path + " of cluster " + cluster() + ")";
        check(seen, what, 0);
        HasMetadata object = build(kind, name, path, content, seen == null ? null : seen.resourceVersion());
        for (int attempt = 1; ; attempt++) {
            checkOpen();
            HasMetadata toWrite = object;
            try {
                HasMetadata written = object.getMetadata().getResourceVersion() == null
                        ? store.api().call("create", "create", kind.plural(), what,
                                () -> store.resources(kind).resource(toWrite).create())
                        : store.api().call("update", "update", kind.plural(), what,
                                () -> store.resources(kind).resource(toWrite).update());
                store.cache().offer(StoredObject.of(written));
                break;
            } catch (KubernetesClientException conflict) {
                store.api().conflict();
                StoredObject fresh = fetch(kind, name, what);
                check(fresh, what, attempt);
                log.info("cluster={} state file {} changed before this lock term ({}); writing over the new version",
                        cluster(), path, fresh == null ? "deleted" : "resourceVersion " + fresh.resourceVersion());
                object = build(kind, name, path, content, fresh == null ? null : fresh.resourceVersion());
            }
        }
        // A file whose sensitivity changed moves between kinds: the new object exists first, so a crash in between
        // leaves both and readers take the newer (higher resourceVersion); the next write removes the old one.
        StoredObject old = store.cache().get(kind.other(), name);
        if (old != null) {
            deleteObject(old, path);
        }
    }

    @Override
    public void writeJson(String path, Object value, Sensitivity sensitivity) {
        Objects.requireNonNull(value, "value");
        write(path, StateSpi.writeJson(value), sensitivity);
    }

    /**
     * A file: its object (both, if a crash left two kinds). A directory: every file under it, one by one (Kubernetes has
     * no transaction over objects; a crash part-way leaves the rest, which the next delete removes).
     */
    @Override
    public boolean delete(String path) {
        checkOpen();
        StateSpi.path(path, false);
        List<StoredObject> doomed = new ArrayList<>();
        String name = StateObjects.objectName(cluster(), path);
        for (ObjectKind kind : ObjectKind.values()) {
            StoredObject o = store.cache().get(kind, name);
            if (o != null && (o.path() == null || o.path().equals(path))) {
                doomed.add(o);
            }
        }
        if (doomed.isEmpty()) {
            String prefix = path + "/";
            for (StoredObject o : store.cache().ofCluster(cluster())) {
                if (o.path() != null && o.path().startsWith(prefix)) {
                    doomed.add(o);
                }
            }
        }
        for (StoredObject o : doomed) {
            deleteObject(o, o.path() == null ? path : o.path());
        }
        return !doomed.isEmpty();
    }

    private void deleteObject(StoredObject o, String path) {
        String what = o.kind() + " " + o.name() + " (state file " + path + " of cluster " + cluster() + ")";
        StoredObject target = o;
        check(target, what, 0);
        for (int attempt = 1; ; attempt++) {
            checkOpen();
            String rv = target.resourceVersion();
            ObjectKind kind = target.kind();
            try {
                store.api().call("delete", "delete", kind.plural(), what,
                        () -> store.resources(kind).withName(o.name()).lockResourceVersion(rv).delete());
                store.cache().deletedHere(target.key(), target.revision());
                return;
            } catch (KubernetesClientException conflict) {
                store.api().conflict();
                StoredObject fresh = fetch(kind, o.name(), what);
                if (fresh == null) {
                    store.cache().deletedHere(target.key(), target.revision());
                    return;
                }
                check(fresh, what, attempt);
                target = fresh;
            }
        }
    }

    /**
     * Whether this handle may write over {@code current} (the object's version it knows of, cached or just fetched):
     * yes if it was written before this lock term (by an earlier holder: terms only grow) or by this very handle (two
     * threads of one reconcile); no if another holder wrote it in this term or a later one, which means this process's
     * lock was lost: then fail and overwrite nothing. {@code attempt} counts 409 retries.
     */
    private void check(StoredObject current, String what, int attempt) {
        if (current == null || lock.identity().equals(current.writer()) || current.term() < lock.term()) {
            if (attempt > RETRIES) {
                throw StateSpi.failed("cannot write " + what + " in namespace " + store.namespace() + ": it kept"
                        + " changing (" + attempt + " conflicts in a row); try again", null);
            }
            return;
        }
        if (attempt == 0) {
            store.api().conflict(); // found in the copy before any request: a conflict all the same
        }
        String by = current.writer() == null ? "an unknown writer" : current.writer();
        throw StateSpi.failed("cannot write " + what + " in namespace " + store.namespace() + ": it was changed by " + by
                + " in lock term " + current.term() + " while this process holds lock term " + lock.term() + " ("
                + lock.identity() + "); nkd does not overwrite it. Another nkd wrote this cluster's state without the"
                + " lock, or this process lost its Lease; the next reconcile starts from the current state", null);
    }

    private StoredObject fetch(ObjectKind kind, String name, String what) {
        HasMetadata o = store.api().call("get", "get", kind.plural(), what,
                () -> store.resources(kind).withName(name).get());
        if (o == null) {
            return null;
        }
        StoredObject fresh = StoredObject.of(o);
        store.cache().offer(fresh);
        return fresh;
    }

    private HasMetadata build(ObjectKind kind, String name, String path, byte[] content, String resourceVersion) {
        Map<String, String> annotations = Map.of(
                StateObjects.PATH_ANNOTATION, path,
                StateObjects.TERM_ANNOTATION, Long.toString(lock.term()),
                StateObjects.WRITER_ANNOTATION, lock.identity());
        String key = StateObjects.dataKey(path);
        if (kind == ObjectKind.SECRET) {
            return new SecretBuilder().withNewMetadata().withName(name).withNamespace(store.namespace())
                    .withLabels(StateObjects.labels(cluster())).withAnnotations(annotations)
                    .withResourceVersion(resourceVersion).endMetadata()
                    .withType("Opaque")
                    .withData(Map.of(key, Base64.getEncoder().encodeToString(content))).build();
        }
        // Text in data (readable with kubectl), anything else in binaryData: both round-trip byte for byte.
        Map<String, String> data = new HashMap<>();
        Map<String, String> binary = new HashMap<>();
        Optional<String> text = utf8(content);
        if (text.isPresent()) {
            data.put(key, text.get());
        } else {
            binary.put(key, Base64.getEncoder().encodeToString(content));
        }
        return new ConfigMapBuilder().withNewMetadata().withName(name).withNamespace(store.namespace())
                .withLabels(StateObjects.labels(cluster())).withAnnotations(annotations)
                .withResourceVersion(resourceVersion).endMetadata()
                .withData(data.isEmpty() ? null : data).withBinaryData(binary.isEmpty() ? null : binary).build();
    }

    /**
     * The content as text if it is UTF-8 without control characters other than tab, CR and LF: JSON escapes the others
     * as six bytes each, and a request over 3 MiB is refused (a 1 MiB file of NULs would be 6 MiB as text, 1.4 as base64).
     */
    private static Optional<String> utf8(byte[] content) {
        for (byte b : content) {
            if ((b >= 0 && b < 0x20 && b != '\t' && b != '\n' && b != '\r') || b == 0x7f) {
                return Optional.empty();
            }
        }
        try {
            return Optional.of(StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(content)).toString());
        } catch (CharacterCodingException e) {
            return Optional.empty();
        }
    }

    @Override
    public Optional<byte[]> read(String path) {
        checkOpen();
        return super.read(path);
    }

    @Override
    public <T> Optional<T> readJson(String path, Class<T> type, Recovery recovery) {
        checkOpen();
        return super.readJson(path, type, recovery);
    }

    @Override
    public List<String> list(String dir) {
        checkOpen();
        return super.list(dir);
    }

    @Override
    public boolean exists(String path) {
        checkOpen();
        return super.exists(path);
    }

    @Override
    public void close() {
        lock.close();
    }

    /** As the local store: a handle whose lock is gone (closed, lost, or not renewed in time) refuses every call. */
    private void checkOpen() {
        if (!lock.isValid()) {
            throw new IllegalStateException(lock.isClosed()
                    ? "the state handle of cluster " + cluster() + " is closed (its lock is released); open the cluster again"
                    : "the state lock of cluster " + cluster() + " is lost (Lease " + StateObjects.leaseName(cluster())
                            + " in namespace " + store.namespace() + " was not renewed within "
                            + store.options().renewDeadline().toSeconds() + " s, or another nkd took it): this handle no"
                            + " longer reads or writes; open the cluster again");
        }
    }
}
