package io.nkd.housekeeper.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import java.util.List;

/**
 * How the Update's {@code spec.certificateRenewal} request goes (nkd's extension; see housekeeper/CONTRACT.md).
 *
 * @param request     the request this status is for
 * @param phase       Waiting, Progressing, Completed or Failed
 * @param message     what it waits for, which node renews, or which node failed and why
 * @param nodes       every control-plane node, by name
 * @param completedAt RFC 3339 time every control-plane node had renewed, or null
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record CertificateRenewalStatus(
        @JsonPropertyDescription("The spec.certificateRenewal request this status is for") String request,
        @JsonPropertyDescription("Waiting, Progressing, Completed or Failed") CertificateRenewalPhase phase,
        @JsonPropertyDescription("What the renewal waits for, which node renews, or which failed and why")
        String message,
        @JsonPropertyDescription("Every control-plane node, by name") List<CertificateRenewalNode> nodes,
        @JsonPropertyDescription("RFC 3339 time every control-plane node had renewed") String completedAt) {
    public CertificateRenewalStatus {
        nodes = nodes == null ? List.of() : List.copyOf(nodes);
    }
}
