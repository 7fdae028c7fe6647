package io.nkd.ignition;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nkd.testsupport.SharedData;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;

/**
 * The Butane/Ignition conformance set in the shared folder beside the checkout ({@link SharedData}). The project
 * builds without it; a factory over it fails under CI and is reported skipped elsewhere when it is missing.
 */
public final class ConformanceData {
    public static final ObjectMapper JSON = new ObjectMapper();

    private ConformanceData() {
    }

    /**
     * One test per case directory under {@code sub} ("cases" or "merge-cases") that {@code test} makes a test of
     * (it returns null to leave a case out); at least {@code atLeast} of them.
     */
    public static Stream<DynamicTest> tests(String sub, int atLeast, Function<Path, DynamicTest> test) throws IOException {
        return SharedData.dynamicTests(SharedData.BUTANE_CONFORMANCE, atLeast, root -> SharedData.caseDirs(root, sub)
                .stream().map(test).filter(t -> t != null).toList());
    }

    public static JsonNode readJson(Path file) {
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
