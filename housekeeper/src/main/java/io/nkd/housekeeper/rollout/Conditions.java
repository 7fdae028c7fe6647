package io.nkd.housekeeper.rollout;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.nkd.housekeeper.api.ConditionType;
import io.nkd.housekeeper.api.RolloutPhase;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * The one place that computes an Update's conditions, from the phase and the facts the planner gathered. Every
 * condition always carries a reason; lastTransitionTime moves only when the condition's status changes.
 */
final class Conditions {
    private Conditions() {
    }

    /**
     * @param progressReason why the rollout is (or waits while) progressing, used when the phase is Progressing
     * @param progressMessage a sentence for Progressing
     * @param degradedReason the reason when Degraded, else null
     * @param degradedMessage names the node(s) and the reason when Degraded
     * @param summary "k of n nodes updated"
     * @param waitingFor the Update this one waits for (phase Pending), else null
     */
    static List<Condition> compute(RolloutPhase phase, long generation, String progressReason, String progressMessage,
                                   String degradedReason, String degradedMessage, String summary, String waitingFor,
                                   List<Condition> previous, Instant now) {
        String progressingReason;
        String progressingMessage;
        switch (phase) {
            case PROGRESSING -> {
                progressingReason = progressReason;
                progressingMessage = progressMessage;
            }
            case PAUSED -> {
                progressingReason = ConditionReason.PAUSED.wire();
                progressingMessage = "spec.paused is true: no new node is started; " + summary;
            }
            case DEGRADED -> {
                progressingReason = ConditionReason.HALTED.wire();
                progressingMessage = "halted: " + degradedMessage;
            }
            case COMPLETED -> {
                progressingReason = ConditionReason.ALL_NODES_UPDATED.wire();
                progressingMessage = summary;
            }
            case PENDING -> {
                progressingReason = ConditionReason.WAITING_FOR_UPDATE.wire();
                progressingMessage = "waiting for Update " + waitingFor + " to complete: the Updates of one namespace "
                        + "roll out one at a time, oldest first";
            }
            default -> throw new IllegalStateException("unknown phase " + phase);
        }
        Condition progressing = condition(ConditionType.PROGRESSING, phase == RolloutPhase.PROGRESSING,
                progressingReason, progressingMessage, generation, previous, now);
        Condition degraded = phase == RolloutPhase.DEGRADED
                ? condition(ConditionType.DEGRADED, true, degradedReason, degradedMessage, generation, previous, now)
                : condition(ConditionType.DEGRADED, false, ConditionReason.NO_FAILURE.wire(), "no node failed",
                generation, previous, now);
        Condition completed = condition(ConditionType.COMPLETED, phase == RolloutPhase.COMPLETED,
                phase == RolloutPhase.COMPLETED ? ConditionReason.ALL_NODES_UPDATED.wire()
                        : ConditionReason.NODES_REMAINING.wire(), summary, generation, previous, now);
        return List.of(progressing, degraded, completed);
    }

    private static Condition condition(ConditionType type, boolean on, String reason, String message, long generation,
                                       List<Condition> previous, Instant now) {
        String status = on ? "True" : "False";
        String since = previous.stream()
                .filter(c -> type.type().equals(c.getType()) && status.equals(c.getStatus()))
                .map(Condition::getLastTransitionTime).filter(Objects::nonNull).findFirst()
                .orElse(Times.format(now));
        return new ConditionBuilder().withType(type.type()).withStatus(status).withReason(reason).withMessage(message)
                .withObservedGeneration(generation).withLastTransitionTime(since).build();
    }
}
