package io.nkd.testsupport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The {@code files/} trees of the Butane conformance cases ({@code storage.trees}) depend on symbolic links and
 * execute bits. A git checkout keeps both; a plain copy (an archive, a file share, git with
 * {@code core.symlinks=false}) may turn each link into a regular file holding the link's text and drop or widen
 * modes. This class copies a case without following links and puts back what such a copy lost, so a case sees
 * the same tree either way; and it builds whole-suite copies of both shapes, to test that it does.
 *
 * <p>What each tree should hold comes from butane's expected output ({@code expected.ign} lists every link a tree
 * produced and each file's mode) and, for the one FAIL case built from links (no output to read them from), from the
 * upstream test that defines it.
 */
public final class ConformanceTrees {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final YAMLMapper YAML = new YAMLMapper();
    private static final Set<PosixFilePermission> EXECUTABLE = PosixFilePermissions.fromString("rwxr-xr-x");
    private static final Set<PosixFilePermission> REGULAR = PosixFilePermissions.fromString("rw-r--r--");

    /**
     * Links in FAIL cases, by case, relative to {@code files/}: butane's base/v0_5 translate_test.go
     * (TestTranslateTree, "collisions") creates these with {@code dirLinks}, all pointing to "file".
     */
    private static final Map<String, Map<String, String>> LINKS_IN_FAIL_CASES = Map.of(
            "208-fail-test-tree-translate-3-1.5.0", Map.of(
                    "tree7/file", "file", "tree8/directory", "file", "tree9/link", "file",
                    "tree10/file-partial", "file", "tree11/link-partial", "file", "tree12/tree-file", "file",
                    "tree13/tree-link", "file", "tree14/tree-link", "file"));

    private ConformanceTrees() {
    }

    /**
     * What a case's {@code files/} holds besides plain regular files.
     *
     * @param links      path under files/ → link target
     * @param executable path under files/ → whether butane saw it executable (for files whose mode comes from it)
     */
    public record Shape(Map<String, String> links, Map<String, Boolean> executable) {
        public boolean isEmpty() {
            return links.isEmpty() && executable.isEmpty();
        }
    }

    /** The shape of {@code caseDir}'s files/ as butane's own test or docs built it. */
    public static Shape expected(Path caseDir) throws IOException {
        Map<String, String> links = new LinkedHashMap<>(
                LINKS_IN_FAIL_CASES.getOrDefault(caseDir.getFileName().toString(), Map.of()));
        Map<String, Boolean> executable = new LinkedHashMap<>();
        Path files = caseDir.resolve("files");
        Path expectedFile = caseDir.resolve("expected.ign");
        if (!Files.isDirectory(files) || !Files.isRegularFile(expectedFile)) {
            return new Shape(links, executable);
        }
        JsonNode input = YAML.readTree(caseDir.resolve("input.bu").toFile());
        JsonNode storage = JSON.readTree(expectedFile.toFile()).path("storage");
        Set<String> modesSetByConfig = new HashSet<>();
        input.path("storage").path("files").forEach(f -> {
            if (f.has("mode")) {
                modesSetByConfig.add(f.path("path").asText());
            }
        });
        for (JsonNode tree : input.path("storage").path("trees")) {
            String dest = tree.path("path").asText("/");
            String prefix = dest.endsWith("/") ? dest : dest + "/";
            String local = tree.path("local").asText();
            for (JsonNode link : storage.path("links")) {
                String path = link.path("path").asText();
                String rel = relative(local, prefix, path);
                if (rel != null && Files.exists(files.resolve(rel), LinkOption.NOFOLLOW_LINKS)) {
                    links.put(rel, link.path("target").asText());
                }
            }
            if (tree.has("file_mode")) {
                continue; // the tree's mode wins over the source file's
            }
            for (JsonNode file : storage.path("files")) {
                String path = file.path("path").asText();
                String rel = relative(local, prefix, path);
                if (rel != null && !modesSetByConfig.contains(path)
                        && Files.isRegularFile(files.resolve(rel), LinkOption.NOFOLLOW_LINKS)) {
                    executable.put(rel, file.path("mode").asInt() == 0755);
                }
            }
        }
        return new Shape(links, executable);
    }

    private static String relative(String local, String prefix, String path) {
        return path.startsWith(prefix) ? local + "/" + path.substring(prefix.length()) : null;
    }

    /**
     * Copies {@code from} to {@code to}: links stay links (never followed: a case may hold a dangling link or one
     * that points at itself), files keep their execute bits; everything is writable by the owner.
     */
    public static void copy(Path from, Path to) throws IOException {
        try (Stream<Path> walk = Files.walk(from)) {
            for (Path p : walk.sorted().toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isSymbolicLink(p)) {
                    Files.createSymbolicLink(target, Files.readSymbolicLink(p));
                } else if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    Files.createDirectories(target);
                    Files.setPosixFilePermissions(target, EXECUTABLE);
                } else {
                    Files.copy(p, target, StandardCopyOption.REPLACE_EXISTING, LinkOption.NOFOLLOW_LINKS);
                    Set<PosixFilePermission> mode = EnumSet.copyOf(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
                    mode.add(PosixFilePermission.OWNER_READ);
                    mode.add(PosixFilePermission.OWNER_WRITE);
                    Files.setPosixFilePermissions(target, mode);
                }
            }
        }
    }

    /**
     * Makes a copied case's files/ match {@code shape}: a regular file where a link belongs becomes that link, and
     * execute bits are set or cleared. Returns what it changed: nothing for an intact tree.
     *
     * @throws IOException also when the tree contradicts the case (a link to something else, an entry missing)
     */
    public static List<String> restore(Path caseCopy, Shape shape) throws IOException {
        Path files = caseCopy.resolve("files");
        List<String> changed = new ArrayList<>();
        for (Map.Entry<String, String> link : shape.links().entrySet()) {
            Path entry = files.resolve(link.getKey());
            if (Files.isSymbolicLink(entry)) {
                String target = Files.readSymbolicLink(entry).toString();
                if (!target.equals(link.getValue())) {
                    throw new IOException(entry + " links to " + target + " but the case expects " + link.getValue());
                }
            } else if (Files.isRegularFile(entry, LinkOption.NOFOLLOW_LINKS)) {
                Files.delete(entry);
                Files.createSymbolicLink(entry, Path.of(link.getValue()));
                changed.add("link " + link.getKey() + " -> " + link.getValue());
            } else {
                throw new IOException(entry + " is missing; the case expects a link to " + link.getValue());
            }
        }
        for (Map.Entry<String, Boolean> file : shape.executable().entrySet()) {
            Path entry = files.resolve(file.getKey());
            boolean isExecutable = Files.getPosixFilePermissions(entry, LinkOption.NOFOLLOW_LINKS)
                    .contains(PosixFilePermission.OWNER_EXECUTE);
            if (isExecutable != file.getValue()) {
                Files.setPosixFilePermissions(entry, file.getValue() ? EXECUTABLE : REGULAR);
                changed.add((file.getValue() ? "chmod +x " : "chmod -x ") + file.getKey());
            }
        }
        return changed;
    }

    /** A private, writable copy of one case at {@code into}, its files/ as butane's test built it. */
    public static Path materialize(Path caseDir, Path into) throws IOException {
        copy(caseDir, into);
        restore(into, expected(caseDir));
        return into;
    }

    /** A copy of the whole suite as a git checkout has it: every case's links and execute bits in place. */
    public static void buildIntact(Path suite, Path into) throws IOException {
        copy(suite, into);
        for (Path caseDir : SharedData.caseDirs(into, "cases")) {
            restore(caseDir, expected(caseDir));
        }
    }

    /**
     * A copy of the whole suite as a lossy copy has it: each link a regular file holding the link's text (what git
     * writes with {@code core.symlinks=false}), every file mode 0644.
     */
    public static void buildLossy(Path suite, Path into) throws IOException {
        try (Stream<Path> walk = Files.walk(suite)) {
            for (Path p : walk.sorted().toList()) {
                Path target = into.resolve(suite.relativize(p).toString());
                if (Files.isSymbolicLink(p)) {
                    Files.writeString(target, Files.readSymbolicLink(p).toString());
                    Files.setPosixFilePermissions(target, REGULAR);
                } else if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    Files.createDirectories(target);
                    Files.setPosixFilePermissions(target, EXECUTABLE);
                } else {
                    Files.copy(p, target, StandardCopyOption.REPLACE_EXISTING);
                    Files.setPosixFilePermissions(target, REGULAR);
                }
            }
        }
    }

    /** How many symbolic links and executable regular files are under {@code dir}. */
    public record Counts(int links, int executables) {
    }

    public static Counts count(Path dir) throws IOException {
        int links = 0;
        int executables = 0;
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.toList()) {
                if (Files.isSymbolicLink(p)) {
                    links++;
                } else if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)
                        && Files.getPosixFilePermissions(p).contains(PosixFilePermission.OWNER_EXECUTE)) {
                    executables++;
                }
            }
        }
        return new Counts(links, executables);
    }
}
