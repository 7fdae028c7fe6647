package io.nkd.state.kube;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.nkd.state.ClusterLock;
import io.nkd.state.LockHolder;
import java.time.ZoneOffset;
import java.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A held cluster lock: this handle's identity in the cluster's Lease, renewed in the background. Valid only while the
 * last successful renewal is younger than the renew deadline, which is shorter than the lease's duration, so the holder
 * stops writing before another process may consider the lease expired.
 */
final class KubeClusterLock implements ClusterLock {
    private static final Logger log = LoggerFactory.getLogger(KubeClusterLock.class);

    private final KubeLocks locks;
    private final String cluster;
    private final String identity;
    private final LockHolder holder;
    private final long term;
    private volatile Lease lease;
    private volatile long validUntilNanos;
    private volatile boolean closed;
    private volatile boolean lost;
    private volatile ScheduledFuture<?> renewal;

    KubeClusterLock(KubeLocks locks, String cluster, String identity, LockHolder holder, Lease lease, long renewedAtNanos) {
        this.locks = locks;
        this.cluster = cluster;
        this.identity = identity;
        this.holder = holder;
        this.lease = lease;
        Integer transitions = lease.getSpec().getLeaseTransitions();
        this.term = transitions == null ? 0 : transitions;
        this.validUntilNanos = renewedAtNanos + locks.options().renewDeadline().toNanos();
    }

    void startRenewing(ScheduledFuture<?> renewal) {
        this.renewal = renewal;
    }

    @Override
    public String cluster() {
        return cluster;
    }

    @Override
    public LockHolder holder() {
        return holder;
    }

    /** The Lease's holderIdentity while this handle holds it. */
    String identity() {
        return identity;
    }

    /** The lock term: the Lease's leaseTransitions when this handle took it; grows with every new holder. */
    long term() {
        return term;
    }

    @Override
    public boolean isValid() {
        return !closed && !lost && System.nanoTime() - validUntilNanos < 0;
    }

    /** Whether {@link #close} was called (as opposed to the lock being lost). */
    boolean isClosed() {
        return closed;
    }

    /** One renewal; called by the store's scheduler. */
    void renew() {
        if (closed || lost) {
            return;
        }
        long started = System.nanoTime();
        Lease current = lease;
        Lease next = new LeaseBuilder(current).editSpec()
                .withRenewTime(locks.clock().instant().atZone(ZoneOffset.UTC)).endSpec().build();
        try {
            lease = locks.update(next, "lease_renew");
            validUntilNanos = started + locks.options().renewDeadline().toNanos();
        } catch (KubernetesClientException conflict) {
            // 409: someone changed the Lease. Still ours (an operator's label, say)? Renew on top of theirs; else lost.
            Lease fresh = locks.get(cluster, "lease_renew");
            if (fresh != null && identity.equals(fresh.getSpec().getHolderIdentity())) {
                lease = fresh;
                renew();
            } else {
                lost = true;
                log.warn("cluster={} lost its state lock: Lease {} is now held by {}; this process stops writing the"
                        + " cluster's state", cluster, StateObjects.leaseName(cluster),
                        fresh == null ? "nobody (deleted)" : fresh.getSpec().getHolderIdentity());
            }
        } catch (RuntimeException e) {
            // Transient (the API server unreachable): the next tick retries; isValid() lapses at the renew deadline.
            log.warn("cluster={} cannot renew its state lock (Lease {}): {}; it stays valid for {} ms more", cluster,
                    StateObjects.leaseName(cluster), e.getMessage(),
                    Math.max(0, (validUntilNanos - System.nanoTime()) / 1_000_000));
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        ScheduledFuture<?> r = renewal;
        if (r != null) {
            r.cancel(false);
        }
        locks.release(this, lease, lost);
    }

    @Override
    public String toString() {
        return "lock of cluster " + cluster + " (" + identity + ", term " + term + ")";
    }
}
