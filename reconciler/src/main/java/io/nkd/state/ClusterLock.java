package io.nkd.state;

/**
 * Exclusive ownership of one cluster's state, across processes and within this one. Not reentrant: a
 * second attempt on the same cluster fails (or waits) even from the same thread. Closing releases it;
 * closing twice is harmless.
 */
public interface ClusterLock extends AutoCloseable {
    /** The locked cluster's name. */
    String cluster();

    /** This process's entry in the lock file. */
    LockHolder holder();

    /** False once closed, or if the operating system no longer holds the lock. */
    boolean isValid();

    @Override
    void close();
}
