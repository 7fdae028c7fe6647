package io.nkd.housekeeper.rollout;

import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Several Updates in one namespace: which one drives the nodes. Two Updates driving the same nodes at once would fight
 * over every node's assignment, so exactly one does:
 * <ul>
 * <li>the oldest (creationTimestamp, then name) that has not completed its current generation drives; the other
 * unfinished ones are Pending, their Progressing condition naming the Update they wait for (a queue of targets);</li>
 * <li>when every Update has completed its generation, the newest keeps driving, so that a node that joins or drifts
 * later is brought to the cluster's latest target; older completed ones are left as they are (their status is
 * history, and re-planning them would roll the cluster back and forth between targets).</li>
 * </ul>
 * A completed Update that gets a new generation is unfinished again and takes its place in the queue by age.
 */
public final class UpdateQueue {
    private static final Comparator<UpdateRef> AGE = Comparator.comparing(UpdateRef::created)
            .thenComparing(UpdateRef::name);

    private UpdateQueue() {
    }

    /** What to do with one Update in this step. */
    public sealed interface Turn {
        UpdateRef update();

        /** Plan it and apply the decision's node actions. */
        record Drive(UpdateRef update) implements Turn {
        }

        /** Plan it for its status only (phase Pending): {@code driver} goes first. */
        record Wait(UpdateRef update, String driver) implements Turn {
        }

        /** Leave it alone: completed, and a newer Update is the cluster's target. */
        record Done(UpdateRef update) implements Turn {
        }
    }

    public static List<Turn> turns(List<UpdateRef> updates) {
        List<UpdateRef> byAge = updates.stream().sorted(AGE).toList();
        Optional<UpdateRef> driver = byAge.stream().filter(u -> !u.completedCurrentGeneration()).findFirst()
                .or(() -> byAge.isEmpty() ? Optional.empty() : Optional.of(byAge.get(byAge.size() - 1)));
        return byAge.stream().<Turn>map(u -> {
            if (driver.isPresent() && driver.get().uid().equals(u.uid())) {
                return new Turn.Drive(u);
            }
            return u.completedCurrentGeneration() ? new Turn.Done(u) : new Turn.Wait(u, driver.get().name());
        }).toList();
    }
}
