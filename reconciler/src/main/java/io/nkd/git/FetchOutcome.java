package io.nkd.git;

import org.eclipse.jgit.lib.ObjectId;

/**
 * What a {@link RepoFollower#fetch()} found. Every outcome names the commit now selected and the remote
 * ref it came from; the daemon decides what to apply. A force push is an outcome, not an error: whether
 * to apply rewritten history (and alert about it) is policy, and the previous commit stays in the clone
 * (ref {@value RepoFollower#PREVIOUS_REF}) so it can be diffed against.
 */
public sealed interface FetchOutcome {
    /** The selected commit. */
    ObjectId commit();

    /** The remote ref it was selected through ({@code refs/heads/main}, {@code refs/tags/v1.2.0}), or the id. */
    String ref();

    /** The advertised head equals the last fetched one; nothing was transferred. */
    record Unchanged(ObjectId commit, String ref) implements FetchOutcome {
    }

    /** The first fetch into an empty clone. */
    record Initial(ObjectId commit, String ref) implements FetchOutcome {
    }

    /** The selection moved forward: the previous head is an ancestor of the new one. */
    record FastForward(ObjectId previous, ObjectId commit, String ref) implements FetchOutcome {
    }

    /**
     * The selection moved to a commit that does not contain the previous head: history was rewritten
     * ({@code git push --force}, a moved tag), or a semver range selected a tag on another line.
     */
    record ForcePushed(ObjectId previous, ObjectId commit, String ref) implements FetchOutcome {
    }
}
