package io.nkd.plan;

import io.nkd.config.Snapshot;
import io.nkd.git.Snapshots;
import io.nkd.testsupport.RepoPaths;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.TreeMap;
import java.util.function.UnaryOperator;

/** repo-layout/example as an in-memory snapshot, and edited copies of it, for planner tests without Git. */
record Example(Snapshot snapshot) {
    static final String PROD = "clusters/openstack-prod/cluster.yaml";
    static final String LAB = "clusters/libvirt-lab/cluster.yaml";
    static final String SANDBOX = "clusters/sandbox-demo/cluster.yaml";

    static Path directory() {
        return RepoPaths.repoRoot().resolve("repo-layout/example");
    }

    static Example load() {
        return new Example(new Snapshot("base", Snapshots.fromDirectory(directory()).files()));
    }

    /** A copy with one file's text edited; the edit must change it. */
    Example edit(String file, UnaryOperator<String> edit) {
        String before = snapshot.text(file).orElse("");
        String after = edit.apply(before);
        if (after.equals(before)) {
            throw new IllegalArgumentException("the edit did not change " + file);
        }
        return write(file, after);
    }

    /** A copy with a file replaced, or added. */
    Example write(String file, String text) {
        TreeMap<String, byte[]> files = new TreeMap<>(snapshot.files());
        files.put(file, text.getBytes(StandardCharsets.UTF_8));
        return new Example(new Snapshot("head", files));
    }

    /** A copy without the files below a directory (or the one file). */
    Example remove(String path) {
        TreeMap<String, byte[]> files = new TreeMap<>(snapshot.files());
        files.keySet().removeIf(f -> f.equals(path) || f.startsWith(path + "/"));
        return new Example(new Snapshot("head", files));
    }

    /** {@code text.replace(from, to)}, failing when {@code from} is not there (so a test cannot edit nothing). */
    static UnaryOperator<String> replace(String from, String to) {
        return text -> {
            if (!text.contains(from)) {
                throw new IllegalArgumentException("\"" + from + "\" is not in the file");
            }
            return text.replace(from, to);
        };
    }
}
