package io.nkd.testsupport;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where the repository is, for tests (the optional shared data beside it: {@link SharedData}). */
public final class RepoPaths {
    private RepoPaths() {
    }

    public static Path repoRoot() {
        String prop = System.getProperty("nkd.repoRoot");
        if (prop != null && Files.isRegularFile(Path.of(prop, "mvnw"))) {
            return Path.of(prop).toAbsolutePath();
        }
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("mvnw"))) {
                return p;
            }
        }
        throw new IllegalStateException("cannot find the repository root (no mvnw above " + Path.of("").toAbsolutePath() + ")");
    }
}
