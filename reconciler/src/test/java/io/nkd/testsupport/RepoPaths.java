package io.nkd.testsupport;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** Where the repository and the optional ../shared material are, for tests. */
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

    /** ../shared beside the repository, when present (CI and developers have it; the build never needs it). */
    public static Optional<Path> shared() {
        Path shared = repoRoot().resolveSibling("shared");
        return Files.isDirectory(shared) ? Optional.of(shared) : Optional.empty();
    }

    public static Optional<Path> butaneConformance() {
        return shared().map(s -> s.resolve("butane-conformance")).filter(Files::isDirectory);
    }
}
