package io.nkd.config;

import io.nkd.yaml.Doc;

/** The NestOS image of every node: a catalog name, or an image reference pinned by digest. */
@Doc("The OS image: either image (a name from images/*.yaml) or osImageURL (pinned by digest), not both.")
public record OsSpec(
        @Doc(value = "Name of a release in an ImageCatalog under images/.", example = "nestos-24.09") String image,
        @Doc(value = "OCI image reference pinned by digest, for rpm-ostree rebase.",
                example = "hub.oepkgs.net/nestos/nestos@sha256:0123…") String osImageURL) {
}
