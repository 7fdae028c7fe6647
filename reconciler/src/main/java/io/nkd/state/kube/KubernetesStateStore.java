package io.nkd.state.kube;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResourceList;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.MixedOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.nkd.state.ClusterLock;
import io.nkd.state.ClusterState;
import io.nkd.state.ClusterView;
import io.nkd.state.StateSpi;
import io.nkd.state.StateStore;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The state store in a Kubernetes namespace: each state file one ConfigMap or Secret, each cluster's lock one Lease.
 * Reads come from memory (informers keep a copy of the namespace's nkd objects); writes go to the API server. See the
 * package documentation for the decisions. Close it to stop the informers and release the locks it holds.
 */
public final class KubernetesStateStore implements StateStore, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(KubernetesStateStore.class);

    /**
     * Lock timing. {@code renewDeadline} is how long a holder keeps writing after its last successful renewal: shorter
     * than {@code leaseDuration}, after which another process may take the lock, so the two never overlap (given clocks
     * within {@code leaseDuration - renewDeadline} of each other).
     */
    public record Options(Duration leaseDuration, Duration renewInterval, Duration renewDeadline, Clock clock) {
        /** 15 s leases renewed every 5 s, given up 10 s after the last renewal: the values of Kubernetes' own controllers. */
        public static final Options DEFAULT = new Options(Duration.ofSeconds(15), Duration.ofSeconds(5),
                Duration.ofSeconds(10), Clock.systemUTC());

        public Options {
            Objects.requireNonNull(clock, "clock");
            if (leaseDuration.toSeconds() < 1 || renewInterval.isNegative() || renewInterval.isZero()
                    || renewDeadline.compareTo(leaseDuration) >= 0 || renewInterval.compareTo(renewDeadline) >= 0) {
                throw new IllegalArgumentException("lock timing must satisfy renewInterval < renewDeadline < leaseDuration"
                        + " (leaseDuration at least 1 s): " + renewInterval + ", " + renewDeadline + ", " + leaseDuration);
            }
        }
    }

    private final KubeApi api;
    private final ObjectCache cache = new ObjectCache();
    private final KubeLocks locks;
    private final ScheduledExecutorService scheduler;
    /** Objects per page of the informers' lists (state objects are small; 500 is client-go's default). */
    private static final long LIST_PAGE = 500;
    private final List<SharedIndexInformer<? extends HasMetadata>> informers = new ArrayList<>();
    /** Objects without a cluster already logged (once each). */
    private final java.util.Set<String> foreignWarned = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final Runnable onClose;
    private volatile boolean closed;

    /** A store in {@code namespace} with default lock timing, metrics in a private registry. */
    public KubernetesStateStore(KubernetesClient client, String namespace) {
        this(client, namespace, new SimpleMeterRegistry(), Options.DEFAULT);
    }

    /**
     * Connects and loads the namespace's state objects before returning (the informers' first list), so that the first
     * read sees everything. Fails with a {@link io.nkd.state.StateIOException} naming what to do if the namespace is
     * missing, RBAC denies a list, or the API server does not answer.
     */
    public KubernetesStateStore(KubernetesClient client, String namespace, MeterRegistry metrics, Options options) {
        this(client, namespace, metrics, options, () -> {
        });
    }

    /** As the four-argument constructor; {@code onClose} runs last when the store is closed (e.g. closes the client). */
    public KubernetesStateStore(KubernetesClient client, String namespace, MeterRegistry metrics, Options options,
                                Runnable onClose) {
        Objects.requireNonNull(client, "client");
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(metrics, "metrics");
        Objects.requireNonNull(options, "options");
        this.onClose = Objects.requireNonNull(onClose, "onClose");
        this.api = new KubeApi(client, namespace, metrics);
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "nkd-state-leases");
            t.setDaemon(true);
            return t;
        });
        this.locks = new KubeLocks(api, options, scheduler, cache::highestTerm);
        try {
            checkNamespace();
            inform(ObjectKind.CONFIG_MAP);
            inform(ObjectKind.SECRET);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        log.info("state store in namespace {} of {}: {} object(s) of {} cluster(s)", namespace, client.getMasterUrl(),
                cache.size(), cache.clusters().size());
    }

    /** The namespace the state lives in. */
    public String namespace() {
        return api.namespace();
    }

    @Override
    public List<String> listClusters() {
        return cache.clusters();
    }

    @Override
    public ClusterView view(String cluster) {
        return new KubeClusterView(this, StateSpi.cluster(cluster));
    }

    @Override
    public ClusterState open(String cluster) {
        String name = StateSpi.cluster(cluster);
        return handle(name, locks.tryLock(name, Duration.ZERO));
    }

    @Override
    public ClusterState open(String cluster, Duration wait) throws InterruptedException {
        String name = StateSpi.cluster(cluster);
        return handle(name, locks.lock(name, checkWait(wait)));
    }

    @Override
    public ClusterLock lock(String cluster) {
        return locks.tryLock(StateSpi.cluster(cluster), Duration.ZERO);
    }

    @Override
    public ClusterLock lock(String cluster, Duration wait) throws InterruptedException {
        return locks.lock(StateSpi.cluster(cluster), checkWait(wait));
    }

    /** Stops the informers and releases every lock still held (their Leases are freed for other processes). */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            locks.releaseAll();
            informers.forEach(SharedIndexInformer::stop);
            informers.clear();
            scheduler.shutdownNow();
        } finally {
            onClose.run();
        }
    }

    @Override
    public String toString() {
        return "Kubernetes state store in namespace " + api.namespace();
    }

    Options options() {
        return locks.options();
    }

    KubeApi api() {
        return api;
    }

    ObjectCache cache() {
        return cache;
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    MixedOperation<HasMetadata, KubernetesResourceList<HasMetadata>, Resource<HasMetadata>> resources(ObjectKind kind) {
        MixedOperation op = kind == ObjectKind.SECRET ? api.client().secrets() : api.client().configMaps();
        return (MixedOperation) op.inNamespace(api.namespace());
    }

    /**
     * The handle of a freshly taken lock. The informers' copy may lag behind the previous holder's last writes (another
     * process, a second ago), and a reconcile reads before it writes: one LIST of the cluster's objects of each kind
     * brings the copy up to the moment the lock was taken, so nothing the previous holder wrote is read stale or lost.
     */
    private ClusterState handle(String cluster, KubeClusterLock lock) {
        try {
            for (ObjectKind kind : ObjectKind.values()) {
                KubernetesResourceList<HasMetadata> list = api.call("list", "list", kind.plural(),
                        "the state " + kind.plural() + " of cluster " + cluster,
                        () -> resources(kind).withLabel(StateObjects.MANAGED_BY_LABEL, StateObjects.MANAGED_BY)
                                .withLabel(StateObjects.CLUSTER_LABEL, cluster).list());
                List<StoredObject> objects = list.getItems().stream().map(StoredObject::of).toList();
                cache.resync(cluster, kind, objects, StoredObject.revision(list.getMetadata().getResourceVersion()));
            }
            return new KubeClusterState(this, cluster, lock);
        } catch (RuntimeException e) {
            lock.close();
            throw e;
        }
    }

    private void checkNamespace() {
        Object namespace;
        try {
            namespace = api.call("namespace_get", "get", "namespaces", "namespace " + api.namespace(),
                    () -> api.client().namespaces().withName(api.namespace()).get());
        } catch (io.nkd.state.StateIOException e) {
            // A Role limited to the namespace may not read the namespace itself: the first write will tell.
            if (e.getCause() instanceof KubernetesClientException k && k.getCode() == 403) {
                return;
            }
            throw e;
        }
        if (namespace == null) {
            throw StateSpi.failed("namespace " + api.namespace() + " does not exist on " + api.client().getMasterUrl()
                    + "; create it (kubectl create namespace " + api.namespace() + ") or choose another with"
                    + " --state kubernetes:NAMESPACE", null);
        }
    }

    private void inform(ObjectKind kind) {
        ResourceEventHandler<HasMetadata> handler = new ResourceEventHandler<>() {
            @Override
            public void onAdd(HasMetadata obj) {
                cache.offer(seen(StoredObject.of(obj)));
            }

            @Override
            public void onUpdate(HasMetadata oldObj, HasMetadata newObj) {
                cache.offer(seen(StoredObject.of(newObj)));
            }

            @Override
            public void onDelete(HasMetadata obj, boolean deletedFinalStateUnknown) {
                cache.deleted(StoredObject.of(obj));
            }
        };
        SharedIndexInformer<HasMetadata> informer = api.call("list", "list", kind.plural(),
                "the state " + kind.plural() + " (label " + StateObjects.SELECTOR + ")",
                // A page limit makes the first list a consistent read (fabric8 otherwise lists at
                // resourceVersion 0, from the API server's watch cache, which may lag behind the last write: a
                // replica starting right after another's write would serve the older copy).
                () -> resources(kind).withLabel(StateObjects.MANAGED_BY_LABEL, StateObjects.MANAGED_BY)
                        .withLimit(LIST_PAGE).inform(handler, 0));
        informers.add(informer);
        // inform() returns once the informer's own store is synced, but its events reach the handler later, from
        // another thread: load the synced store now so that the first read sees the whole namespace (offers are
        // ordered by resourceVersion, so the events arriving after are harmless).
        informer.getStore().list().forEach(o -> cache.offer(seen(StoredObject.of(o))));
    }

    /**
     * Says once per object when one carries nkd's managed-by label but no cluster it belongs to (copied by hand, or
     * another tool's): no cluster reads it, so without a word it would sit there unnoticed.
     */
    private StoredObject seen(StoredObject o) {
        if (o.cluster() == null && foreignWarned.add(o.kind() + "/" + o.name())) {
            log.warn("state object {} in namespace {} has the label {}={} but {}: no cluster reads it; delete it, or"
                    + " label it {}=CLUSTER if it is a cluster's state restored by hand", o.apiPath(api.namespace()),
                    api.namespace(), StateObjects.MANAGED_BY_LABEL, StateObjects.MANAGED_BY, o.problem(),
                    StateObjects.CLUSTER_LABEL);
        }
        return o;
    }

    private static Duration checkWait(Duration wait) {
        Objects.requireNonNull(wait, "wait");
        if (wait.isNegative()) {
            throw new IllegalArgumentException("a lock wait cannot be negative: " + wait);
        }
        return wait;
    }
}
