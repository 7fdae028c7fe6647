package io.nkd.config;

import io.nkd.yaml.Doc;
import io.nkd.yaml.Required;
import io.nkd.yaml.WireEnum;
import java.util.List;

/** Where machines come from, and the provider's settings. Credentials are references, never inline. */
@Doc("The infrastructure provider and its settings. Exactly the block matching provider is read.")
public record Infrastructure(
        @Required @Doc("openstack, libvirt, baremetal or sandbox.") ProviderType provider,
        @Doc("OpenStack settings (provider: openstack).") OpenStack openstack,
        @Doc("libvirt settings (provider: libvirt).") Libvirt libvirt,
        @Doc("Bare-metal settings (provider: baremetal).") BareMetal baremetal,
        @Doc("Sandbox settings (provider: sandbox): simulated machines in the nkd process, for trying nkd out.")
        Sandbox sandbox) {

    /**
     * Which provider a cluster's machines come from, as spelled in cluster.yaml. Named apart from
     * the interface {@code io.nkd.infra.Provider} that implements one.
     */
    public enum ProviderType implements WireEnum {
        OPENSTACK, LIBVIRT, BAREMETAL, SANDBOX;

        @Override
        public String wire() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    @Doc("OpenStack: a project, a network and flavors. Credentials come from a secret (authURL + credentials) or from "
            + "a clouds.yaml entry (cloud), never from Git.")
    public record OpenStack(
            @Doc(value = "Keystone v3 URL (with credentials; with cloud it comes from clouds.yaml).",
                    example = "https://keystone.example.com:5000/v3") String authURL,
            @Doc("Credentials from a secret: JSON with the keys of clouds.yaml's auth section (username, password, "
                    + "user_domain_name, project_name, project_domain_name, or application_credential_id and "
                    + "application_credential_secret). Instead of cloud.") SecretRef credentials,
            @Doc("Region name (overrides region_name of clouds.yaml).") String region,
            @Required @Doc("Network (name or ID) the nodes attach to: nkd creates one port per node on it.") String network,
            @Doc("Glance image (name or ID) to boot from.") String bootImage,
            @Doc("More security groups (names or IDs) for every node's port, besides the one nkd creates for the cluster.")
            List<String> securityGroups,
            @Doc("Availability zone.") String availabilityZone,
            @Doc(value = "Cloud name in clouds.yaml (OS_CLIENT_CONFIG_FILE, ./clouds.yaml, ~/.config/openstack/clouds.yaml, "
                    + "/etc/openstack/clouds.yaml). Instead of authURL and credentials.", example = "prod") String cloud,
            @Doc(value = "Networks (CIDR) allowed to reach the nodes' Kubernetes API (6443/tcp) and SSH (22/tcp), and the "
                    + "NodePorts when openNodePorts is set. Empty: only the cluster's own nodes. 0.0.0.0/0 only when written here.",
                    example = "[192.0.2.0/24]") List<String> allowedCIDRs,
            @Doc("Also open the NodePort range 30000-32767 (tcp and udp) to allowedCIDRs.") Boolean openNodePorts,
            @Doc("Boot from a new volume of this size in GiB (made from bootImage, deleted with the server) instead of the "
                    + "flavor's local disk.") Integer bootVolumeGiB,
            @Doc("External network (name or ID) to allocate a floating IP per node from; none when not set.")
            String floatingIPNetwork,
            @Doc("Nova server group policy for the control-plane nodes: anti-affinity (default: one host each, creation "
                    + "fails when the cloud has too few hosts), soft-anti-affinity (spread when possible) or none.")
            ServerGroupPolicy controlPlanePolicy) {
        public OpenStack {
            securityGroups = securityGroups == null ? List.of() : List.copyOf(securityGroups);
            allowedCIDRs = allowedCIDRs == null ? List.of() : List.copyOf(allowedCIDRs);
            openNodePorts = openNodePorts != null && openNodePorts;
            controlPlanePolicy = controlPlanePolicy == null ? ServerGroupPolicy.ANTI_AFFINITY : controlPlanePolicy;
            if (credentials != null && cloud != null) {
                throw new IllegalArgumentException("set either credentials (with authURL) or cloud (an entry of clouds.yaml), not both");
            }
            if (credentials == null && cloud == null) {
                throw new IllegalArgumentException("credentials (with authURL) or cloud (an entry of clouds.yaml) is required:"
                        + " nkd never reads OpenStack credentials from Git");
            }
            if (credentials != null && (authURL == null || authURL.isBlank())) {
                throw new IllegalArgumentException("authURL is required with credentials: the Keystone v3 URL, e.g."
                        + " https://keystone.example.com:5000/v3");
            }
            if (cloud != null && authURL != null) {
                throw new IllegalArgumentException("authURL is taken from clouds.yaml when cloud is set; remove authURL or"
                        + " use credentials instead of cloud");
            }
            if (cloud != null && cloud.isBlank()) {
                throw new IllegalArgumentException("cloud must name an entry of clouds.yaml");
            }
            if (network == null || network.isBlank()) {
                throw new IllegalArgumentException("network must name the Neutron network (name or ID) the nodes attach to");
            }
            for (int i = 0; i < allowedCIDRs.size(); i++) {
                try {
                    Cidr.parse(allowedCIDRs.get(i));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("allowedCIDRs[" + i + "]: " + e.getMessage());
                }
            }
            if (bootVolumeGiB != null && bootVolumeGiB < 1) {
                throw new IllegalArgumentException("bootVolumeGiB must be at least 1 (GiB), or left out to boot from the"
                        + " flavor's disk");
            }
            if (floatingIPNetwork != null && floatingIPNetwork.isBlank()) {
                throw new IllegalArgumentException("floatingIPNetwork must name an external network, or be left out");
            }
        }

        /** The settings of a cluster.yaml written before clouds.yaml, CIDRs and volumes (tests, the importer). */
        public OpenStack(String authURL, SecretRef credentials, String region, String network, String bootImage,
                         List<String> securityGroups, String availabilityZone) {
            this(authURL, credentials, region, network, bootImage, securityGroups, availabilityZone, null, null, null, null,
                    null, null);
        }
    }

    /** How Nova places the control-plane nodes of a cluster (its server group's policy). */
    public enum ServerGroupPolicy implements WireEnum {
        /** Every node on another host; creating fails with "No valid host" when there are too few. */
        ANTI_AFFINITY,
        /** Spread over hosts when possible (Nova API 2.15 and later). */
        SOFT_ANTI_AFFINITY,
        /** No server group. */
        NONE;

        @Override
        public String wire() {
            return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
        }
    }

    @Doc("libvirt: a hypervisor URI, a network and a storage pool.")
    public record Libvirt(
            @Required @Doc(value = "libvirt connection URI.", example = "qemu:///system") String uri,
            @Doc(value = "libvirt network name.", example = "default") String network,
            @Doc(value = "Storage pool for node disks.", example = "default") String storagePool,
            @Doc("Path or volume name of the NestOS qcow2 base image.") String baseImage) {
        public Libvirt {
            network = network == null ? "default" : network;
            storagePool = storagePool == null ? "default" : storagePool;
        }
    }

    @Doc("Bare metal: machines boot over iPXE and are matched by MAC address.")
    public record BareMetal(
            @Doc("URL nodes reach nkd's iPXE endpoint on, if it differs from nkd's listen address.") String ipxeBaseURL,
            @Doc("Kernel and initramfs URLs of the NestOS live PXE images.") PxeImages pxe) {
    }

    @Doc("NestOS live PXE artifacts.")
    public record PxeImages(@Required String kernel, @Required String initramfs, @Required String rootfs) {
    }

    @Doc("The in-process sandbox provider.")
    public record Sandbox(@Doc("How long a simulated machine takes to boot.") java.time.Duration bootTime) {
        public Sandbox {
            bootTime = bootTime == null ? java.time.Duration.ofSeconds(2) : bootTime;
        }
    }
}
