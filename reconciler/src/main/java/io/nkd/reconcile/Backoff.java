package io.nkd.reconcile;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Retry delays after failed reconciles, per cluster: {@link #MIN} after the first failure, doubling up to
 * {@link #MAX}, back to the start after a success. Kept in memory: a restarted nkd tries every cluster at once.
 */
final class Backoff {
    static final Duration MIN = Duration.ofSeconds(10);
    static final Duration MAX = Duration.ofMinutes(5);

    /** A failure's place in its run: the how-manieth in a row, and the delay before the next try. */
    record Next(int attempt, Duration delay) {
    }

    private final ConcurrentHashMap<String, Integer> failures = new ConcurrentHashMap<>();
    private volatile Duration min = MIN;
    private volatile Duration max = MAX;

    /** Shorter delays, for tests. */
    void limits(Duration min, Duration max) {
        this.min = min;
        this.max = max;
    }

    /** Counts a failure of {@code cluster} and returns when to try again. */
    Next failed(String cluster) {
        int attempt = failures.merge(cluster, 1, Integer::sum);
        Duration delay = min;
        for (int i = 1; i < attempt && delay.compareTo(max) < 0; i++) {
            delay = delay.multipliedBy(2);
        }
        return new Next(attempt, delay.compareTo(max) > 0 ? max : delay);
    }

    void succeeded(String cluster) {
        failures.remove(cluster);
    }
}
