package io.nkd.housekeeper.deploy;

import io.nkd.testkit.Ci;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The NestOS Housekeeper's CRD, kept beside the repository in ../shared/housekeeper-upstream/ (not in it: it is
 * upstream's file, read as a reference). Absent on a developer machine the tests that need it are skipped; under
 * CI=true they fail.
 */
final class UpstreamFiles {
    static final String CRD = "updates.housekeeper.io.crd.yaml";

    private UpstreamFiles() {
    }

    static Path crd() {
        Path p = RepoFiles.root().resolve("../shared/housekeeper-upstream").resolve(CRD).normalize();
        Ci.require(Files.isRegularFile(p), "the upstream Housekeeper CRD " + p + " is missing: put upstream's "
                + "data/data/housekeeper/1housekeeper.io_updates.yaml (nestos-kubernetes-deployer, commit 0fef246) there");
        return p;
    }
}
