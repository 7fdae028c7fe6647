package io.nkd.housekeeper.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** How a deployment is named in status, logs and NodeProgress (nkd compares that name with its target). */
class OsDeploymentTest {
    private static final String DIGEST = "sha256:" + "ab".repeat(32);

    @Test
    void aDeploymentRebasedToByDigestIsNamedOnceAndReadsBackAsThatImage() {
        // rpm-ostree's container-image-reference of a digest rebase already carries the digest
        OsDeployment pinned = new OsDeployment("hub.oepkgs.net/nestos/nestos@" + DIGEST, DIGEST, "c0ffee", "24.09");
        assertEquals("hub.oepkgs.net/nestos/nestos@" + DIGEST, pinned.describe());
        ImageReference read = ImageReference.parse(pinned.describe());
        assertEquals(DIGEST, read.digest());
        assertTrue(ImageReference.parse("hub.oepkgs.net/nestos/nestos@" + DIGEST).matches(pinned));
    }

    @Test
    void aTaggedDeploymentGetsItsManifestDigestAppended() {
        assertEquals("quay.io/fedora/fedora-coreos:stable@" + DIGEST,
                new OsDeployment("quay.io/fedora/fedora-coreos:stable", DIGEST, "c0ffee", null).describe());
        assertEquals("commit c0ffee", new OsDeployment(null, null, "c0ffee", null).describe());
    }
}
