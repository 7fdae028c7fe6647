package io.nkd.testkit;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * What a test may do when something it needs is missing (a tool, a data set, a test server). CI ({@code CI=true})
 * installs and starts everything the suite needs ({@code .ci/run}), so there a missing part is a failure naming what
 * is missing and how to provide it; on a developer machine the test is reported skipped (never passed), with the
 * same message. Every module's tests use this one rule.
 */
public final class Ci {
    private Ci() {
    }

    /** Whether this run is CI's: {@code CI=true}, as GitHub Actions, GitLab CI and most others set it. */
    public static boolean active() {
        return active(System.getenv("CI"));
    }

    public static boolean active(String ciVariable) {
        return "true".equalsIgnoreCase(ciVariable == null ? "" : ciVariable.strip());
    }

    /**
     * Fails (under CI) or skips (elsewhere) the calling test unless {@code present}.
     *
     * @param missing what is missing and how to provide it, e.g. "gpg is not on PATH: apt-get install gpg"
     */
    public static void require(boolean present, String missing) {
        require(present, missing, active());
    }

    public static void require(boolean present, String missing, boolean ci) {
        if (present) {
            return;
        }
        if (ci) {
            Assertions.fail(missing + " (CI=true, where .ci/run provides it, so this is a failure, not a skip)");
        }
        Assumptions.abort(missing + " (skipped; with CI=true this fails)");
    }

    /**
     * For a test factory that cannot build its tests: one test, named {@code name}, that fails under CI and is
     * skipped elsewhere. (An assumption failing in the factory method itself aborts the container, which Maven
     * Surefire counts as neither run nor skipped: the tests would vanish from the report.)
     */
    public static java.util.stream.Stream<org.junit.jupiter.api.DynamicTest> missing(String name, String missing) {
        boolean ci = active();
        return java.util.stream.Stream.of(org.junit.jupiter.api.DynamicTest.dynamicTest(name, () -> require(false, missing, ci)));
    }
}
