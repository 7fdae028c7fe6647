package io.nkd.ha;

import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * The rule that keeps two replicas from acting at once: a leader counts as one only until its last successful
 * renewal plus the renew deadline, measured on this process's monotonic clock ({@link System#nanoTime()}), whatever
 * the elector's callbacks say and however long a request to the API server hangs.
 *
 * <p>Why this is safe: another replica may take the lease only once the lease's renewTime plus the lease duration has
 * passed on its own clock. A renewal is counted from the moment before its request was sent, so the Lease's renewTime
 * is at or after that moment; the renew deadline is shorter than the lease duration, so this process stops acting
 * {@code leaseDuration - renewDeadline} before anyone else may start (5 s with the defaults), which absorbs clock
 * skew between replicas and the time of one call in flight. Wall-clock jumps on this host do not matter.
 *
 * <p>Thread-safe.
 */
public final class RenewDeadline {
    private static final long NEVER = Long.MIN_VALUE;
    private final long deadlineNanos;
    private final LongSupplier nanoTime;
    private volatile long lastRenewStart = NEVER;

    /** @param nanoTime a monotonic clock in nanoseconds ({@code System::nanoTime}; tests pass their own) */
    public RenewDeadline(Duration renewDeadline, LongSupplier nanoTime) {
        if (renewDeadline.isNegative() || renewDeadline.isZero()) {
            throw new IllegalArgumentException("the renew deadline must be positive, not " + renewDeadline);
        }
        this.deadlineNanos = renewDeadline.toNanos();
        this.nanoTime = nanoTime;
    }

    /** The clock's reading now: take it before sending a renewal, and pass it to {@link #renewed} if it succeeds. */
    public long start() {
        return nanoTime.getAsLong();
    }

    /** A renewal (or the acquisition) whose request was sent at {@code startNanos} succeeded. */
    public synchronized void renewed(long startNanos) {
        if (lastRenewStart == NEVER || startNanos - lastRenewStart > 0) {
            lastRenewStart = startNanos;
        }
    }

    /** The lease was released, lost or given up: no longer leading until the next successful acquisition. */
    public synchronized void cleared() {
        lastRenewStart = NEVER;
    }

    /** Whether a successful renewal happened within the renew deadline. */
    public boolean valid() {
        long last = lastRenewStart;
        return last != NEVER && nanoTime.getAsLong() - last <= deadlineNanos;
    }

    /** Time left before the deadline (zero when not valid). */
    public Duration remaining() {
        long last = lastRenewStart;
        if (last == NEVER) {
            return Duration.ZERO;
        }
        long left = deadlineNanos - (nanoTime.getAsLong() - last);
        return left <= 0 ? Duration.ZERO : Duration.ofNanos(left);
    }
}
