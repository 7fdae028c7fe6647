package io.nkd.housekeeper.rollout;

import io.nkd.housekeeper.api.RolloutPhase;
import io.nkd.housekeeper.api.UpdateStatus;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static io.nkd.housekeeper.rollout.Fixtures.NEW_IMAGE;
import static io.nkd.housekeeper.rollout.Fixtures.spec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

class UpdateQueueTest {
    private static UpdateRef update(String name, int ageSeconds, long generation, RolloutPhase phase, Long observed) {
        UpdateStatus status = phase == null ? null : new UpdateStatus(phase, observed, null, 0, 0, 0, 0, null, null,
                null, null);
        return new UpdateRef("hk", name, "uid-" + name, generation, Instant.parse("2026-01-01T00:00:00Z")
                .plusSeconds(ageSeconds), spec(NEW_IMAGE, null, 1), status);
    }

    private static String describe(UpdateQueue.Turn t) {
        if (t instanceof UpdateQueue.Turn.Wait w) {
            return t.update().name() + ":wait:" + w.driver();
        }
        return t.update().name() + (t instanceof UpdateQueue.Turn.Drive ? ":drive" : ":done");
    }

    @Test
    void theOldestUnfinishedDrivesAndTheOthersWaitForIt() {
        List<UpdateQueue.Turn> turns = UpdateQueue.turns(List.of(update("c", 30, 1, null, null),
                update("a", 10, 1, RolloutPhase.COMPLETED, 1L), update("b", 20, 2, RolloutPhase.COMPLETED, 1L)));
        assertEquals(List.of("a:done", "b:drive", "c:wait:b"), turns.stream().map(UpdateQueueTest::describe).toList());
    }

    @Test
    void whenAllCompletedTheNewestKeepsDriving() {
        List<UpdateQueue.Turn> turns = UpdateQueue.turns(List.of(update("a", 10, 1, RolloutPhase.COMPLETED, 1L),
                update("b", 20, 3, RolloutPhase.COMPLETED, 3L)));
        assertEquals(List.of("a:done", "b:drive"), turns.stream().map(UpdateQueueTest::describe).toList());
    }

    @Test
    void aSingleUpdateAlwaysDrives() {
        assertInstanceOf(UpdateQueue.Turn.Drive.class,
                UpdateQueue.turns(List.of(update("a", 0, 1, RolloutPhase.DEGRADED, 1L))).get(0));
        assertEquals(List.of(), UpdateQueue.turns(List.of()));
    }

    @Test
    void sameAgeIsOrderedByName() {
        List<UpdateQueue.Turn> turns = UpdateQueue.turns(List.of(update("y", 0, 1, null, null),
                update("x", 0, 1, null, null)));
        assertEquals(List.of("x:drive", "y:wait:x"), turns.stream().map(UpdateQueueTest::describe).toList());
    }
}
