package io.nkd.housekeeper.agent.time;

import java.time.Duration;

/** Waits. Injected with a {@link java.time.Clock} so that tests of timeouts and backoff do not wait for real. */
@FunctionalInterface
public interface Sleeper {
    void sleep(Duration duration) throws InterruptedException;

    static Sleeper real() {
        return d -> {
            if (!d.isNegative() && !d.isZero()) {
                Thread.sleep(d.toMillis());
            }
        };
    }
}
