package io.nkd.housekeeper.api;

/**
 * Operator → agent, as JSON in {@link NodeKeys#CERTIFICATE_RENEWAL_ANNOTATION} on one control-plane Node: renew the
 * certificates kubeadm issued on this node for {@code request}. At most one node carries it at a time; the operator
 * removes it once the agent reported the request Renewed or Failed.
 *
 * @param update  the Update that asks, "namespace/name"
 * @param request the Update's {@code spec.certificateRenewal}
 */
public record CertificateRenewalAssignment(String update, String request) {
}
