package io.nkd.housekeeper.agent.rpmostree;

import io.nkd.testkit.Ci;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nkd.housekeeper.api.ImageReference;
import io.nkd.housekeeper.api.OsDeployment;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Parses the real {@code rpm-ostree status --json} outputs in ../shared/rpm-ostree-samples (Fedora CoreOS hosts). */
class RpmOstreeStatusTest {
    static final String FCOS_DIGEST = "sha256:ca99893c80a7b84dd84d4143bd27538207c2f38ab6647a58d9c8caa251f9a087";

    static String sample(String file) throws IOException {
        Path dir = Path.of(System.getProperty("nkd.repoRoot", "."), "..", "shared", "rpm-ostree-samples");
        Path p = dir.resolve(file);
        Ci.require(Files.isReadable(p), "the real rpm-ostree sample " + p.normalize() + " is missing "
                + "(../shared/rpm-ostree-samples next to the repository)");
        return Files.readString(p);
    }

    @Test
    void aHostBootedFromAContainerImage() throws IOException {
        RpmOstreeStatus st = RpmOstreeStatus.parse(sample("rpm-ostree-status.json"));
        assertEquals(new OsDeployment("quay.io/fedora/fedora-coreos:stable", FCOS_DIGEST,
                "36ff46d732a070a1bf10f7157f764e316f99a836dcdbf56702798e5042411fe9", "43.20251024.3.0"), st.booted());
        assertNull(st.staged());
        assertNull(st.rollback(), "this sample lists only the booted deployment");
        assertFalse(st.changePending());
        assertSame(st.booted(), st.nextBoot());
        // the operator's comparison: the same image by digest, by tag, and another tag
        assertTrue(ImageReference.parse("quay.io/fedora/fedora-coreos@" + FCOS_DIGEST).matches(st.booted()));
        assertTrue(ImageReference.parse("quay.io/fedora/fedora-coreos:stable").matches(st.booted()));
        assertFalse(ImageReference.parse("quay.io/fedora/fedora-coreos:next").matches(st.booted()));
    }

    @Test
    void theSampleWithAnImageAnnotationReadsTheSame() throws IOException {
        assertEquals(RpmOstreeStatus.parse(sample("rpm-ostree-status.json")),
                RpmOstreeStatus.parse(sample("rpm-ostree-status-annotation.json")));
    }

    @Test
    void aStagedDeploymentWaitingForTheReboot() throws IOException {
        RpmOstreeStatus st = RpmOstreeStatus.parse(sample("rpm-ostree-staged.json"));
        // an ostree-remote (not container) host: no image, no manifest digest; checksum and version identify it
        assertEquals(new OsDeployment(null, null, "01f074cc6cd88d8d2b43f821da692f2367c101eb4377802cb35092bde0ef02f7",
                "31.20200505.3.0"), st.booted());
        assertEquals(new OsDeployment(null, null, "967b7b8d624e6d10ff51c2e81ef198fae966c567ac2e9b479771c693d0987949",
                "31.20200517.3.0"), st.staged());
        assertNull(st.rollback());
        assertTrue(st.changePending());
        assertEquals(st.staged(), st.nextBoot());
        assertEquals("commit 967b7b8d624e6d10ff51c2e81ef198fae966c567ac2e9b479771c693d0987949", st.staged().describe());
    }

    @Test
    void theRollbackDeploymentIsTheFirstNeitherBootedNorStaged() throws IOException {
        // the samples hold no host with a rollback deployment: this one is made of their real deployment objects,
        // in the order rpm-ostree lists them (staged, booted, rollback)
        ObjectMapper json = new ObjectMapper();
        ObjectNode image = (ObjectNode) json.readTree(sample("rpm-ostree-status.json")).get("deployments").get(0);
        ArrayNode staged = (ArrayNode) json.readTree(sample("rpm-ostree-staged.json")).get("deployments");
        ObjectNode previous = ((ObjectNode) staged.get(1).deepCopy()).put("booted", false);
        ObjectNode root = json.createObjectNode();
        root.putArray("deployments").add(staged.get(0)).add(image).add(previous);
        RpmOstreeStatus st = RpmOstreeStatus.parse(json.writeValueAsString(root));
        assertEquals(FCOS_DIGEST, st.booted().digest());
        assertEquals("31.20200517.3.0", st.staged().version());
        assertEquals("01f074cc6cd88d8d2b43f821da692f2367c101eb4377802cb35092bde0ef02f7", st.rollback().checksum());

        // after rpm-ostree rollback the rollback deployment is first without being staged: it boots next
        ObjectNode rolledBack = json.createObjectNode();
        rolledBack.putArray("deployments").add(previous).add(image);
        RpmOstreeStatus after = RpmOstreeStatus.parse(json.writeValueAsString(rolledBack));
        assertNull(after.staged());
        assertTrue(after.changePending());
        assertEquals(after.rollback(), after.nextBoot());
    }

    @Test
    void unreadableOutputIsAnErrorThatSaysWhat() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> RpmOstreeStatus.parse("error: connection refused"))
                .getMessage().contains("no valid JSON"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> RpmOstreeStatus.parse("{\"deployments\":[]}"))
                .getMessage().contains("no booted deployment"));
    }
}
