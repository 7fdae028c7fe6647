package io.nkd.status;

import java.time.Instant;

/**
 * A status condition in the Kubernetes shape: one aspect of a cluster, always with a reason. Types:
 * {@code Ready}, {@code Reconciling}, {@code Stalled}, plus one per concern ({@code ConfigValid}, {@code Rendered},
 * {@code MachinesReady}, {@code UpToDate}). lastTransitionTime changes only when the status does.
 */
public record Condition(String type, Status status, String reason, String message, String observedRevision,
                        Instant lastTransitionTime) {
    public enum Status { TRUE, FALSE, UNKNOWN }

    @com.fasterxml.jackson.annotation.JsonIgnore
    public boolean isTrue() {
        return status == Status.TRUE;
    }
}
