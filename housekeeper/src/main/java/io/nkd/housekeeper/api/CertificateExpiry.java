package io.nkd.housekeeper.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/**
 * One certificate kubeadm manages on a control-plane node, as {@code kubeadm certs check-expiration} lists it.
 *
 * @param name     kubeadm's name: {@code apiserver}, {@code etcd-server}, {@code admin.conf}, …
 * @param notAfter RFC 3339 time it expires
 */
public record CertificateExpiry(
        @JsonPropertyDescription("kubeadm's name of the certificate: apiserver, etcd-server, admin.conf, ...")
        String name,
        @JsonPropertyDescription("RFC 3339 time it expires") String notAfter) {
}
