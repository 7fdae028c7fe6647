package io.nkd.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Which package of a Java source tree uses which, read from the sources as text: imports (static and
 * wildcard too) and fully qualified names in code. Comments and string literals are left out, so a
 * {@code {@link io.nkd.x.Y}} in a Javadoc is not a dependency. Only packages with sources in the tree count.
 *
 * <p>Plain text, not bytecode: a reference through a same-named simple type in the same package is found
 * by the compiler, not here, but every use of another package needs an import or a qualified name, which
 * is all a cycle between packages can be made of.
 */
public final class PackageGraph {
    private static final Pattern PACKAGE = Pattern.compile("^\\s*package\\s+([\\w.]+)\\s*;", Pattern.MULTILINE);
    private static final Pattern IMPORT = Pattern.compile("^\\s*import\\s+(?:static\\s+)?([\\w.]+?)(?:\\.\\*)?\\s*;", Pattern.MULTILINE);
    /** A qualified name: lower-case segments, then a type (upper-case first letter). */
    private static final Pattern QUALIFIED = Pattern.compile("(?<![\\w.])((?:[a-z_]\\w*\\.)+)[A-Z]\\w*");

    /** One use of {@code to} by a file of package {@code from}. */
    public record Edge(String from, String to, String file) {
    }

    private final SortedMap<String, SortedMap<String, SortedSet<String>>> uses = new TreeMap<>();

    private PackageGraph() {
    }

    /** Reads every {@code .java} file below {@code sourceRoot}, keeping the packages whose name starts with {@code prefix}. */
    public static PackageGraph read(Path sourceRoot, String prefix) {
        Map<Path, String> sources = new HashMap<>();
        Map<Path, String> packages = new HashMap<>();
        try (Stream<Path> files = Files.walk(sourceRoot)) {
            for (Path f : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".java"))::iterator) {
                String code = withoutCommentsAndLiterals(Files.readString(f, StandardCharsets.UTF_8));
                Matcher m = PACKAGE.matcher(code);
                if (m.find() && m.group(1).startsWith(prefix)) {
                    sources.put(f, code);
                    packages.put(f, m.group(1));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        PackageGraph g = new PackageGraph();
        Set<String> known = new TreeSet<>(packages.values());
        known.forEach(p -> g.uses.put(p, new TreeMap<>()));
        sources.forEach((file, code) -> {
            String from = packages.get(file);
            String name = sourceRoot.relativize(file).toString().replace('\\', '/');
            Matcher imports = IMPORT.matcher(code);
            while (imports.find()) {
                g.add(from, packageOf(imports.group(1), known), name);
            }
            // imports are already counted; a qualified name in code is the other way to reach a package
            Matcher qualified = QUALIFIED.matcher(IMPORT.matcher(PACKAGE.matcher(code).replaceAll("")).replaceAll(""));
            while (qualified.find()) {
                String pkg = qualified.group(1).substring(0, qualified.group(1).length() - 1);
                g.add(from, known.contains(pkg) ? pkg : null, name);
            }
        });
        return g;
    }

    /**
     * The package an imported name belongs to: the longest known package that prefixes it
     * ({@code io.nkd.a.B.Inner} and {@code io.nkd.a.B.method} both belong to {@code io.nkd.a}).
     */
    private static String packageOf(String name, Set<String> known) {
        for (String n = name; n.contains("."); n = n.substring(0, n.lastIndexOf('.'))) {
            if (known.contains(n)) {
                return n;
            }
        }
        return null;
    }

    private void add(String from, String to, String file) {
        if (to != null && !to.equals(from)) {
            uses.get(from).computeIfAbsent(to, k -> new TreeSet<>()).add(file);
        }
    }

    public SortedSet<String> packages() {
        return new TreeSet<>(uses.keySet());
    }

    /** The packages {@code from} uses directly. */
    public SortedSet<String> usedBy(String from) {
        return new TreeSet<>(uses.getOrDefault(from, new TreeMap<>()).keySet());
    }

    /**
     * The cycles: every group of two or more packages that reach each other (strongly connected
     * components), each as its sorted package names, in a stable order.
     */
    public List<SortedSet<String>> cycles() {
        List<SortedSet<String>> out = new ArrayList<>();
        new Tarjan().run(out);
        out.removeIf(c -> c.size() < 2);
        out.sort((a, b) -> a.toString().compareTo(b.toString()));
        return out;
    }

    /** The uses between the packages of one cycle, with the files that make them: what to cut. */
    public List<Edge> edgesWithin(Set<String> cycle) {
        List<Edge> out = new ArrayList<>();
        for (String from : cycle) {
            uses.getOrDefault(from, new TreeMap<>()).forEach((to, files) -> {
                if (cycle.contains(to)) {
                    files.forEach(f -> out.add(new Edge(from, to, f)));
                }
            });
        }
        return out;
    }

    /** Tarjan's algorithm, iterative state kept per node; the graph is small (tens of packages). */
    private final class Tarjan {
        private final Map<String, Integer> index = new HashMap<>();
        private final Map<String, Integer> low = new HashMap<>();
        private final Deque<String> stack = new ArrayDeque<>();
        private final Set<String> onStack = new TreeSet<>();

        void run(List<SortedSet<String>> out) {
            for (String p : uses.keySet()) {
                if (!index.containsKey(p)) {
                    visit(p, out);
                }
            }
        }

        private void visit(String v, List<SortedSet<String>> out) {
            index.put(v, index.size());
            low.put(v, index.get(v));
            stack.push(v);
            onStack.add(v);
            for (String w : usedBy(v)) {
                if (!index.containsKey(w)) {
                    visit(w, out);
                    low.put(v, Math.min(low.get(v), low.get(w)));
                } else if (onStack.contains(w)) {
                    low.put(v, Math.min(low.get(v), index.get(w)));
                }
            }
            if (low.get(v).equals(index.get(v))) {
                SortedSet<String> component = new TreeSet<>();
                String w;
                do {
                    w = stack.pop();
                    onStack.remove(w);
                    component.add(w);
                } while (!w.equals(v));
                out.add(component);
            }
        }
    }

    /**
     * The code with comments, string and character literals and text blocks replaced by spaces (line breaks
     * kept, so that a {@code package} or {@code import} still starts a line).
     */
    static String withoutCommentsAndLiterals(String src) {
        StringBuilder out = new StringBuilder(src.length());
        int i = 0;
        while (i < src.length()) {
            char c = src.charAt(i);
            if (src.startsWith("//", i)) {
                int end = src.indexOf('\n', i);
                i = end < 0 ? src.length() : end;
            } else if (src.startsWith("/*", i)) {
                int end = src.indexOf("*/", i + 2);
                int stop = end < 0 ? src.length() : end + 2;
                blank(src, i, stop, out);
                i = stop;
            } else if (src.startsWith("\"\"\"", i)) {
                int end = src.indexOf("\"\"\"", i + 3);
                while (end > 0 && src.charAt(end - 1) == '\\') {
                    end = src.indexOf("\"\"\"", end + 1);
                }
                int stop = end < 0 ? src.length() : end + 3;
                blank(src, i, stop, out);
                i = stop;
            } else if (c == '"' || c == '\'') {
                int j = i + 1;
                while (j < src.length() && src.charAt(j) != c && src.charAt(j) != '\n') {
                    j += src.charAt(j) == '\\' ? 2 : 1;
                }
                int stop = Math.min(src.length(), j + 1);
                blank(src, i, stop, out);
                i = stop;
            } else {
                out.append(c);
                i++;
            }
        }
        return out.toString();
    }

    private static void blank(String src, int from, int to, StringBuilder out) {
        for (int k = from; k < to; k++) {
            out.append(src.charAt(k) == '\n' ? '\n' : ' ');
        }
    }
}
