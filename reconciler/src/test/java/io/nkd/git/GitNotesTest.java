package io.nkd.git;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.eclipse.jgit.lib.ObjectId;
import org.junit.jupiter.api.Test;

/** Notes written in nkd's clone and pushed to a real {@code git daemon} (receive-pack enabled) on loopback. */
class GitNotesTest extends GitDaemonTestBase {
    private static RepoFollower follower(String name) throws GitException {
        return RepoFollower.open(RepoSource.of(daemon.url(name)), tmp.resolve("state-" + name), Duration.ofSeconds(20),
                System::getenv);
    }

    /** The note as the served repository has it, read by the git CLI. */
    private static String remoteNote(String name, String commit) throws Exception {
        return GitDaemon.git(daemon.repoDir(name), "notes", "--ref=nkd", "show", commit);
    }

    @Test
    void aNoteIsWrittenAndPushed() throws Exception {
        GitDaemon.Work w = new GitDaemon.Work(tmp.resolve("work-push"), daemon.createRepo("push"));
        String c1 = w.commit("a.yaml", "v: 1\n");
        w.push("main");
        try (RepoFollower f = follower("push")) {
            ObjectId commit = f.fetch().commit();
            GitNotes notes = new GitNotes(f);
            NoteResult r = notes.write(commit, "cluster a: applied (rendered version 3f2a)", true);
            assertInstanceOf(NoteResult.Pushed.class, r);
            assertEquals("cluster a: applied (rendered version 3f2a)", remoteNote("push", c1));
            assertEquals(Optional.of("cluster a: applied (rendered version 3f2a)\n"), notes.read(commit));

            assertInstanceOf(NoteResult.Pushed.class, notes.append(commit, "cluster b: failed: quota", true));
            assertEquals("cluster a: applied (rendered version 3f2a)\n\ncluster b: failed: quota", remoteNote("push", c1));

            NoteResult replaced = notes.write(commit, "cluster a: applied", false);
            assertInstanceOf(NoteResult.Written.class, replaced);
            assertEquals(Optional.of("cluster a: applied\n"), notes.read(commit));
            assertEquals("cluster a: applied (rendered version 3f2a)\n\ncluster b: failed: quota", remoteNote("push", c1),
                    "not pushed when not asked");
        }
    }

    @Test
    void notesPushedByOthersAreMergedNotOverwritten() throws Exception {
        GitDaemon.Work w = new GitDaemon.Work(tmp.resolve("work-merge"), daemon.createRepo("merge"));
        String c1 = w.commit("a.yaml", "v: 1\n");
        String c2 = w.commit("a.yaml", "v: 2\n");
        w.push("main");
        try (RepoFollower f = follower("merge")) {
            GitNotes notes = new GitNotes(f);
            assertInstanceOf(NoteResult.Written.class, notes.write(ObjectId.fromString(c1), "nkd: applied c1", false));
            // a person (or another nkd) adds a note on another commit and pushes it
            w.git("notes", "--ref=nkd", "add", "-m", "reviewed by ops", c2);
            w.push("refs/notes/nkd");

            // the local notes (c1) and the remote's (c2) diverged: merged into a two-parent notes commit
            NoteResult r = notes.append(ObjectId.fromString(c2), "nkd: applied c2", true);
            assertInstanceOf(NoteResult.Pushed.class, r, r.toString());
            assertEquals("nkd: applied c1", remoteNote("merge", c1));
            assertEquals("reviewed by ops\n\nnkd: applied c2", remoteNote("merge", c2));
            String parents = GitDaemon.git(daemon.repoDir("merge"), "log", "-1", "--format=%P", "refs/notes/nkd^");
            assertEquals(2, parents.split(" ").length, "a merge of both writers' notes: " + parents);
        }
    }

    @Test
    void aRejectedPushIsReportedNotThrown() throws Exception {
        GitDaemon.Work w = new GitDaemon.Work(tmp.resolve("work-reject"), daemon.createRepo("reject"));
        String c1 = w.commit("a.yaml", "v: 1\n");
        w.push("main");
        Path hook = daemon.repoDir("reject").resolve("hooks/pre-receive");
        Files.writeString(hook, "#!/bin/sh\necho 'notes are not accepted here' >&2\nexit 1\n");
        hook.toFile().setExecutable(true);
        try (RepoFollower f = follower("reject")) {
            NoteResult r = new GitNotes(f).write(ObjectId.fromString(c1), "nkd: applied", true);
            NoteResult.PushFailed failed = assertInstanceOf(NoteResult.PushFailed.class, r);
            assertTrue(failed.reason().contains("rejected"), failed.reason());
            assertEquals(Optional.of("nkd: applied\n"), new GitNotes(f).read(ObjectId.fromString(c1)),
                    "kept locally for the next push");
        }
        try (RepoFollower f = RepoFollower.open(RepoSource.of("git://127.0.0.1:1/nowhere.git"),
                tmp.resolve("state-nowhere"))) {
            NoteResult r = new GitNotes(f).write(ObjectId.fromString(c1), "nkd: applied", true);
            assertInstanceOf(NoteResult.Failed.class, r, "the remote notes could not even be read");
        }
    }
}
