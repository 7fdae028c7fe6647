package io.nkd.reconcile;

import java.time.Duration;

/**
 * Why a reconcile stopped early. Closed set: {@link Stalled} needs the user (a bad commit, a refused change),
 * {@link Waiting} will resolve by itself (retry after a delay), {@link Transient} is an error worth retrying
 * with backoff (a provider hiccup).
 */
public abstract sealed class ReconcileException extends Exception
        permits ReconcileException.Stalled, ReconcileException.Waiting, ReconcileException.Transient {
    private final String reason;

    ReconcileException(String reason, String message, Throwable cause) {
        super(message, cause, false, false);
        this.reason = reason;
    }

    public String reason() {
        return reason;
    }

    public static final class Stalled extends ReconcileException {
        public Stalled(String reason, String message) {
            super(reason, message, null);
        }
    }

    public static final class Waiting extends ReconcileException {
        private final Duration retryAfter;

        public Waiting(String reason, String message, Duration retryAfter) {
            super(reason, message, null);
            this.retryAfter = retryAfter;
        }

        public Duration retryAfter() {
            return retryAfter;
        }
    }

    public static final class Transient extends ReconcileException {
        public Transient(String reason, String message, Throwable cause) {
            super(reason, message, cause);
        }
    }
}
