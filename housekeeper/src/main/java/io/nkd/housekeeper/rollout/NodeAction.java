package io.nkd.housekeeper.rollout;

import io.nkd.housekeeper.api.NodeAssignment;

import java.util.Objects;

/**
 * One change the planner decided for one Node; the controller turns the actions of a node into one JSON merge patch of
 * only the operator's keys.
 */
public sealed interface NodeAction {
    String node();

    /** Why a node gets an assignment. */
    enum Cause {
        /** Its turn came. */
        SELECTED,
        /** It failed and a person set the retry annotation: same target, next attempt. */
        RETRY,
        /** It held an assignment of an older target (or another Update): the new target replaces it. */
        RETARGET
    }

    /** Write the assignment and the {@code upgrading} label (and drop the retry annotation, which it answers). */
    record Assign(String node, NodeAssignment assignment, Cause cause) implements NodeAction {
        public Assign {
            Objects.requireNonNull(node, "node");
            Objects.requireNonNull(assignment, "assignment");
            Objects.requireNonNull(cause, "cause");
        }
    }

    /** The node is verified at the target (or needs nothing): remove the {@code upgrading} label and the assignment. */
    record Release(String node) implements NodeAction {
    }

    /** The rollout is complete: remove the upstream {@code upgradeCompleted} label, as upstream does. */
    record ClearCompleted(String node) implements NodeAction {
    }

    /** A retry annotation on a node that has nothing to retry: removed so that it cannot fire later by surprise. */
    record ClearRetry(String node) implements NodeAction {
    }
}
