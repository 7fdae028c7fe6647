package io.nkd.server.http;

import java.time.Duration;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Counts requests in progress so that shutdown can wait for them: it returns as soon as the last one is
 * answered, not after the whole grace period. Waiting uses the condition's timed wait, not a clock.
 */
final class InFlight {
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition idle = lock.newCondition();
    private int count;

    void enter() {
        lock.lock();
        try {
            count++;
        } finally {
            lock.unlock();
        }
    }

    void exit() {
        lock.lock();
        try {
            if (--count == 0) {
                idle.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    /** Waits until no request is in progress or {@code grace} has passed; returns whether idle. */
    boolean awaitIdle(Duration grace) throws InterruptedException {
        lock.lock();
        try {
            long nanos = grace.toNanos();
            while (count > 0 && nanos > 0) {
                nanos = idle.awaitNanos(nanos);
            }
            return count == 0;
        } finally {
            lock.unlock();
        }
    }
}
