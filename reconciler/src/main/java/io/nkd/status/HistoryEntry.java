package io.nkd.status;

import java.time.Instant;

/**
 * One attempt to apply a commit to a cluster: when, and how it ended.
 *
 * @param time      when nkd first applied (or failed, or refused) the commit
 * @param completed for an applied commit, when nkd's work on it ended: every node ran its desired config
 *                  (Ready), or all that remains needs a rollout nkd cannot do yet, or a machine failed; null
 *                  while its machines are still being provisioned, and for failures and refusals
 */
public record HistoryEntry(String revision, Instant time, Outcome outcome, String reason, String message, Instant completed) {
    /** ROLLOUT: nkd wrote a new target into the Housekeeper's Update; completed when every node reached it. */
    public enum Outcome { APPLIED, FAILED, REFUSED, UNCHANGED, ROLLOUT }

    public HistoryEntry(String revision, Instant time, Outcome outcome, String reason, String message) {
        this(revision, time, outcome, reason, message, null);
    }

    /** This entry, marked as done at {@code at} with how it ended. */
    public HistoryEntry completedAt(Instant at, String endReason, String endMessage) {
        return new HistoryEntry(revision, time, outcome, endReason, endMessage, at);
    }
}
