package io.nkd.status;

import io.nkd.state.ClusterState;
import io.nkd.state.ClusterView;
import io.nkd.state.Recovery;
import io.nkd.state.Sensitivity;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Status and history of a cluster in the state store ({@code status.json}, {@code history.json}). */
public final class StatusStore {
    static final String STATUS = "status.json";
    static final String HISTORY = "history.json";
    /** History keeps the most recent attempts; Git keeps the full record of what changed. */
    public static final int HISTORY_LIMIT = 200;

    /** The stored history document. */
    public record History(List<HistoryEntry> entries) {
        public History {
            entries = entries == null ? List.of() : List.copyOf(entries);
        }
    }

    private StatusStore() {
    }

    public static Optional<ClusterStatus> status(ClusterView view) {
        return view.readJson(STATUS, ClusterStatus.class, Recovery.REGENERATED);
    }

    public static List<HistoryEntry> history(ClusterView view) {
        return view.readJson(HISTORY, History.class, Recovery.REGENERATED).map(History::entries).orElse(List.of());
    }

    public static void save(ClusterState state, ClusterStatus status) {
        state.writeJson(STATUS, status, Sensitivity.PUBLIC);
    }

    /**
     * Completes the latest applied entry that is still in progress (its machines were being provisioned) with how
     * it ended, keeping the time it was applied. Does nothing when there is none.
     */
    public static void complete(ClusterState state, Instant at, String reason, String message) {
        List<HistoryEntry> entries = new ArrayList<>(history(state));
        for (int i = entries.size() - 1; i >= 0; i--) {
            HistoryEntry e = entries.get(i);
            if (e.outcome() == HistoryEntry.Outcome.APPLIED) {
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
        List<HistoryEntry> entries = new ArrayList<>(history(state));
        if (entry.outcome() == HistoryEntry.Outcome.UNCHANGED) {
            return;
        }
        HistoryEntry last = entries.isEmpty() ? null : entries.get(entries.size() - 1);
        if (last != null && last.revision().equals(entry.revision()) && last.outcome() == entry.outcome()
                && java.util.Objects.equals(last.reason(), entry.reason())) {
            return; // the same commit ending the same way again (a retry, a re-request) is not new history
        }
        entries.add(entry);
        if (entries.size() > HISTORY_LIMIT) {
            entries = entries.subList(entries.size() - HISTORY_LIMIT, entries.size());
        }
        state.writeJson(HISTORY, new History(entries), Sensitivity.PUBLIC);
    }
}
