package io.nkd.testsupport;

import java.nio.file.Files;
import java.nio.file.Path;

/** The repository root: system property {@code nkd.repoRoot} (set by surefire), else the nearest dir holding mvnw. */
public final class RepoRoot {
    private RepoRoot() {
    }

    public static Path get() {
        String prop = System.getProperty("nkd.repoRoot");
        if (prop != null && !prop.isBlank() && Files.isRegularFile(Path.of(prop, "mvnw"))) {
            return Path.of(prop).toAbsolutePath().normalize();
        }
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("mvnw"))) {
                return p;
            }
        }
        throw new IllegalStateException("cannot find the repository root (no mvnw above " + Path.of("").toAbsolutePath() + ")");
    }
}
