package io.nkd.housekeeper.api;

import com.fasterxml.jackson.annotation.JsonProperty;

/** One node's place in a rollout, in {@code status.nodes[].state}. */
public enum NodeUpdateState {
    /** Not at the target and not started yet. */
    @JsonProperty("Pending") PENDING,
    /** Selected; its agent works on it ({@code status.nodes[].step} says which step). */
    @JsonProperty("Updating") UPDATING,
    /** Verified: booted image and kubelet version equal the target, node Ready. */
    @JsonProperty("Updated") UPDATED,
    @JsonProperty("Failed") FAILED
}
