package io.nkd.butane;

import static io.nkd.butane.JsonTrees.JSON;
import static io.nkd.butane.JsonTrees.arrAt;
import static io.nkd.butane.JsonTrees.obj;
import static io.nkd.butane.JsonTrees.objAt;
import static io.nkd.butane.JsonTrees.objects;
import static io.nkd.butane.JsonTrees.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nkd.butane.Butane.Translation;
import io.nkd.butane.LocalFiles.LocalFileException;
import io.nkd.report.FieldPath;
import io.nkd.report.Severity;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * {@code storage.trees}: every regular file below a local directory becomes a file entry, every symlink a
 * link entry, in lexical walk order; an existing entry of the same path without contents is filled in.
 */
final class Trees {
    private static final Set<PosixFilePermission> EXECUTE = Set.of(PosixFilePermission.OWNER_EXECUTE,
            PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.OTHERS_EXECUTE);

    private Trees() {
    }

    static void apply(Translation t) {
        ObjectNode storage = obj(t.config, "storage");
        JsonNode trees = storage == null ? null : storage.remove("trees");
        if (trees == null || trees.isEmpty()) {
            return;
        }
        for (int i = 0; i < trees.size(); i++) {
            FieldPath at = FieldPath.of("storage", "trees", i);
            ObjectNode tree = (ObjectNode) trees.get(i);
            if (!t.localFiles.configured()) {
                t.at(Severity.ERROR, "ErrNoFilesDir", at, ButaneMessages.NO_FILES_DIR);
                return;
            }
            String local = text(tree, "local");
            if (local == null) {
                continue; // reported by SourceChecks
            }
            Path root;
            try {
                root = t.localFiles.resolve(local);
            } catch (LocalFileException e) {
                t.at(Severity.ERROR, e.code(), at, e.getMessage());
                continue;
            }
            if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
                t.at(Severity.ERROR, "ErrFileNotFound", at, "stat " + t.localFiles.display(local) + ": no such file or directory");
                continue;
            }
            if (!Files.isDirectory(root)) {
                t.at(Severity.ERROR, "ErrTreeNotDirectory", at, ButaneMessages.TREE_NOT_DIRECTORY);
                continue;
            }
            String dest = text(tree, "path") == null || text(tree, "path").isEmpty() ? "/" : text(tree, "path");
            new Walk(t, storage, tree, at, root, dest).run();
        }
    }

    /** One tree's walk. */
    private record Walk(Translation t, ObjectNode storage, ObjectNode tree, FieldPath at, Path root,
                        String dest) {
        void run() {
            ObjectNode owner = ownerFields();
            boolean customDirs = tree.has("dir_mode") || !owner.isEmpty();
            for (Path entry : lexicalWalk(root)) {
                String rel = root.relativize(entry).toString().replace('\\', '/');
                String destPath = joinClean(dest, rel);
                if (Files.isSymbolicLink(entry)) {
                    link(entry, destPath, owner);
                } else if (Files.isDirectory(entry, LinkOption.NOFOLLOW_LINKS)) {
                    if (customDirs) {
                        directory(destPath, owner);
                    }
                } else if (Files.isRegularFile(entry, LinkOption.NOFOLLOW_LINKS)) {
                    file(entry, destPath, owner);
                } else {
                    t.at(Severity.ERROR, "ErrFileType", at, ButaneMessages.FILE_TYPE);
                }
            }
        }

        private ObjectNode ownerFields() {
            ObjectNode o = JSON.objectNode();
            for (String key : new String[] {"group", "user"}) {
                ObjectNode v = obj(tree, key);
                if (v != null && !v.isEmpty()) {
                    o.set(key, v.deepCopy());
                }
            }
            return o;
        }

        private ObjectNode node(String path, ObjectNode owner) {
            ObjectNode n = JSON.objectNode();
            owner.fields().forEachRemaining(e -> n.set(e.getKey(), e.getValue().deepCopy()));
            n.put("path", path);
            return n;
        }

        private void directory(String path, ObjectNode owner) {
            if (exists(path)) {
                t.at(Severity.ERROR, "ErrNodeExists", at, ButaneMessages.NODE_EXISTS);
                return;
            }
            ObjectNode dir = node(path, owner);
            dir.put("mode", tree.has("dir_mode") ? tree.get("dir_mode").asInt() : 0755);
            add("directories", dir);
        }

        private void file(Path entry, String path, ObjectNode owner) {
            ObjectNode file = fillable("files", path, owner, f -> text(obj(f, "contents"), "source") != null);
            if (file == null) {
                return;
            }
            byte[] data;
            try {
                data = Files.readAllBytes(entry);
            } catch (IOException e) {
                t.at(Severity.ERROR, "ErrFileRead", at, "read " + entry + ": " + e.getMessage());
                return;
            }
            ObjectNode contents = objAt(file, "contents");
            DataUrls.Encoded enc = DataUrls.encode(data, text(contents, "compression"), true);
            contents.put("source", enc.url());
            if (enc.compression() != null) {
                contents.put("compression", enc.compression());
            }
            if (!file.has("mode")) {
                int mode = isExecutable(entry) ? 0755 : 0644;
                if (tree.has("file_mode")) {
                    mode = tree.get("file_mode").asInt();
                }
                file.put("mode", mode);
            }
        }

        private void link(Path entry, String path, ObjectNode owner) {
            ObjectNode link = fillable("links", path, owner, l -> text(l, "target") != null && !text(l, "target").isEmpty());
            if (link == null) {
                return;
            }
            try {
                link.put("target", Files.readSymbolicLink(entry).toString().replace('\\', '/'));
            } catch (IOException e) {
                t.at(Severity.ERROR, "ErrFileRead", at, "readlink " + entry + ": " + e.getMessage());
            }
        }

        /**
         * The entry to fill for a tree node: the user's entry of that path when it has no contents yet, else a new
         * one; null (with ErrNodeExists) when the path is taken by a filled entry or an entry of another type.
         */
        private ObjectNode fillable(String list, String path, ObjectNode owner, java.util.function.Predicate<ObjectNode> filled) {
            ObjectNode existing = find(list, path);
            if (existing != null ? filled.test(existing) : exists(path)) {
                t.at(Severity.ERROR, "ErrNodeExists", at, ButaneMessages.NODE_EXISTS);
                return null;
            }
            if (existing != null) {
                return existing;
            }
            ObjectNode created = node(path, owner);
            add(list, created);
            return created;
        }

        private void add(String list, ObjectNode node) {
            ArrayNode arr = arrAt(storage, list);
            t.sourceMap.put(FieldPath.of("storage", list, arr.size()), t.sourceMap.origin(at));
            arr.add(node);
        }

        private ObjectNode find(String list, String path) {
            for (ObjectNode n : objects(storage, list)) {
                if (n != null && path.equals(text(n, "path"))) {
                    return n;
                }
            }
            return null;
        }

        private boolean exists(String path) {
            return find("files", path) != null || find("directories", path) != null || find("links", path) != null;
        }
    }

    private static boolean isExecutable(Path p) {
        try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS);
            return perms.stream().anyMatch(EXECUTE::contains);
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    /** Go's filepath.Walk order: the root, then each directory's entries sorted by name, depth first. */
    private static List<Path> lexicalWalk(Path root) {
        List<Path> out = new ArrayList<>();
        out.add(root);
        collect(root, out);
        return out;
    }

    private static void collect(Path dir, List<Path> out) {
        List<Path> children;
        try (Stream<Path> s = Files.list(dir)) {
            children = s.sorted((a, b) -> a.getFileName().toString().compareTo(b.getFileName().toString())).toList();
        } catch (IOException e) {
            return;
        }
        for (Path c : children) {
            out.add(c);
            if (Files.isDirectory(c, LinkOption.NOFOLLOW_LINKS)) {
                collect(c, out);
            }
        }
    }

    /** path.Join + Clean for slash paths. */
    static String joinClean(String base, String rel) {
        String joined = rel.isEmpty() ? base : base + "/" + rel;
        return Path.of("/").resolve(joined).normalize().toString().replace('\\', '/');
    }
}
