package io.nkd.housekeeper.api;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * One rpm-ostree deployment of a node, as the agent reads it from {@code rpm-ostree status --json}.
 *
 * @param image     the container image it came from, without rpm-ostree's transport prefix
 *                  ({@code quay.io/fedora/fedora-coreos:stable}); null for a deployment not made from an image
 * @param digest    the image's manifest digest ({@code base-commit-meta."ostree.manifest-digest"}); null if unknown
 * @param checksum  the ostree commit it boots
 * @param version   the OS version string, or null
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record OsDeployment(String image, String digest, String checksum, String version) {

    /**
     * "image@digest" or what of it is known, for logs and status. An image rebased to by digest (nkd always pins)
     * already names it: {@code quay.io/x/os@sha256:…} stays as it is, never {@code …@sha256:…@sha256:…} (which no image
     * reference parser reads, and so never matches a target).
     */
    public String describe() {
        String d = digest == null || image != null && image.contains("@") ? "" : "@" + digest;
        return (image == null ? "commit " + checksum : image) + d;
    }
}
