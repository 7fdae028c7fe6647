package io.nkd.housekeeper.api;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.List;

/**
 * Agent → operator, as JSON in {@link NodeKeys#CERTIFICATE_REPORT_ANNOTATION}: the last certificate renewal of this
 * node. It stays after the operator removed the assignment, so it also says which request the node last renewed for
 * and until when its certificates are valid.
 *
 * @param request      the request it refers to
 * @param state        Renewing, Renewed or Failed
 * @param message      the step in progress, or the failure with the command, its exit status and output tail
 * @param since        RFC 3339 time {@code state} was entered (for Renewed: when the renewal finished)
 * @param notAfter     the earliest expiry among {@code certificates} (RFC 3339), once known
 * @param certificates each certificate kubeadm lists, with its expiry, after the renewal
 * @param lastCommand  the last host command of the renewal
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record CertificateRenewalReport(String request, CertificateRenewalState state, String message, String since,
                                       String notAfter, List<CertificateExpiry> certificates,
                                       CommandRecord lastCommand) {
    public CertificateRenewalReport {
        certificates = certificates == null ? List.of() : List.copyOf(certificates);
    }

    /** Finished (Renewed or Failed) for {@code request}. */
    public boolean finished(String request) {
        return request != null && request.equals(this.request)
                && (state == CertificateRenewalState.RENEWED || state == CertificateRenewalState.FAILED);
    }
}
