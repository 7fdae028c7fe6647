package io.nkd.status;

import io.nkd.state.ClusterState;
import io.nkd.state.ClusterView;
import io.nkd.state.CorruptStateException;
import io.nkd.state.Recovery;
import io.nkd.state.Sensitivity;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Status and history of a cluster in the state store ({@code status.json}, {@code history.json}).
 *
 * <p>Both are nkd's own bookkeeping, recomputed or appended on every reconcile, so a corrupt one never stops
 * anything: an unreadable status reads as a status that says so (phase {@code UNKNOWN}, the {@code Ready}
 * condition and {@code lastError} naming the file and what to do) and is replaced by the next reconcile; an
 * unreadable history is kept aside as {@value #HISTORY_CORRUPT} and a new one started. One cluster's corrupt
 * file therefore never hides another cluster's status.
 */
public final class StatusStore {
    private static final Logger LOG = LoggerFactory.getLogger(StatusStore.class);
    static final String STATUS = "status.json";
    static final String HISTORY = "history.json";
    static final String HISTORY_CORRUPT = "history.corrupt.json";
    /** History keeps the most recent attempts; Git keeps the full record of what changed. */
    public static final int HISTORY_LIMIT = 200;

    /** The stored history document. */
    public record History(List<HistoryEntry> entries) {
        public History {
            entries = entries == null ? List.of() : List.copyOf(entries);
        }
    }

    /**
     * Statuses that could not be saved (a full disk), by {@link ClusterView#location}: shown instead of the stored
     * one until a save succeeds, so the status says what is wrong while it lasts instead of what was last written.
     */
    private static final java.util.concurrent.ConcurrentMap<String, ClusterStatus> UNSAVED =
            new java.util.concurrent.ConcurrentHashMap<>();

    private StatusStore() {
    }

    /**
     * The stored status, empty if there is none yet. A corrupt file reads as a status that reports it (see the
     * class comment); it is never thrown, so listing every cluster's status cannot fail because of one.
     */
    public static Optional<ClusterStatus> status(ClusterView view) {
        ClusterStatus unsaved = UNSAVED.get(view.location());
        if (unsaved != null) {
            return Optional.of(unsaved);
        }
        try {
            return view.readJson(STATUS, ClusterStatus.class, Recovery.REGENERATED);
        } catch (CorruptStateException e) {
            return Optional.of(unreadable(view.cluster(), e));
        }
    }

    /** What an unreadable status.json reads as: nothing known, and why. */
    static ClusterStatus unreadable(String cluster, CorruptStateException e) {
        return unreadable(cluster, e.getMessage());
    }

    /** What a status file with this problem reads as (phase UNKNOWN, Ready Unknown with reason StatusUnreadable). */
    public static ClusterStatus unreadable(String cluster, String problem) {
        String message = problem + " The next reconcile of the cluster rewrites it.";
        Condition ready = new Condition("Ready", Condition.Status.UNKNOWN, Reasons.STATUS_UNREADABLE, message, null, null);
        return new ClusterStatus(cluster, null, null, ClusterStatus.Phase.UNKNOWN, List.of(ready), List.of(), List.of(),
                new ClusterStatus.LastError(null, Reasons.STATUS_UNREADABLE, message, null), null, null);
    }

    /** The history, oldest first. @throws CorruptStateException naming the file if it is unreadable */
    public static List<HistoryEntry> history(ClusterView view) {
        return view.readJson(HISTORY, History.class, Recovery.REGENERATED).map(History::entries).orElse(List.of());
    }

    /**
     * Saves the status. If the state directory refuses the write (a full disk), the status is still shown by
     * {@link #status} in this process until a later save succeeds, and the failure is thrown.
     */
    public static void save(ClusterState state, ClusterStatus status) {
        try {
            state.writeJson(STATUS, status, Sensitivity.PUBLIC);
            UNSAVED.remove(state.location());
        } catch (io.nkd.state.StateIOException e) {
            UNSAVED.put(state.location(), status);
            throw e;
        }
    }

    /**
     * Completes the latest applied entry that is still in progress (its machines were being provisioned) with how
     * it ended, keeping the time it was applied. Does nothing when there is none.
     */
    public static void complete(ClusterState state, Instant at, String reason, String message) {
        complete(state, HistoryEntry.Outcome.APPLIED, at, reason, message);
    }

    /** Marks the latest rollout entry (nkd wrote a new target) as done, unless it already is. */
    public static void completeRollout(ClusterState state, Instant at, String reason, String message) {
        complete(state, HistoryEntry.Outcome.ROLLOUT, at, reason, message);
    }

    private static void complete(ClusterState state, HistoryEntry.Outcome outcome, Instant at, String reason, String message) {
        List<HistoryEntry> entries = new ArrayList<>(history(state));
        for (int i = entries.size() - 1; i >= 0; i--) {
            HistoryEntry e = entries.get(i);
            if (e.outcome() == outcome) {
                if (e.completed() != null) {
                    return;
                }
                entries.set(i, e.completedAt(at, reason, message));
                state.writeJson(HISTORY, new History(entries), Sensitivity.PUBLIC);
                return;
            }
        }
    }

    /** Appends an attempt; a run of identical "unchanged" polls is not recorded again and again. */
    public static void record(ClusterState state, HistoryEntry entry) {
        if (entry.outcome() == HistoryEntry.Outcome.UNCHANGED) {
            return;
        }
        List<HistoryEntry> entries = new ArrayList<>(readForAppend(state));
        HistoryEntry last = entries.isEmpty() ? null : entries.get(entries.size() - 1);
        if (last != null && Objects.equals(last.revision(), entry.revision()) && last.outcome() == entry.outcome()
                && Objects.equals(last.reason(), entry.reason())) {
            return; // the same commit ending the same way again (a retry, a re-request) is not new history
        }
        entries.add(entry);
        if (entries.size() > HISTORY_LIMIT) {
            entries = entries.subList(entries.size() - HISTORY_LIMIT, entries.size());
        }
        state.writeJson(HISTORY, new History(entries), Sensitivity.PUBLIC);
    }

    /** The history to append to; a corrupt one is kept aside for a human and a new one begins. */
    private static List<HistoryEntry> readForAppend(ClusterState state) {
        try {
            return history(state);
        } catch (CorruptStateException e) {
            state.write(HISTORY_CORRUPT, state.read(HISTORY).orElse(new byte[0]), Sensitivity.PUBLIC);
            LOG.warn("cluster {}: {} Kept it as {} and started a new history.", state.cluster(), e.getMessage(), HISTORY_CORRUPT);
            return List.of();
        }
    }
}
