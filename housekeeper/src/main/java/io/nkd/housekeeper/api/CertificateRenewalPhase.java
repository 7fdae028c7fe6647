package io.nkd.housekeeper.api;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Where a certificate renewal request stands, in {@code status.certificateRenewal.phase}. */
public enum CertificateRenewalPhase {
    /** Requested, no node started: the message says what it waits for (a rollout, etcd's health, a NotReady node). */
    @JsonProperty("Waiting") WAITING,
    /** One control-plane node renews. */
    @JsonProperty("Progressing") PROGRESSING,
    /** Every control-plane node renewed for the request. */
    @JsonProperty("Completed") COMPLETED,
    /** A node failed: no further node is started until a new request id is written. */
    @JsonProperty("Failed") FAILED
}
