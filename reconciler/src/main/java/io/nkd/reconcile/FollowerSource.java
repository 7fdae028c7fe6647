package io.nkd.reconcile;

import io.nkd.config.Snapshot;
import io.nkd.git.CommitVerifier;
import io.nkd.git.FetchOutcome;
import io.nkd.git.GitException;
import io.nkd.git.RepoFollower;
import io.nkd.git.SignatureVerdict;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows a remote ref through nkd's own clone: one ref advertisement per poll, a fetch only when the head moved,
 * force-pushes reported (nkd converges on the new head), and, with a keyring, only commits signed by a trusted
 * key are applied — an unsigned or untrusted head is reported and never applied.
 */
public final class FollowerSource implements RevisionSource {
    private static final Logger LOG = LoggerFactory.getLogger(FollowerSource.class);
    private final RepoFollower follower;
    private final CommitVerifier verifier;
    private final io.nkd.git.GitNotes notes;

    /** @param writeNotes record each cluster's outcome as a Git note on refs/notes/nkd and push it */
    public FollowerSource(RepoFollower follower, CommitVerifier verifier, boolean writeNotes) {
        this.follower = follower;
        this.verifier = verifier;
        this.notes = writeNotes ? new io.nkd.git.GitNotes(follower) : null;
    }

    @Override
    public void recordOutcome(String revision, String cluster, String outcome) {
        if (notes == null) {
            return;
        }
        var result = notes.append(org.eclipse.jgit.lib.ObjectId.fromString(revision),
                "nkd: cluster " + cluster + ": " + outcome + " at " + java.time.Instant.now(), true);
        if (!(result instanceof io.nkd.git.NoteResult.Pushed)) {
            LOG.warn("git note for commit {} cluster={} not pushed: {}", Snapshot.shortId(revision), cluster, result);
        }
    }

    @Override
    public Optional<java.nio.file.Path> repository() {
        return Optional.of(follower.repository().getDirectory().toPath()); // nkd's own clone (bare)
    }

    @Override
    public Optional<Snapshot> poll(String known) throws SourceException {
        try {
            FetchOutcome outcome = follower.fetch();
            if (outcome instanceof FetchOutcome.ForcePushed fp) {
                LOG.warn("force-push detected on {}: {} was replaced by {} (not a descendant); converging on the new head",
                        follower.source().ref().describe(), fp.previous().name(), fp.commit().name());
            }
            if (outcome.commit().name().equals(known)) {
                return Optional.empty();
            }
            if (verifier != null) {
                SignatureVerdict verdict = verifier.verify(follower.repository(), outcome.commit());
                if (!verdict.trusted()) {
                    throw new SourceException("UntrustedCommit", "head " + outcome.commit().name() + " is not applied: "
                            + ((SignatureVerdict.Rejected) verdict).message());
                }
            }
            return Optional.of(follower.snapshot(outcome.commit()));
        } catch (GitException e) {
            throw new SourceException(e.getClass().getSimpleName(), e.getMessage());
        }
    }

    @Override
    public String describe() {
        return follower.source().uri() + " @ " + follower.source().ref().describe();
    }
}
