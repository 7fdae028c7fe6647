package io.nkd.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nkd.git.Snapshots;
import io.nkd.report.Entry;
import io.nkd.testsupport.RepoPaths;
import io.nkd.testsupport.TestFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.PersonIdent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A config file over the size limit is named as too large, with its size, in its own cluster's report: never
 * "has no cluster.yaml", and the other clusters load as before. Both ways nkd reads a repository: a working
 * tree (nkd validate) and a commit (the daemon, nkd plan).
 */
class TooLargeFilesTest {
    private static final String BIG = "clusters/sandbox-demo/cluster.yaml";
    private static final long SIZE = 20L * 1024 * 1024;

    @TempDir
    Path tmp;

    private Path exampleWithHugeClusterFile() throws Exception {
        Path repo = tmp.resolve("repo");
        TestFiles.copyTree(RepoPaths.repoRoot().resolve("repo-layout/example"), repo);
        // valid YAML padded with a comment: it is the size alone that must be reported
        String original = Files.readString(repo.resolve(BIG));
        Files.writeString(repo.resolve(BIG), original + "#" + "x".repeat((int) SIZE - original.length() - 2) + "\n");
        assertEquals(SIZE, Files.size(repo.resolve(BIG)));
        return repo;
    }

    private static void assertNamedTooLarge(RepositoryConfig config) {
        LoadedCluster demo = config.cluster("sandbox-demo").orElseThrow();
        List<Entry> problems = demo.report().entries();
        assertTrue(problems.stream().noneMatch(e -> e.code().equals("MissingClusterFile")), problems::toString);
        Entry e = problems.stream().filter(p -> p.code().equals("FileTooLarge")).findFirst().orElseThrow(() -> new AssertionError(problems.toString()));
        assertEquals(BIG, e.file());
        assertTrue(e.message().startsWith(BIG + " is " + SIZE + " bytes, over the 8 MiB limit"), e.message());
        assertFalse(demo.valid());
        assertTrue(config.cluster("openstack-prod").orElseThrow().valid(), "the other clusters are unaffected");
        assertTrue(config.cluster("libvirt-lab").orElseThrow().valid());
    }

    @Test
    void aWorkingTreeFileOverTheLimitIsNamed() throws Exception {
        assertNamedTooLarge(ConfigLoader.load(Snapshots.fromDirectory(exampleWithHugeClusterFile())));
    }

    @Test
    void aCommittedFileOverTheLimitIsNamed() throws Exception {
        Path repo = exampleWithHugeClusterFile();
        try (Git git = Git.init().setDirectory(repo.toFile()).setInitialBranch("main").call()) {
            git.add().addFilepattern(".").call();
            PersonIdent who = new PersonIdent("test", "test@example.com");
            git.commit().setMessage("huge").setAuthor(who).setCommitter(who).setSign(false).call();
        }
        assertNamedTooLarge(ConfigLoader.load(Snapshots.fromGit(repo, "main")));
    }
}
