package io.nkd.testkit;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * What a test does when a real part it needs (here: the test API server) is missing. CI ({@code CI=true}) starts
 * every part ({@code .ci/run}), so there a missing part is a failure that says how to provide it; on a developer
 * machine the test is reported skipped (never passed) with the same message. The same rule as the reconciler's
 * {@code io.nkd.testsupport.Ci}; the modules do not share test code, so the kit has its own.
 */
public final class Ci {
    private Ci() {
    }

    /** Whether this run is CI's: {@code CI=true}, as GitHub Actions, GitLab CI and most others set it. */
    public static boolean active() {
        return active(System.getenv("CI"));
    }

    static boolean active(String ciVariable) {
        return "true".equalsIgnoreCase(ciVariable == null ? "" : ciVariable.strip());
    }

    /**
     * Fails (under CI) or skips (elsewhere) the calling test unless {@code present}.
     *
     * @param missing what is missing and how to provide it
     */
    public static void require(boolean present, String missing) {
        require(present, missing, active());
    }

    static void require(boolean present, String missing, boolean ci) {
        if (present) {
            return;
        }
        if (ci) {
            Assertions.fail(missing + " (CI=true, where .ci/run provides it, so this is a failure, not a skip)");
        }
        Assumptions.abort(missing + " (skipped; with CI=true this fails)");
    }
}
