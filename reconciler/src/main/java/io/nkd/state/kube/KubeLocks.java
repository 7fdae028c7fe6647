package io.nkd.state.kube;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.nkd.state.LockHolder;
import io.nkd.state.StateLockedException;
import io.nkd.state.StateSpi;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Cluster locks as {@code coordination.k8s.io/v1} Leases named {@code nkd-lock-<cluster>}. */
final class KubeLocks {
    private static final Logger log = LoggerFactory.getLogger(KubeLocks.class);
    /** How often a waiting lock attempt looks again. */
    private static final long POLL_MILLIS = 250;

    private final KubeApi api;
    private final KubernetesStateStore.Options options;
    private final ScheduledExecutorService scheduler;
    private final String processIdentity;
    /** The highest lock term among a cluster's objects: a new term must exceed it (see {@link #nextTerm}). */
    private final java.util.function.ToLongFunction<String> highestTerm;
    private final Set<KubeClusterLock> held = ConcurrentHashMap.newKeySet();

    KubeLocks(KubeApi api, KubernetesStateStore.Options options, ScheduledExecutorService scheduler,
              java.util.function.ToLongFunction<String> highestTerm) {
        this.highestTerm = highestTerm;
        this.api = api;
        this.options = options;
        this.scheduler = scheduler;
        this.processIdentity = ProcessHandle.current().pid() + "@" + host();
    }

    KubernetesStateStore.Options options() {
        return options;
    }

    Clock clock() {
        return options.clock();
    }

    KubeClusterLock lock(String cluster, Duration wait) throws InterruptedException {
        long deadline = System.nanoTime() + wait.toNanos();
        while (true) {
            try {
                return tryLock(cluster, wait);
            } catch (StateLockedException e) {
                if (System.nanoTime() - deadline >= 0) {
                    throw e;
                }
            }
            long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            Thread.sleep(Math.max(1, Math.min(POLL_MILLIS, left)));
        }
    }

    KubeClusterLock tryLock(String cluster, Duration waited) {
        String name = StateObjects.leaseName(cluster);
        // Each handle has an identity of its own: two handles in one process exclude each other like two processes.
        String identity = processIdentity + "/" + UUID.randomUUID().toString().substring(0, 8);
        long started = System.nanoTime();
        Instant now = clock().instant();
        ZonedDateTime at = now.atZone(ZoneOffset.UTC);
        Lease current = get(cluster, "lease_get");
        Lease mine;
        try {
            if (current == null) {
                Lease fresh = new LeaseBuilder().withNewMetadata().withName(name).withNamespace(api.namespace())
                        .withLabels(StateObjects.labels(cluster)).endMetadata()
                        .withNewSpec().withHolderIdentity(identity).withAcquireTime(at).withRenewTime(at)
                        .withLeaseDurationSeconds(leaseSeconds()).withLeaseTransitions(nextTerm(cluster, -1)).endSpec().build();
                mine = api.call("lease_create", "create", "leases.coordination.k8s.io", "Lease " + name,
                        () -> api.client().leases().inNamespace(api.namespace()).resource(fresh).create());
            } else {
                if (heldByOther(current, now)) {
                    throw locked(cluster, current, waited);
                }
                Integer t = current.getSpec().getLeaseTransitions();
                String previous = current.getSpec().getHolderIdentity();
                Lease taking = new LeaseBuilder(current).editSpec().withHolderIdentity(identity).withAcquireTime(at)
                        .withRenewTime(at).withLeaseDurationSeconds(leaseSeconds())
                        .withLeaseTransitions(nextTerm(cluster, t == null ? -1 : t)).endSpec().build();
                mine = update(taking, "lease_acquire");
                if (previous != null && !previous.isEmpty()) {
                    log.info("cluster={} took over the expired state lock of {} (Lease {})", cluster,
                            describe(previous), name);
                }
            }
        } catch (KubernetesClientException conflict) {
            // 409: another process created or took the Lease between our read and our write; it holds it now.
            Lease winner = get(cluster, "lease_get");
            throw winner == null ? locked(cluster, null, waited) : locked(cluster, winner, waited);
        }
        LockHolder holder = new LockHolder(ProcessHandle.current().pid(), host(), now);
        KubeClusterLock lock = new KubeClusterLock(this, cluster, identity, holder, mine, started);
        long every = options.renewInterval().toMillis();
        lock.startRenewing(scheduler.scheduleWithFixedDelay(lock::renew, every, every, TimeUnit.MILLISECONDS));
        held.add(lock);
        return lock;
    }

    void release(KubeClusterLock lock, Lease last, boolean lost) {
        held.remove(lock);
        if (lost) {
            return;
        }
        try {
            Lease released = new LeaseBuilder(last).editSpec().withHolderIdentity(null).endSpec().build();
            update(released, "lease_release");
        } catch (KubernetesClientException conflict) {
            Lease fresh = get(lock.cluster(), "lease_get");
            if (fresh != null && lock.identity().equals(fresh.getSpec().getHolderIdentity())) {
                try {
                    update(new LeaseBuilder(fresh).editSpec().withHolderIdentity(null).endSpec().build(), "lease_release");
                } catch (RuntimeException e) {
                    log.warn("cluster={} could not release its state lock (Lease {}): {}; it expires by itself in {} s",
                            lock.cluster(), StateObjects.leaseName(lock.cluster()), e.getMessage(), leaseSeconds());
                }
            }
        } catch (RuntimeException e) {
            log.warn("cluster={} could not release its state lock (Lease {}): {}; it expires by itself in {} s",
                    lock.cluster(), StateObjects.leaseName(lock.cluster()), e.getMessage(), leaseSeconds());
        }
    }

    /** Closes every lock this store still holds (the store is closing). */
    void releaseAll() {
        for (KubeClusterLock lock : Set.copyOf(held)) {
            lock.close();
        }
    }

    Lease get(String cluster, String operation) {
        String name = StateObjects.leaseName(cluster);
        return api.call(operation, "get", "leases.coordination.k8s.io", "Lease " + name,
                () -> api.client().leases().inNamespace(api.namespace()).withName(name).get());
    }

    /** An update that carries the Lease's resourceVersion: a 409 (someone changed it since) is thrown. */
    Lease update(Lease lease, String operation) {
        return api.call(operation, "update", "leases.coordination.k8s.io", "Lease " + lease.getMetadata().getName(),
                () -> api.client().leases().inNamespace(api.namespace()).resource(lease).update());
    }

    /**
     * The term of a new holder: one more than the Lease's, and more than any term written on the cluster's objects, so
     * that terms keep growing even if the Lease was deleted (its count restarts) or the state was migrated here.
     */
    private int nextTerm(String cluster, long leaseTransitions) {
        return (int) Math.max(leaseTransitions, highestTerm.applyAsLong(cluster)) + 1;
    }

    private int leaseSeconds() {
        return (int) Math.max(1, options.leaseDuration().toSeconds());
    }

    /**
     * Held by someone (maybe another handle here) whose last renewal is younger than the lease's duration. Younger by
     * the renewTime it wrote, and also by what this process saw: a Lease whose resourceVersion has not changed for its
     * duration on this process's monotonic clock is expired whatever renewTime it claims (Kubernetes measures
     * leaseDurationSeconds "against the time of last observed renewTime"). Without this, a dead holder whose clock
     * was ahead blocked the cluster for as long as its clock was wrong.
     */
    private boolean heldByOther(Lease lease, Instant now) {
        var spec = lease.getSpec();
        if (spec.getHolderIdentity() == null || spec.getHolderIdentity().isEmpty()) {
            return false;
        }
        ZonedDateTime renewed = spec.getRenewTime() != null ? spec.getRenewTime() : spec.getAcquireTime();
        int seconds = spec.getLeaseDurationSeconds() == null ? leaseSeconds() : spec.getLeaseDurationSeconds();
        if (renewed != null && !renewed.toInstant().plusSeconds(seconds).isAfter(now)) {
            return false;
        }
        String version = lease.getMetadata().getResourceVersion();
        long seen = System.nanoTime();
        Observed o = observed.compute(lease.getMetadata().getName(),
                (k, prev) -> prev != null && java.util.Objects.equals(prev.resourceVersion(), version) ? prev : new Observed(version, seen));
        return seen - o.since() < TimeUnit.SECONDS.toNanos(seconds);
    }

    /** When this process first saw a Lease at this resourceVersion (System.nanoTime). */
    private record Observed(String resourceVersion, long since) {
    }

    private final java.util.Map<String, Observed> observed = new java.util.concurrent.ConcurrentHashMap<>();

    private StateLockedException locked(String cluster, Lease lease, Duration waited) {
        String name = StateObjects.leaseName(cluster);
        String waitedText = waited.isZero() ? "" : " (waited " + waited.toMillis() + " ms)";
        if (lease == null) {
            return StateSpi.locked(cluster, null, "cluster " + cluster + " is locked by another nkd (Lease " + name
                    + " in namespace " + api.namespace() + " changed while nkd tried to take it); try again" + waitedText);
        }
        var spec = lease.getSpec();
        String identity = spec.getHolderIdentity();
        Instant since = spec.getAcquireTime() != null ? spec.getAcquireTime().toInstant() : clock().instant();
        LockHolder holder = parse(identity, since);
        int seconds = spec.getLeaseDurationSeconds() == null ? leaseSeconds() : spec.getLeaseDurationSeconds();
        if (identity != null && identity.startsWith(processIdentity + "/")) {
            return StateSpi.locked(cluster, holder, "cluster " + cluster + " is already locked in this process (since "
                    + since + ", Lease " + name + "); close that ClusterState or ClusterLock first: cluster locks are"
                    + " not reentrant" + waitedText);
        }
        return StateSpi.locked(cluster, holder, "cluster " + cluster + " is locked by " + describe(identity) + " since "
                + since + " (Lease " + name + " in namespace " + api.namespace() + ", renewed every few seconds while"
                + " held); wait for it to finish, or if that nkd is gone, its lock expires " + seconds
                + " s after its last renewal" + waitedText);
    }

    /** "nkd pid 42 on host h" from "42@h/abcd1234"; the raw identity if it is not nkd's format. */
    private static String describe(String identity) {
        LockHolder h = parse(identity, Instant.EPOCH);
        return h == null ? "holder " + StateSpi.quote(String.valueOf(identity)) : "nkd pid " + h.pid() + " on host " + h.host();
    }

    private static LockHolder parse(String identity, Instant since) {
        if (identity == null) {
            return null;
        }
        int at = identity.indexOf('@');
        int slash = identity.lastIndexOf('/');
        if (at <= 0 || slash < at) {
            return null;
        }
        try {
            return new LockHolder(Long.parseLong(identity.substring(0, at)), identity.substring(at + 1, slash), since);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static String host() {
        String h = System.getenv("HOSTNAME");
        if (h != null && !h.isBlank()) {
            return h;
        }
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            return "unknown-host";
        }
    }
}
