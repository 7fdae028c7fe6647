package io.nkd.reconcile;

import java.util.Locale;

/**
 * How one reconcile ended. Its {@link #label()} is the {@code result} tag of the reconcile metrics, the
 * {@code result=} of the log line and the first word of the git note, so it must not change spelling.
 */
public enum ReconcileResult {
    /** Every step ran; the cluster is at the desired commit (it may still be provisioning). */
    SUCCESS,
    /** The cluster is paused: nothing was changed. */
    PAUSED,
    /** A step failed in a way that retrying cannot fix; the next commit is awaited. */
    STALLED,
    /** A step failed transiently: retried with backoff. */
    RETRY,
    /** The reconcile could not finish (an exception outside the steps). */
    ERROR;

    /** Whether the controller retries this reconcile with backoff (rather than waiting for a commit or poll). */
    public boolean retries() {
        return this == RETRY;
    }

    /** The lower-case name used in metrics, logs and git notes. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
