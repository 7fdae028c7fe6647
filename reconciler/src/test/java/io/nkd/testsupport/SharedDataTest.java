package io.nkd.testsupport;

import io.nkd.testkit.Ci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

/** Where the shared test data is looked for, and what a run without it reports. */
class SharedDataTest {
    @TempDir
    Path tmp;

    @Test
    void foundBesideTheCheckoutFromTheModuleDirectory() throws Exception {
        Path checkout = Files.createDirectories(tmp.resolve("work/nkd"));
        Path module = Files.createDirectories(checkout.resolve("reconciler"));
        Path data = Files.createDirectories(tmp.resolve("work/shared/butane-conformance"));
        SharedData.Lookup lookup = SharedData.find("butane-conformance", null, module, checkout);
        assertEquals(data, lookup.found().orElseThrow());
        assertEquals(List.of(module.resolve("shared/butane-conformance"), checkout.resolve("shared/butane-conformance"),
                data), lookup.searched());
    }

    @Test
    void neverLooksAboveTheFolderHoldingTheCheckout() throws Exception {
        Path checkout = Files.createDirectories(tmp.resolve("work/nkd"));
        Files.createDirectories(tmp.resolve("shared/butane-conformance")); // beside work/, not beside the checkout
        SharedData.Lookup lookup = SharedData.find("butane-conformance", "", checkout, checkout);
        assertTrue(lookup.found().isEmpty(), lookup.toString());
        assertEquals(tmp.resolve("work/shared/butane-conformance"), lookup.searched().get(lookup.searched().size() - 1));
    }

    @Test
    void theOverrideIsTheOnlyPlaceLookedAt() throws Exception {
        Path checkout = Files.createDirectories(tmp.resolve("work/nkd"));
        Files.createDirectories(tmp.resolve("work/shared/butane-conformance"));
        Path elsewhere = Files.createDirectories(tmp.resolve("copy/butane-conformance"));
        assertEquals(elsewhere, SharedData.find("butane-conformance", tmp.resolve("copy").toString(), checkout, checkout)
                .found().orElseThrow());
        SharedData.Lookup wrong = SharedData.find("butane-conformance", tmp.resolve("nope").toString(), checkout, checkout);
        assertTrue(wrong.found().isEmpty(), "a wrong override is not papered over by the default place");
        assertTrue(wrong.missingMessage().contains("fix NKD_SHARED_DIR"), wrong.missingMessage());
    }

    @Test
    void missingDataFailsUnderCiAndIsSkippedElsewhereNamingWhereItLooked() throws Exception {
        Path checkout = Files.createDirectories(tmp.resolve("work/nkd"));
        SharedData.Lookup lookup = SharedData.find("butane-conformance", null, checkout, checkout);
        String beside = tmp.resolve("work/shared/butane-conformance").toString();

        AssertionFailedError failed = assertThrows(AssertionFailedError.class, () -> SharedData.require(lookup, true));
        assertTrue(failed.getMessage().contains(beside), failed.getMessage());
        assertTrue(failed.getMessage().contains("NKD_SHARED_DIR"), failed.getMessage());
        assertTrue(failed.getMessage().contains("CI=true"), failed.getMessage());

        TestAbortedException skipped = assertThrows(TestAbortedException.class, () -> SharedData.require(lookup, false));
        assertTrue(skipped.getMessage().contains(beside), skipped.getMessage());
    }

    @Test
    void onlyCiTrueIsCi() {
        assertTrue(Ci.active("true"));
        assertTrue(Ci.active("TRUE"));
        assertFalse(Ci.active(null));
        assertFalse(Ci.active(""));
        assertFalse(Ci.active("false"));
    }
}
