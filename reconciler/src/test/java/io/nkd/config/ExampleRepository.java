package io.nkd.config;

import io.nkd.git.Snapshots;
import io.nkd.testsupport.RepoPaths;
import java.nio.charset.StandardCharsets;
import java.util.TreeMap;
import java.util.function.UnaryOperator;

/** The repository's example config repository (repo-layout/example), and edited variants of it. */
final class ExampleRepository {
    private ExampleRepository() {
    }

    static Snapshot snapshot() {
        return Snapshots.fromDirectory(RepoPaths.repoRoot().resolve("repo-layout/example"));
    }

    /** The example with one file's text replaced through {@code edit} (which must change it). */
    static Snapshot with(String file, UnaryOperator<String> edit) {
        Snapshot base = snapshot();
        TreeMap<String, byte[]> files = new TreeMap<>(base.files());
        String before = base.text(file).orElse("");
        String after = edit.apply(before);
        if (after.equals(before)) {
            throw new IllegalArgumentException("the edit did not change " + file);
        }
        if (after.isEmpty()) {
            files.remove(file);
        } else {
            files.put(file, after.getBytes(StandardCharsets.UTF_8));
        }
        return new Snapshot("edited", files);
    }
}
