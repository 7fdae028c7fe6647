package io.nkd.ignition;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The Butane/Ignition conformance set in the shared folder beside the repository, when it is there.
 * The project must build without it, so tests that use it produce no cases when it is missing.
 */
public final class ConformanceData {
    public static final ObjectMapper JSON = new ObjectMapper();

    private ConformanceData() {
    }

    public static Optional<Path> root() {
        String repoRoot = System.getProperty("nkd.repoRoot");
        List<Path> candidates = Stream.of(
                        repoRoot == null ? null : Path.of(repoRoot).resolve("../shared/butane-conformance"),
                        Path.of("/work/shared/butane-conformance"))
                .filter(p -> p != null && Files.isDirectory(p))
                .toList();
        return candidates.stream().findFirst();
    }

    /** The case directories under {@code sub} (e.g. "cases"), sorted; empty without the data. */
    public static List<Path> caseDirs(String sub) {
        return root().map(r -> r.resolve(sub)).filter(Files::isDirectory).map(dir -> {
            try (Stream<Path> s = Files.list(dir)) {
                return s.filter(Files::isDirectory).sorted().toList();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }).orElse(List.of());
    }

    public static JsonNode readJson(Path file) {
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
