package io.nkd.state;

import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The naming rules of the store. Validation is lexical and strict (an allow-list of characters), so no
 * name can leave the state directory whatever the file system does with it: no '/', no '..', no
 * absolute paths, no backslashes, no control characters.
 */
final class StateNames {
    /** DNS-1123 label, as Kubernetes names clusters' objects: the name also works as a label value. */
    private static final Pattern CLUSTER = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    static final int MAX_CLUSTER = 63;
    /**
     * Letters, digits, '.', '_', '-' (the characters of a Kubernetes Secret key), not starting with '.':
     * dot names are the store's own (.lock and temporary files), so they cannot collide with state.
     */
    private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]*");
    /** Leaves room under NAME_MAX (255) for the temporary-file decoration of {@link AtomicFiles}. */
    static final int MAX_SEGMENT = 200;
    static final int MAX_PATH = 1024;

    private StateNames() {
    }

    static String cluster(String name) {
        Objects.requireNonNull(name, "cluster name");
        if (CLUSTER.matcher(name).matches() && name.length() <= MAX_CLUSTER) {
            return name;
        }
        String why;
        if (name.isEmpty()) {
            why = "it is empty";
        } else if (name.contains("/") || name.contains("\\") || name.contains("..") || name.startsWith(".")) {
            why = "a cluster name is a single name, not a path, and may not leave the state directory";
        } else if (name.length() > MAX_CLUSTER) {
            why = "it is " + name.length() + " characters long";
        } else if (!name.equals(name.toLowerCase(java.util.Locale.ROOT))) {
            why = "it has uppercase letters";
        } else if (name.startsWith("-") || name.endsWith("-")) {
            why = "it starts or ends with '-'";
        } else {
            why = "it has characters other than lowercase letters, digits and '-'";
        }
        throw new InvalidStatePathException("cluster name " + quote(name) + " is not valid: " + why
                + "; use a DNS-1123 label: lowercase letters, digits and '-', starting and ending with a"
                + " letter or digit, at most " + MAX_CLUSTER + " characters");
    }

    /**
     * The segments of a relative path inside a cluster. {@code ""} (the cluster's top directory) only
     * when {@code allowTop}.
     */
    static List<String> path(String path, boolean allowTop) {
        Objects.requireNonNull(path, "path");
        if (path.isEmpty()) {
            if (allowTop) {
                return List.of();
            }
            throw invalidPath(path, "it is empty; name a file, e.g. \"pki/ca.crt\"");
        }
        if (path.length() > MAX_PATH) {
            throw invalidPath(path, "it is longer than " + MAX_PATH + " characters");
        }
        if (path.startsWith("/") || path.startsWith("\\")) {
            throw invalidPath(path, "it is absolute; paths are relative to the cluster's directory");
        }
        List<String> segments = List.of(path.split("/", -1));
        for (String s : segments) {
            if (s.equals("..")) {
                throw invalidPath(path, "'..' would leave the cluster's directory");
            }
            if (s.isEmpty()) {
                throw invalidPath(path, "it has an empty segment (a leading, trailing or doubled '/')");
            }
            if (s.equals(".")) {
                throw invalidPath(path, "it has a '.' segment; write the path without it");
            }
            if (s.startsWith(".")) {
                throw invalidPath(path, "names starting with '.' are reserved for the store's lock and"
                        + " temporary files");
            }
            if (s.length() > MAX_SEGMENT) {
                throw invalidPath(path, "a segment is longer than " + MAX_SEGMENT + " characters");
            }
            if (!SEGMENT.matcher(s).matches()) {
                throw invalidPath(path, "segments may contain only letters, digits, '.', '_' and '-'");
            }
        }
        return segments;
    }

    /** Whether a directory entry is one a caller could have written (so list() may show it). */
    static boolean isStateName(String name) {
        return name.length() <= MAX_SEGMENT && SEGMENT.matcher(name).matches();
    }

    static boolean isClusterName(String name) {
        return name.length() <= MAX_CLUSTER && CLUSTER.matcher(name).matches();
    }

    private static InvalidStatePathException invalidPath(String path, String why) {
        return new InvalidStatePathException("state path " + quote(path) + " is not valid: " + why);
    }

    /**
     * A name in double quotes for a message: control and non-ASCII characters escaped (no log
     * injection), long names shortened.
     */
    static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        int limit = Math.min(s.length(), 80);
        for (int i = 0; i < limit; i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                b.append('\\').append(c);
            } else if (c < 0x20 || c > 0x7e) {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        if (s.length() > limit) {
            b.append("...");
        }
        return b.append('"').toString();
    }
}
