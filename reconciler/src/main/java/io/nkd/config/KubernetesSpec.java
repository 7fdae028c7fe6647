package io.nkd.config;

import io.nkd.yaml.Doc;
import io.nkd.yaml.Required;
import io.nkd.yaml.WireEnum;
import java.util.List;
import java.util.Map;

/** Kubernetes version, networking and component settings; what kubeadm's ClusterConfiguration holds. */
@Doc("Kubernetes settings (kubeadm ClusterConfiguration and InitConfiguration).")
public record KubernetesSpec(
        @Required @Doc(value = "Kubernetes version (v1.MINOR.PATCH).", example = "v1.31.4") String version,
        @Required @Doc(value = "Stable address of the API server: host or IP, optional :port (default 6443). "
                + "A load balancer or VIP for HA control planes.", example = "10.0.0.10:6443") String controlPlaneEndpoint,
        @Doc(value = "Registry for control-plane images.", example = "registry.k8s.io") String imageRepository,
        @Doc(value = "The sandbox (pause) image. Default: pause from imageRepository, with the tag kubeadm of "
                + "the Kubernetes version uses (3.9 for 1.26 to 1.30, 3.10 from 1.31).", example = "registry.k8s.io/pause:3.10") String pauseImage,
        @Doc("Container runtime on every node.") Runtime runtime,
        @Doc(value = "Pod network CIDR (must match the CNI add-on).", example = "10.244.0.0/16") String podSubnet,
        @Doc(value = "Service network CIDR.", example = "10.96.0.0/12") String serviceSubnet,
        @Doc(value = "Cluster DNS domain.", example = "cluster.local") String dnsDomain,
        @Doc("Extra Subject Alternative Names (DNS names or IPs) for the API server certificate.") List<String> apiServerCertSANs,
        @Doc("Extra command-line flags for the API server (flag name without dashes: value).") Map<String, String> apiServerExtraArgs,
        @Doc("Extra command-line flags for the controller manager.") Map<String, String> controllerManagerExtraArgs,
        @Doc("Extra command-line flags for the scheduler.") Map<String, String> schedulerExtraArgs,
        @Doc("Extra command-line flags for every kubelet.") Map<String, String> kubeletExtraArgs,
        @Doc("Registry mirrors and registries reached without TLS verification, per registry, for the container runtime "
                + "of every node (containerd: certs.d hosts.toml; CRI-O: registries.conf.d; Docker and iSulad: daemon.json, "
                + "which know mirrors for docker.io only).") List<Registry> registries) {

    public KubernetesSpec {
        imageRepository = imageRepository == null ? "registry.k8s.io" : imageRepository;
        pauseImage = pauseImage == null ? imageRepository + "/pause:" + defaultPauseVersion(version) : pauseImage;
        runtime = runtime == null ? Runtime.CONTAINERD : runtime;
        podSubnet = podSubnet == null ? "10.244.0.0/16" : podSubnet;
        serviceSubnet = serviceSubnet == null ? "10.96.0.0/12" : serviceSubnet;
        dnsDomain = dnsDomain == null ? "cluster.local" : dnsDomain;
        apiServerCertSANs = apiServerCertSANs == null ? List.of() : apiServerCertSANs;
        apiServerExtraArgs = apiServerExtraArgs == null ? Map.of() : apiServerExtraArgs;
        controllerManagerExtraArgs = controllerManagerExtraArgs == null ? Map.of() : controllerManagerExtraArgs;
        schedulerExtraArgs = schedulerExtraArgs == null ? Map.of() : schedulerExtraArgs;
        kubeletExtraArgs = kubeletExtraArgs == null ? Map.of() : kubeletExtraArgs;
        registries = registries == null ? List.of() : List.copyOf(registries);
    }

    /**
     * How the container runtime pulls from one registry: mirrors first, in order, then the registry itself.
     * An {@code http://} mirror, a self-signed certificate or a plain-HTTP registry needs {@code insecure: true}: it is
     * never implied, because it gives up the integrity of every image pulled through it unless pinned by digest.
     */
    @Doc("Pulls from one registry: mirrors first, then the registry.")
    public record Registry(
            @Required @Doc(value = "The registry images name: host or host:port, no scheme or path.", example = "docker.io") String prefix,
            @Doc(value = "Mirror URLs tried first, in order (https://, or http:// with insecure: true).",
                    example = "https://mirror.example.com") List<String> mirrors,
            @Doc("Reach the registry and its mirrors without verifying TLS certificates (and over plain HTTP where a "
                    + "mirror says http://). Default false.") Boolean insecure) {
        public Registry {
            mirrors = mirrors == null ? List.of() : List.copyOf(mirrors);
            insecure = insecure != null && insecure;
        }
    }

    /** The pause tag of the version's minor release; the newest one's when the version does not parse (reported elsewhere). */
    private static String defaultPauseVersion(String version) {
        try {
            return KubernetesVersion.parse(version).pauseVersion();
        } catch (IllegalArgumentException e) {
            return KubernetesVersion.NEWEST_SUPPORTED_MINOR.pauseVersion();
        }
    }

    /** Container runtimes NestOS ships, each with its CRI socket. */
    public enum Runtime implements WireEnum {
        ISULAD("isulad", "unix:///var/run/isulad.sock"),
        CONTAINERD("containerd", "unix:///run/containerd/containerd.sock"),
        CRIO("crio", "unix:///var/run/crio/crio.sock"),
        DOCKER("docker", "unix:///var/run/cri-dockerd.sock");

        private final String wire;
        private final String criSocket;

        Runtime(String wire, String criSocket) {
            this.wire = wire;
            this.criSocket = criSocket;
        }

        @Override
        public String wire() {
            return wire;
        }

        /** The CRI endpoint kubelet and kubeadm use (docker goes through cri-dockerd). */
        public String criSocket() {
            return criSocket;
        }
    }
}
