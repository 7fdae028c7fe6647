package io.nkd.state;

/**
 * Read and write access to one cluster's state while holding its lock ({@link StateStore#open}). Close
 * it to release the lock; a closed handle refuses every call. One handle may be shared by threads of one
 * reconcile: concurrent writes of one file leave one writer's complete version.
 */
public interface ClusterState extends ClusterView, AutoCloseable {
    /**
     * Replaces (or creates) a file atomically and durably: after a crash at any point the file holds
     * either its old or its new content. Missing directories are created.
     */
    void write(String path, byte[] content, Sensitivity sensitivity);

    /** {@link #write} of {@code value} as JSON (records supported). */
    void writeJson(String path, Object value, Sensitivity sensitivity);

    /**
     * Deletes a file, or a directory with everything in it (atomically: a crash leaves all or nothing).
     *
     * @return whether anything existed
     */
    boolean delete(String path);

    /** Releases the lock. Closing twice is harmless. */
    @Override
    void close();
}
