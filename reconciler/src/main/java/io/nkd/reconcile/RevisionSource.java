package io.nkd.reconcile;

import io.nkd.config.Snapshot;
import java.util.Optional;

/** Where desired revisions come from (a followed Git ref). */
public interface RevisionSource {
    /**
     * Checks for a new revision. Returns the snapshot of the head when it differs from {@code known}, empty when
     * unchanged. Throws {@link SourceException} when the source cannot be read or the head must not be applied.
     */
    Optional<Snapshot> poll(String known) throws SourceException;

    /** A human description ("https://git.example.com/ops/clusters.git @ main") without credentials. */
    String describe();

    /**
     * Records how applying a commit ended, where the source can keep it (Git notes on {@code refs/notes/nkd},
     * pushed when the remote accepts it). Never throws; the default keeps nothing.
     */
    default void recordOutcome(String revision, String cluster, String outcome) {
    }

    /**
     * The Git repository (its working copy or its .git directory) that holds the commits this source reads, for
     * read-only questions about other revisions (the console's plan view); empty where there is none.
     */
    default Optional<java.nio.file.Path> repository() {
        return Optional.empty();
    }

    /** The source could not be read, or its head must not be applied (e.g. an unsigned commit). */
    final class SourceException extends Exception {
        private final String reason;

        public SourceException(String reason, String message) {
            super(message, null, false, false);
            this.reason = reason;
        }

        public String reason() {
            return reason;
        }
    }
}
