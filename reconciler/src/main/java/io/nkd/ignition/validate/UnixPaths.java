package io.nkd.ignition.validate;

/**
 * Go's {@code path} package semantics (slash-separated paths, no file system access), which Ignition
 * uses to decide whether a path is absolute and "fully simplified". Java's {@code java.nio} paths
 * differ in small ways (for instance on {@code ..} at the root), so the Go algorithm is reproduced.
 */
final class UnixPaths {
    private UnixPaths() {
    }

    static boolean isAbs(String path) {
        return path.startsWith("/");
    }

    /** Go's {@code path.Clean}: the shortest equivalent path by purely lexical processing. */
    static String clean(String path) {
        if (path.isEmpty()) {
            return ".";
        }
        boolean rooted = path.charAt(0) == '/';
        int n = path.length();
        StringBuilder out = new StringBuilder(n);
        int r = 0;
        int dotdot = 0;
        if (rooted) {
            out.append('/');
            r = 1;
            dotdot = 1;
        }
        while (r < n) {
            char c = path.charAt(r);
            if (c == '/') {
                r++;
            } else if (c == '.' && (r + 1 == n || path.charAt(r + 1) == '/')) {
                r++;
            } else if (c == '.' && path.charAt(r + 1) == '.' && (r + 2 == n || path.charAt(r + 2) == '/')) {
                r += 2;
                if (out.length() > dotdot) {
                    int w = out.length() - 1;
                    while (w > dotdot && out.charAt(w) != '/') {
                        w--;
                    }
                    out.setLength(w);
                } else if (!rooted) {
                    if (out.length() > 0) {
                        out.append('/');
                    }
                    out.append("..");
                    dotdot = out.length();
                }
            } else {
                if ((rooted && out.length() != 1) || (!rooted && out.length() != 0)) {
                    out.append('/');
                }
                while (r < n && path.charAt(r) != '/') {
                    out.append(path.charAt(r));
                    r++;
                }
            }
        }
        return out.length() == 0 ? "." : out.toString();
    }

    /** Go's {@code path.Join}: non-empty elements joined by slashes, then cleaned; "" if all are empty. */
    static String join(String... elements) {
        StringBuilder sb = new StringBuilder();
        for (String e : elements) {
            if (!e.isEmpty()) {
                if (sb.length() > 0) {
                    sb.append('/');
                }
                sb.append(e);
            }
        }
        return sb.length() == 0 ? "" : clean(sb.toString());
    }

    /** Go's {@code path.Ext}: the suffix from the final dot of the last element, or "". */
    static String ext(String path) {
        for (int i = path.length() - 1; i >= 0 && path.charAt(i) != '/'; i--) {
            if (path.charAt(i) == '.') {
                return path.substring(i);
            }
        }
        return "";
    }
}
