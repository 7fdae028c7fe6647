package io.nkd.housekeeper.rollout;

import io.nkd.housekeeper.api.UpdateStatus;

import java.util.List;
import java.util.Objects;

/**
 * What the planner decided for one Update: the node changes, the new status and the events to post once that
 * status is written.
 */
public record RolloutDecision(UpdateRef update, List<NodeAction> actions, UpdateStatus status,
                              List<RolloutEvent> events) {
    public RolloutDecision {
        Objects.requireNonNull(update, "update");
        actions = List.copyOf(actions);
        Objects.requireNonNull(status, "status");
        events = List.copyOf(events);
    }

    public List<NodeAction.Assign> assignments() {
        return actions.stream().filter(NodeAction.Assign.class::isInstance).map(NodeAction.Assign.class::cast).toList();
    }

    public List<String> releases() {
        return actions.stream().filter(NodeAction.Release.class::isInstance).map(NodeAction::node).toList();
    }

    public List<String> completedLabelCleanups() {
        return actions.stream().filter(NodeAction.ClearCompleted.class::isInstance).map(NodeAction::node).toList();
    }

    /** The status differs from the one the Update carries: it must be written. */
    public boolean statusChanged() {
        return !status.equals(update.status());
    }
}
