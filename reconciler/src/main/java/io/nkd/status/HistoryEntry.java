package io.nkd.status;

import java.time.Instant;

/** One attempt to apply a commit to a cluster: when, and how it ended. */
public record HistoryEntry(String revision, Instant time, Outcome outcome, String reason, String message) {
    public enum Outcome { APPLIED, FAILED, REFUSED, UNCHANGED }
}
