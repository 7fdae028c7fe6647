package io.nkd.config;

import io.nkd.yaml.Doc;
import io.nkd.yaml.Required;
import java.util.List;

/** {@code images/*.yaml}: named NestOS releases pinned by digest. */
@Doc("A catalog of NestOS images. Lives in images/*.yaml; clusters refer to releases by name.")
public record ImageCatalog(
        @Required @Doc("Always nkd.io/v1alpha1.") String apiVersion,
        @Required @Doc("Always ImageCatalog.") String kind,
        @Required @Doc("Releases in this catalog.") List<Release> images) {

    @Doc("One NestOS release.")
    public record Release(
            @Required @Doc(value = "Name clusters use in spec.os.image.", example = "nestos-24.09") String name,
            @Required @Doc("OCI image reference pinned by digest (…@sha256:<64 hex>).") String osImageURL,
            @Required @Doc(value = "NestOS version.", example = "24.09.20241120") String osVersion,
            @Required @Doc(value = "Kubernetes version baked into the image (kubeadm, kubelet).", example = "v1.31.4")
            String kubernetesVersion,
            @Doc("CPU architecture (default x86_64).") String arch) {
        public Release {
            arch = arch == null ? "x86_64" : arch;
        }
    }
}
