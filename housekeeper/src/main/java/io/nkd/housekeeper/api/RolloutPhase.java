package io.nkd.housekeeper.api;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Where an Update's rollout stands, in {@code status.phase}. */
public enum RolloutPhase {
    /** Seen, nothing started yet (or waiting for another Update to finish). */
    @JsonProperty("Pending") PENDING,
    @JsonProperty("Progressing") PROGRESSING,
    /** {@code spec.paused}: no new node is started. */
    @JsonProperty("Paused") PAUSED,
    /** A node failed; no new node is started until the Update changes or the node gets the retry annotation. */
    @JsonProperty("Degraded") DEGRADED,
    /** Every node runs the target. */
    @JsonProperty("Completed") COMPLETED
}
