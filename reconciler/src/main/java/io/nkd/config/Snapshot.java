package io.nkd.config;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The files of one revision of the config repository, in memory. Everything downstream (config, render,
 * plan) is a pure function of a snapshot, secrets and observed state.
 *
 * @param revision the full commit id, or a label such as "working tree" for a plain directory
 * @param files    repository-relative paths with '/' separators → contents
 */
public record Snapshot(String revision, SortedMap<String, byte[]> files, SortedMap<String, Long> tooLarge) {
    /**
     * Files larger than this are not read: no config file is that large, and a stray binary must not fill
     * memory. They are kept by name and size ({@link #tooLarge()}) so that the loader can name them.
     */
    public static final long MAX_FILE_BYTES = 8L * 1024 * 1024;

    public Snapshot {
        files = Collections.unmodifiableSortedMap(new TreeMap<>(files));
        tooLarge = Collections.unmodifiableSortedMap(new TreeMap<>(tooLarge));
    }

    public Snapshot(String revision, SortedMap<String, byte[]> files) {
        this(revision, files, new TreeMap<>());
    }

    public Optional<String> text(String path) {
        byte[] b = files.get(path);
        return b == null ? Optional.empty() : Optional.of(new String(b, StandardCharsets.UTF_8));
    }

    public boolean exists(String path) {
        return files.containsKey(path) || tooLarge.containsKey(path) || !under(path).isEmpty();
    }

    /** The files below a directory (recursively) that were too large to read, with their sizes. */
    public SortedMap<String, Long> tooLargeUnder(String dir) {
        String prefix = dir.endsWith("/") ? dir : dir + "/";
        return tooLarge.subMap(prefix, prefix + Character.MAX_VALUE);
    }

    /** Files below a directory (recursively), in path order. */
    public List<String> under(String dir) {
        String prefix = dir.endsWith("/") ? dir : dir + "/";
        return new ArrayList<>(files.subMap(prefix, prefix + Character.MAX_VALUE).keySet());
    }

    /** Names of the immediate subdirectories of a directory, sorted (a directory holding only too-large files counts). */
    public List<String> subdirectories(String dir) {
        String prefix = dir.endsWith("/") ? dir : dir + "/";
        TreeMap<String, Boolean> names = new TreeMap<>();
        List<String> paths = new ArrayList<>(under(dir));
        paths.addAll(tooLarge.subMap(prefix, prefix + Character.MAX_VALUE).keySet());
        for (String p : paths) {
            String rest = p.substring(prefix.length());
            int slash = rest.indexOf('/');
            if (slash > 0) {
                names.put(rest.substring(0, slash), true);
            }
        }
        return new ArrayList<>(names.keySet());
    }

    /** Files directly in a directory (not below subdirectories), sorted. */
    public List<String> filesIn(String dir) {
        String prefix = dir.endsWith("/") ? dir : dir + "/";
        return under(dir).stream().filter(p -> p.indexOf('/', prefix.length()) < 0).toList();
    }

    /**
     * A revision as people read it in status, logs and plans: a full commit id (40 hex digits, or 64 for a
     * SHA-256 repository) shortened to its first 12, which stays unique in any repository of a realistic size
     * (git itself prints at least 7); a label such as "working tree" as it is; none as "-".
     */
    public static String shortId(String revision) {
        if (revision == null) {
            return "-";
        }
        boolean commitId = (revision.length() == 40 || revision.length() == 64) && revision.chars().allMatch(c ->
                (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
        return commitId ? revision.substring(0, 12) : revision;
    }
}
