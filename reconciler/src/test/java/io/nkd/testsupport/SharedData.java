package io.nkd.testsupport;

import io.nkd.testkit.Ci;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.DynamicTest;

/**
 * Reference data kept outside the repository, in a {@code shared/} folder beside the checkout (e.g. the Butane
 * conformance set in {@code <checkout>/../shared/butane-conformance}). The build never needs it; the tests that use
 * it fail under CI when it is missing and are reported skipped elsewhere (see {@link Ci}), never passed with zero
 * cases.
 *
 * <p>{@code NKD_SHARED_DIR} (environment variable or {@code -DNKD_SHARED_DIR=} system property) names the shared
 * folder explicitly, e.g. a copy kept elsewhere; without it, each directory from the module up to the checkout's
 * parent is searched for {@code shared/}.
 */
public final class SharedData {
    /** Names the shared folder (the one holding {@code butane-conformance/}). */
    public static final String OVERRIDE = "NKD_SHARED_DIR";
    public static final String BUTANE_CONFORMANCE = "butane-conformance";

    private SharedData() {
    }

    /** Where {@code name} was found, if it was, and every place that was looked at (for the message when not). */
    public record Lookup(String name, Optional<Path> found, List<Path> searched, boolean overridden) {
        /** What to tell someone whose run lacks the data: what, where it was looked for, how to provide it. */
        public String missingMessage() {
            String where = searched.stream().map(Path::toString).collect(Collectors.joining(", "));
            return "the shared test data " + name + " was not found (looked for " + where + "); "
                    + (overridden ? "fix " + OVERRIDE + " so it names the folder holding " + name
                    : "put the shared folder beside the checkout (" + searched.get(searched.size() - 1).getParent()
                    + ") or set " + OVERRIDE + " to the folder holding " + name);
        }
    }

    /** Looks for {@code name} (e.g. {@link #BUTANE_CONFORMANCE}) the way this class's summary says. */
    public static Lookup find(String name) {
        String override = System.getProperty(OVERRIDE);
        if (override == null || override.isBlank()) {
            override = System.getenv(OVERRIDE);
        }
        return find(name, override, Path.of("").toAbsolutePath(), RepoPaths.repoRoot());
    }

    static Lookup find(String name, String override, Path start, Path checkout) {
        List<Path> candidates = new ArrayList<>();
        boolean overridden = override != null && !override.isBlank();
        if (overridden) {
            candidates.add(Path.of(override).toAbsolutePath().normalize().resolve(name));
        } else {
            Path from = start.normalize().startsWith(checkout.normalize()) ? start.normalize() : checkout.normalize();
            Path stop = checkout.normalize().getParent();
            for (Path p = from; p != null; p = p.getParent()) {
                candidates.add(p.resolve("shared").resolve(name));
                // never above the folder that holds the checkout: a /shared elsewhere is not ours
                if (p.equals(stop)) {
                    break;
                }
            }
        }
        Optional<Path> found = candidates.stream().filter(Files::isDirectory).findFirst();
        return new Lookup(name, found, List.copyOf(candidates), overridden);
    }

    /** The data's directory; fails the test under CI and skips it elsewhere when it is missing. */
    public static Path require(String name) {
        return require(find(name), Ci.active());
    }

    static Path require(Lookup lookup, boolean ci) {
        Ci.require(lookup.found().isPresent(), lookup.missingMessage(), ci);
        return lookup.found().orElseThrow();
    }

    /** Builds a test factory's cases from the data. */
    @FunctionalInterface
    public interface Cases {
        List<DynamicTest> from(Path root) throws IOException;
    }

    /**
     * A test factory's tests over shared data: when the data is missing, one test that fails under CI and is
     * skipped elsewhere (a factory returning no tests would pass silently); when it is there, the tests
     * {@code cases} builds, which must be at least {@code atLeast} (a factory whose filter matches nothing is
     * broken, not green).
     */
    public static Stream<DynamicTest> dynamicTests(String name, int atLeast, Cases cases) throws IOException {
        Lookup lookup = find(name);
        if (lookup.found().isEmpty()) {
            boolean ci = Ci.active();
            return Stream.of(DynamicTest.dynamicTest(name + " is missing", () -> require(lookup, ci)));
        }
        List<DynamicTest> tests = cases.from(lookup.found().get());
        Assertions.assertTrue(tests.size() >= atLeast, "expected at least " + atLeast + " cases from "
                + lookup.found().get() + ", found " + tests.size() + ": is the data complete?");
        return tests.stream();
    }

    /** The case directories in {@code root/sub}, sorted by name. */
    public static List<Path> caseDirs(Path root, String sub) throws IOException {
        Path dir = root.resolve(sub);
        if (!Files.isDirectory(dir)) {
            throw new IOException(dir + " is not a directory: the shared data at " + root + " is incomplete");
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(Files::isDirectory).sorted().toList();
        }
    }
}
