package io.nkd.housekeeper.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Files of the repository the tests read: surefire sets {@code nkd.repoRoot} (housekeeper/pom.xml). */
final class RepoFiles {
    static final String TEMPLATES = "templates/housekeeper";
    /** The committed copy of the generated CRD, the first file {@code kubectl apply -f templates/housekeeper} reads after the namespace. */
    static final String CRD_TEMPLATE = TEMPLATES + "/10-crd-updates.housekeeper.io.yaml";

    private RepoFiles() {
    }

    static Path root() {
        String root = System.getProperty("nkd.repoRoot");
        if (root == null || root.isBlank()) {
            throw new IllegalStateException("system property nkd.repoRoot is not set: run the tests through Maven "
                    + "(./mvnw -pl housekeeper test), whose surefire configuration sets it");
        }
        return Path.of(root).toAbsolutePath().normalize();
    }

    static Path path(String relative) {
        return root().resolve(relative);
    }

    static String read(String relative) {
        try {
            return Files.readString(path(relative));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path(relative), e);
        }
    }
}
