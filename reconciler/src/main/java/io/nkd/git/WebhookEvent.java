package io.nkd.git;

import java.util.List;
import java.util.Optional;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;

/** What a (verified) webhook request announces, read by {@link WebhookPayloads}. */
public sealed interface WebhookEvent {
    WebhookProvider provider();

    /**
     * A push of one ref.
     *
     * @param ref            full ref name, {@code refs/heads/main} or {@code refs/tags/v1.2.0}
     * @param after          the new commit; empty when the payload does not say (generic form)
     * @param deleted        the ref was deleted
     * @param repositoryUrls the repository's clone URLs as the payload gives them (HTTPS, SSH), to tell
     *                       which followed repository the push is for
     */
    record Push(WebhookProvider provider, String ref, Optional<ObjectId> after, boolean deleted,
            List<String> repositoryUrls) implements WebhookEvent {
        public Push {
            repositoryUrls = List.copyOf(repositoryUrls);
        }

        /**
         * Whether the push can change what {@code selector} selects: the followed branch or tag, or any tag
         * for a semver range. A pinned commit never moves. Pushes to other refs are ignored.
         */
        public boolean concerns(RefSelector selector) {
            if (selector instanceof RefSelector.Branch b) {
                return ref.equals(b.refName());
            }
            if (selector instanceof RefSelector.Tag t) {
                return ref.equals(t.refName());
            }
            if (selector instanceof RefSelector.Semver) {
                return ref.startsWith(Constants.R_TAGS);
            }
            return false;
        }
    }

    /** An event that is not a push (GitHub's {@code ping}, issues, …): acknowledged, nothing to do. */
    record Ignored(WebhookProvider provider, String event) implements WebhookEvent {
    }

    /** A push event whose body cannot be read; the reason is for the HTTP 400 response. */
    record Invalid(WebhookProvider provider, String reason) implements WebhookEvent {
    }
}
