package io.nkd.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReconcileResultTest {
    /** The labels are metric tags, log values and git-note words: dashboards and alerts depend on this spelling. */
    @Test
    void labelsKeepTheirPublishedSpelling() {
        assertEquals(List.of("success", "paused", "stalled", "retry", "error"),
                Arrays.stream(ReconcileResult.values()).map(ReconcileResult::label).toList());
    }

    /** Only a transient failure is retried with backoff; a stall waits for the next commit. */
    @Test
    void onlyRetryRetries() {
        assertEquals(List.of(ReconcileResult.RETRY),
                Arrays.stream(ReconcileResult.values()).filter(ReconcileResult::retries).toList());
    }
}
