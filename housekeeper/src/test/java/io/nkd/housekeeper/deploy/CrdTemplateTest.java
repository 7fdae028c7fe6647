package io.nkd.housekeeper.deploy;

import io.nkd.housekeeper.testing.Crds;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * The CRD in templates/housekeeper (what users and nkd apply) is the one the crd-generator plugin writes from the Java
 * types in io.nkd.housekeeper.api. A change of those types without regenerating the copy fails here, with the command
 * that fixes it.
 */
class CrdTemplateTest {
    static final String REGENERATE = "./mvnw -pl housekeeper process-classes && cp housekeeper/target/classes/"
            + Crds.GENERATED + " " + RepoFiles.CRD_TEMPLATE;

    @Test
    void committedCrdEqualsTheGeneratedOne() throws IOException {
        String generated;
        try (InputStream in = getClass().getClassLoader().getResourceAsStream(Crds.GENERATED)) {
            assertNotNull(in, Crds.GENERATED + " is not on the test class path: the crd-generator plugin did not run");
            generated = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        String committed = RepoFiles.read(RepoFiles.CRD_TEMPLATE);
        assertEquals(generated, committed, RepoFiles.CRD_TEMPLATE + " differs from the CRD generated from "
                + "io.nkd.housekeeper.api (the Java types changed, or the file was edited by hand): regenerate with `"
                + REGENERATE + "` from the repository root and commit the result");
    }
}
