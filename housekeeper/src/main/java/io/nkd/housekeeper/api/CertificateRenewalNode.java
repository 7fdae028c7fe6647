package io.nkd.housekeeper.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/**
 * One control-plane node in {@code status.certificateRenewal.nodes}.
 *
 * @param name     the Node
 * @param state    Pending, Renewing, Renewed or Failed for the current request
 * @param renewed  the request the node last renewed for (the current one once Renewed), or null
 * @param since    RFC 3339 time of the state (for Renewed: when the renewal finished)
 * @param notAfter RFC 3339 time its earliest certificate expires, as its agent last reported, or null
 * @param message  the step in progress or the failure
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record CertificateRenewalNode(
        @JsonPropertyDescription("The control-plane Node") String name,
        @JsonPropertyDescription("Pending, Renewing, Renewed or Failed for the current request")
        CertificateRenewalState state,
        @JsonPropertyDescription("The request the node last renewed its certificates for") String renewed,
        @JsonPropertyDescription("RFC 3339 time of the state") String since,
        @JsonPropertyDescription("RFC 3339 time its earliest kubeadm certificate expires, as its agent reported "
                + "after the last renewal") String notAfter,
        @JsonPropertyDescription("The step in progress, or the failure with the command and its output tail")
        String message) {
}
