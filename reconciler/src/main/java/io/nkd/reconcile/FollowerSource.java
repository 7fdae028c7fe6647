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

    public FollowerSource(RepoFollower follower, CommitVerifier verifier) {
        this.follower = follower;
        this.verifier = verifier;
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
