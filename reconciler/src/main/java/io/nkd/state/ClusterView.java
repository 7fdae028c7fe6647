package io.nkd.state;

import java.util.List;
import java.util.Optional;

/**
 * Read access to one cluster's state. Reads need no lock: every file is replaced atomically, so a
 * reader sees either the old or the new version of a file, never a mix. Two reads of different files
 * are not a consistent snapshot, though; a reader that needs one takes the lock.
 *
 * <p>Paths are relative, '/'-separated, made of segments of letters, digits, '.', '_' and '-' that do not
 * start with '.' (those names belong to the store: lock and temporary files). The characters are those a
 * Kubernetes Secret or ConfigMap key allows, so a Kubernetes-backed store can keep the same paths.
 */
public interface ClusterView {
    /** The cluster's name. */
    String cluster();

    /** Where this cluster's state lives (a directory, for the local store): tells apart one name in two stores. */
    default String location() {
        return cluster();
    }

    /**
     * An identity of the file's current version: equal for two calls only if the file was not written in between
     * (every write replaces a file), or empty when the store cannot tell or the file does not exist. Lets a reader
     * on a hot path keep what it parsed until the file changes; readers must then read again.
     */
    default Optional<Object> version(String path) {
        return Optional.empty();
    }

    /**
     * How the file was last written: {@link Sensitivity#SECRET} or {@link Sensitivity#PUBLIC}; empty if it does not
     * exist, or if the store cannot tell. Lets a copy between stores ({@code nkd state migrate}) keep secrets secret.
     */
    default Optional<Sensitivity> sensitivity(String path) {
        return Optional.empty();
    }

    /** The file's bytes, or empty if it does not exist. */
    Optional<byte[]> read(String path);

    /**
     * The file parsed as JSON into {@code type} (records supported), or empty if it does not exist.
     * Equivalent to {@code readJson(path, type, Recovery.UNSPECIFIED)}.
     *
     * @throws CorruptStateException if the file is empty, not JSON, or not the shape of {@code type}
     */
    default <T> Optional<T> readJson(String path, Class<T> type) {
        return readJson(path, type, Recovery.UNSPECIFIED);
    }

    /**
     * As {@link #readJson(String, Class)}, with the advice a {@link CorruptStateException} gives: the
     * caller knows whether nkd can recreate this file.
     */
    <T> Optional<T> readJson(String path, Class<T> type, Recovery recovery);

    /**
     * The names in a directory, sorted; subdirectories end with '/'. Empty if the directory does not
     * exist. {@code ""} is the cluster's top directory. The store's own files are not listed.
     */
    List<String> list(String dir);

    /** Whether a file or directory exists at {@code path} ({@code ""}: whether the cluster has state). */
    boolean exists(String path);
}
