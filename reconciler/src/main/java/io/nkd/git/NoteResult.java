package io.nkd.git;

import org.eclipse.jgit.lib.ObjectId;

/** What {@link GitNotes} managed to do. Notes are a report, so failures are values, never exceptions. */
public sealed interface NoteResult {
    /** The annotated commit. */
    ObjectId commit();

    /** Written in nkd's clone; pushing was not asked for. */
    record Written(ObjectId commit, ObjectId notesCommit) implements NoteResult {
    }

    /** Written and pushed: the remote's {@value GitNotes#NOTES_REF} now holds it. */
    record Pushed(ObjectId commit, ObjectId notesCommit) implements NoteResult {
    }

    /**
     * Written in the clone but not pushed (read-only remote, credentials without write access, network).
     * The notes ref is a chain, so the next successful push carries this note too.
     */
    record PushFailed(ObjectId commit, ObjectId notesCommit, String reason) implements NoteResult {
    }

    /** Not written at all (the clone could not be updated). */
    record Failed(ObjectId commit, String reason) implements NoteResult {
    }
}
