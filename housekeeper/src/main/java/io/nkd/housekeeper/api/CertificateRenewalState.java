package io.nkd.housekeeper.api;

import com.fasterxml.jackson.annotation.JsonProperty;

/** One control-plane node's place in a certificate renewal, in the agent's report and the Update's status. */
public enum CertificateRenewalState {
    /** Not renewed for the current request, and not started. */
    @JsonProperty("Pending") PENDING,
    /** Its agent renews: {@code kubeadm certs renew all}, the restart of the control-plane static pods, /readyz. */
    @JsonProperty("Renewing") RENEWING,
    /** Renewed for the request; the new expiry is reported. */
    @JsonProperty("Renewed") RENEWED,
    /** A step failed; the message names the command, its exit status and the tail of its output. */
    @JsonProperty("Failed") FAILED
}
