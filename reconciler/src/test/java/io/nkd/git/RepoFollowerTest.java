package io.nkd.git;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.Optional;
import org.eclipse.jgit.lib.ObjectId;
import org.junit.jupiter.api.Test;

/** Follows repositories served by a real {@code git daemon} on loopback. */
class RepoFollowerTest extends GitDaemonTestBase {
    private static GitDaemon.Work work(String name) throws Exception {
        return new GitDaemon.Work(tmp.resolve("work-" + name), daemon.createRepo(name));
    }

    private static RepoFollower follow(String name, RefSelector ref) throws GitException {
        return RepoFollower.open(new RepoSource(daemon.url(name), ref, GitAuth.NONE), tmp.resolve("state-" + name),
                Duration.ofSeconds(20), System::getenv);
    }

    private static ObjectId id(String hex) {
        return ObjectId.fromString(hex);
    }

    @Test
    void initialFetchThenAnUnchangedPollTransfersNothing() throws Exception {
        GitDaemon.Work w = work("unchanged");
        String c1 = w.commit("clusters/a/cluster.yaml", "name: a\n");
        w.push("main");
        try (RepoFollower f = follow("unchanged", RefSelector.defaultBranch())) {
            assertEquals(Optional.of(id(c1)), f.remoteHead());
            assertEquals(Optional.empty(), f.lastFetched());

            FetchOutcome first = f.fetch();
            assertEquals(new FetchOutcome.Initial(id(c1), "refs/heads/main"), first);
            assertEquals(1, f.fetchCount());
            assertEquals("name: a\n", f.snapshot(first.commit()).text("clusters/a/cluster.yaml").orElseThrow());
            assertEquals(c1, f.snapshot(first.commit()).revision());

            Path fetchHead = f.repository().getDirectory().toPath().resolve("FETCH_HEAD");
            FileTime before = Files.exists(fetchHead) ? Files.getLastModifiedTime(fetchHead) : null;
            Thread.sleep(20);
            assertEquals(Optional.of(id(c1)), f.remoteHead());
            assertEquals(new FetchOutcome.Unchanged(id(c1), "refs/heads/main"), f.fetch());
            assertEquals(1, f.fetchCount(), "an unchanged head must not be fetched");
            if (before != null) {
                assertEquals(before, Files.getLastModifiedTime(fetchHead));
            }
        }
        // a restarted daemon knows what it fetched
        try (RepoFollower f = follow("unchanged", RefSelector.defaultBranch())) {
            assertEquals(Optional.of(id(c1)), f.lastFetched());
            assertInstanceOf(FetchOutcome.Unchanged.class, f.fetch());
            assertEquals(0, f.fetchCount());
        }
    }

    @Test
    void aNewCommitIsFetchedAsFastForward() throws Exception {
        GitDaemon.Work w = work("forward");
        String c1 = w.commit("a.yaml", "v: 1\n");
        w.push("main");
        try (RepoFollower f = follow("forward", RefSelector.defaultBranch())) {
            f.fetch();
            String c2 = w.commit("a.yaml", "v: 2\n");
            w.push("main");
            assertEquals(Optional.of(id(c2)), f.remoteHead());
            assertEquals(new FetchOutcome.FastForward(id(c1), id(c2), "refs/heads/main"), f.fetch());
            assertEquals("v: 2\n", f.snapshot(id(c2)).text("a.yaml").orElseThrow());
            assertEquals(id(c1), f.repository().resolve(RepoFollower.PREVIOUS_REF));
            assertTrue(f.isAncestor(id(c1), id(c2)));
            assertFalse(f.isAncestor(id(c2), id(c1)));
        }
    }

    @Test
    void aForcePushIsDetectedWithBothCommits() throws Exception {
        GitDaemon.Work w = work("force");
        String c1 = w.commit("a.yaml", "v: 1\n");
        String c2 = w.commit("a.yaml", "v: 2\n");
        w.push("main");
        try (RepoFollower f = follow("force", RefSelector.defaultBranch())) {
            assertEquals(id(c2), f.fetch().commit());
            w.git("reset", "-q", "--hard", c1);
            String c3 = w.commit("a.yaml", "v: 3 rewritten\n");
            w.push("--force", "main");

            FetchOutcome o = f.fetch();
            assertEquals(new FetchOutcome.ForcePushed(id(c2), id(c3), "refs/heads/main"), o);
            // the rewritten-away commit stays readable, for the diff a human wants to see
            assertEquals("v: 2\n", f.snapshot(id(c2)).text("a.yaml").orElseThrow());
            assertEquals(id(c2), f.repository().resolve(RepoFollower.PREVIOUS_REF));
        }
    }

    @Test
    void anExactTagIsPeeledToItsCommitAndAMovedTagIsReported() throws Exception {
        GitDaemon.Work w = work("tag");
        String c1 = w.commit("a.yaml", "v: 1\n");
        w.git("tag", "-a", "-m", "release 1", "release-1");
        w.push("main", "--tags");
        try (RepoFollower f = follow("tag", new RefSelector.Tag("release-1"))) {
            assertEquals(Optional.of(id(c1)), f.remoteHead());
            assertEquals(new FetchOutcome.Initial(id(c1), "refs/tags/release-1"), f.fetch());
            assertInstanceOf(FetchOutcome.Unchanged.class, f.fetch());

            w.git("checkout", "-q", "--orphan", "other");
            String c2 = w.commit("a.yaml", "v: other\n");
            w.git("tag", "-f", "-a", "-m", "release 1 again", "release-1");
            w.push("--force", "refs/tags/release-1");
            assertEquals(new FetchOutcome.ForcePushed(id(c1), id(c2), "refs/tags/release-1"), f.fetch());
        }
    }

    @Test
    void aSemverRangeFollowsTheHighestMatchingTagAsTagsAreAdded() throws Exception {
        GitDaemon.Work w = work("semver");
        String c100 = w.commit("a.yaml", "v: 1.0.0\n");
        w.git("tag", "v1.0.0");
        String c110 = w.commit("a.yaml", "v: 1.1.0\n");
        w.git("tag", "-a", "-m", "1.1.0", "v1.1.0");
        String c200 = w.commit("a.yaml", "v: 2.0.0\n");
        w.git("tag", "v2.0.0");
        w.commit("a.yaml", "v: 1.2.0-rc.1\n");
        w.git("tag", "v1.2.0-rc.1");
        w.git("tag", "latest");
        w.push("main", "--tags");

        try (RepoFollower f = follow("semver", new RefSelector.Semver("^1.0"))) {
            assertEquals(Optional.of(id(c110)), f.remoteHead(), "pre-releases and v2 are outside ^1.0");
            assertEquals(new FetchOutcome.Initial(id(c110), "refs/tags/v1.1.0"), f.fetch());

            String c120 = w.commit("a.yaml", "v: 1.2.0\n");
            w.git("tag", "1.2.0");
            w.push("main", "--tags");
            assertEquals(new FetchOutcome.FastForward(id(c110), id(c120), "refs/tags/1.2.0"), f.fetch());
            assertEquals(0, f.snapshot(f.lastFetched().orElseThrow()).text("a.yaml").orElseThrow()
                    .compareTo("v: 1.2.0\n"));
        }
        try (RepoFollower f = follow("semver", new RefSelector.Semver(">=1.0.0 <2.0.0 || >=3"))) {
            assertEquals(Optional.of(new RepoFollower.ResolvedRef("refs/tags/1.2.0", f.remoteHead().orElseThrow())),
                    f.resolve());
        }
        try (RepoFollower f = follow("semver", new RefSelector.Semver("~1.0"))) {
            assertEquals(Optional.of(id(c100)), f.remoteHead());
        }
        try (RepoFollower f = follow("semver", new RefSelector.Semver("2.x"))) {
            assertEquals(Optional.of(id(c200)), f.remoteHead());
        }
        try (RepoFollower f = follow("semver", new RefSelector.Semver(">=1.2.0-rc.0 <1.3.0"))) {
            assertEquals("refs/tags/1.2.0", f.resolve().orElseThrow().ref(), "the release beats its candidate");
        }
        try (RepoFollower f = follow("semver", new RefSelector.Semver(">=3.0.0"))) {
            assertEquals(Optional.empty(), f.remoteHead(), "no release yet is a state, not an error");
            GitException e = assertThrows(GitException.RefNotFound.class, f::fetch);
            assertTrue(e.getMessage().contains(">=3.0.0"), e.getMessage());
        }
    }

    @Test
    void aPinnedCommitIsFetchedEvenWhenTheBranchMovedOn() throws Exception {
        GitDaemon.Work w = work("pinned");
        String c1 = w.commit("a.yaml", "v: 1\n");
        w.commit("a.yaml", "v: 2\n");
        w.push("main");
        try (RepoFollower f = follow("pinned", new RefSelector.Commit(c1))) {
            assertEquals(Optional.of(id(c1)), f.remoteHead());
            assertEquals(new FetchOutcome.Initial(id(c1), c1), f.fetch());
            assertEquals(1, f.fetchCount(), "protocol v2 lets a client ask for a reachable commit by id");
            assertEquals("v: 1\n", f.snapshot(id(c1)).text("a.yaml").orElseThrow());
            assertInstanceOf(FetchOutcome.Unchanged.class, f.fetch());
        }
        String unknown = "0123456789abcdef0123456789abcdef01234567";
        try (RepoFollower f = follow("pinned", new RefSelector.Commit(unknown))) {
            GitException e = assertThrows(GitException.RefNotFound.class, f::fetch);
            assertTrue(e.getMessage().contains(unknown), e.getMessage());
        }
    }

    @Test
    void aPinnedCommitFallsBackToAllRefsWhenTheServerRefusesWantsById() throws Exception {
        GitDaemon.Work w = work("pinned-v0");
        String c1 = w.commit("a.yaml", "v: 1\n");
        w.commit("a.yaml", "v: 2\n");
        w.push("main");
        try (RepoFollower f = follow("pinned-v0", new RefSelector.Commit(c1))) {
            // protocol v0: git upload-pack refuses a want that is not advertised (no allowReachableSHA1InWant)
            f.repository().getConfig().setInt("protocol", null, "version", 0);
            f.repository().getConfig().save();
            assertEquals(new FetchOutcome.Initial(id(c1), c1), f.fetch());
            assertEquals(2, f.fetchCount(), "by id, then all branches and tags");
            assertEquals(java.util.List.of(), f.repository().getRefDatabase().getRefsByPrefix("refs/nkd/scan/"));
        }
    }

    @Test
    void aMissingBranchTagOrRepositoryIsAClearError() throws Exception {
        GitDaemon.Work w = work("missing");
        w.commit("a.yaml", "v: 1\n");
        w.push("main");
        try (RepoFollower f = follow("missing", new RefSelector.Branch("production"))) {
            GitException e = assertThrows(GitException.RefNotFound.class, f::remoteHead);
            assertEquals("branch production does not exist in " + daemon.url("missing"), e.getMessage());
            assertTrue(e.needsOperator());
            assertThrows(GitException.RefNotFound.class, f::fetch);
        }
        try (RepoFollower f = follow("missing", new RefSelector.Tag("v9"))) {
            assertEquals("tag v9 does not exist in " + daemon.url("missing"),
                    assertThrows(GitException.RefNotFound.class, f::remoteHead).getMessage());
        }
        try (RepoFollower f = follow("no-such-repo", RefSelector.defaultBranch())) {
            GitException e = assertThrows(GitException.class, f::remoteHead);
            assertInstanceOf(GitException.RefNotFound.class, e, e.getMessage());
            assertTrue(e.getMessage().contains("no-such-repo.git"), e.getMessage());
        }
    }

    @Test
    void anUnreachableServerIsTransient() throws Exception {
        int closedPort;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        RepoSource source = RepoSource.of("git://127.0.0.1:" + closedPort + "/x.git");
        try (RepoFollower f = RepoFollower.open(source, tmp.resolve("state-unreachable"))) {
            GitException e = assertThrows(GitException.Unreachable.class, f::remoteHead);
            assertFalse(e.needsOperator());
            assertTrue(e.getMessage().contains("127.0.0.1:" + closedPort), e.getMessage());
        }
    }

    @Test
    void aCloneReopenedForAnotherUrlForgetsItsHead() throws Exception {
        GitDaemon.Work a = work("url-a");
        a.commit("a.yaml", "a\n");
        a.push("main");
        GitDaemon.Work b = work("url-b");
        String cb = b.commit("b.yaml", "b\n");
        b.push("main");
        Path state = tmp.resolve("state-url");
        try (RepoFollower f = RepoFollower.open(RepoSource.of(daemon.url("url-a")), state)) {
            f.fetch();
        }
        try (RepoFollower f = RepoFollower.open(RepoSource.of(daemon.url("url-b")), state)) {
            assertEquals(Optional.empty(), f.lastFetched());
            assertEquals(new FetchOutcome.Initial(id(cb), "refs/heads/main"), f.fetch());
        }
    }

    @Test
    void aLocalPathIsFollowedToo() throws Exception {
        GitDaemon.Work w = work("local");
        String c1 = w.commit("a.yaml", "v: 1\n");
        w.push("main");
        RepoSource source = RepoSource.of(daemon.repoDir("local").toString());
        assertEquals(RepoSource.Scheme.FILE, source.scheme());
        try (RepoFollower f = RepoFollower.open(source, tmp.resolve("state-local"))) {
            assertEquals(new FetchOutcome.Initial(id(c1), "refs/heads/main"), f.fetch());
        }
    }
}
