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

        /** Also its JSON spelling (a cluster's status names its provider as cluster.yaml does). */
        @com.fasterxml.jackson.annotation.JsonValue
        @Override
        public String wire() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        /**
         * Reads the JSON spelling. An unknown one (a status written by a newer nkd, read after a downgrade) reads as
         * null, "not known", rather than making the whole status unreadable; the next reconcile writes it again.
         */
        @com.fasterxml.jackson.annotation.JsonCreator
        static ProviderType ofWire(String wire) {
            for (ProviderType t : values()) {
                if (t.wire().equals(wire)) {
                    return t;
                }
            }
            return null;
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
            @Doc("Path or volume name of the NestOS qcow2 base image.") String baseImage,
            @Doc("How nodes attach: network (the libvirt network above, with a DHCP reservation for each fixed address) "
                    + "or user (QEMU user-mode networking: the host's loopback services at 10.0.2.2, no libvirt network; "
                    + "for tests and laptops).") LibvirtInterface networkInterface,
            @Doc("Firmware: bios or efi.") LibvirtFirmware firmware,
            @Doc(value = "Direct kernel boot: path of the kernel on the libvirt host (instead of the disk's boot loader).",
                    example = "/var/lib/nkd/images/vmlinuz") String kernel,
            @Doc("Direct kernel boot: path of the initramfs on the libvirt host (needs kernel).") String initrd,
            @Doc(value = "Direct kernel boot: the kernel command line (needs kernel).",
                    example = "root=/dev/vda rw console=ttyS0 ignition.firstboot ignition.platform.id=qemu") String kernelArgs,
            @Doc("Directory on the libvirt host where each node's serial console is logged as NODE.log.") String consoleLogDir) {
        public Libvirt {
            network = network == null ? "default" : network;
            storagePool = storagePool == null ? "default" : storagePool;
            networkInterface = networkInterface == null ? LibvirtInterface.NETWORK : networkInterface;
            firmware = firmware == null ? LibvirtFirmware.BIOS : firmware;
            if (uri.isBlank()) {
                throw new IllegalArgumentException("uri is empty: write the libvirt connection URI, e.g. qemu:///system");
            }
            if (kernel == null && (initrd != null || kernelArgs != null)) {
                throw new IllegalArgumentException((initrd != null ? "initrd" : "kernelArgs")
                        + " is set without kernel: direct kernel boot needs kernel (the path of the kernel on the libvirt host)");
            }
            for (var path : new String[][] {{"kernel", kernel}, {"initrd", initrd}, {"consoleLogDir", consoleLogDir}}) {
                if (path[1] != null && !path[1].startsWith("/")) {
                    throw new IllegalArgumentException(path[0] + " is \"" + path[1] + "\": write an absolute path on the libvirt host");
                }
            }
        }

        /** Whether a dedicated NAT network and DHCP reservations are used (not QEMU user-mode networking). */
        public boolean usesNetwork() {
            return networkInterface == LibvirtInterface.NETWORK;
        }
    }

    /** How a libvirt node's interface attaches. */
    public enum LibvirtInterface implements WireEnum {
        NETWORK, USER;

        @Override
        public String wire() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** The firmware a libvirt node boots with. */
    public enum LibvirtFirmware implements WireEnum {
        BIOS, EFI;

        @Override
        public String wire() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    @Doc("Bare metal: machines listed by MAC address boot over iPXE from nkd and install NestOS to disk.")
    public record BareMetal(
            @Doc(value = "Base URL machines reach nkd's iPXE listener (nkd serve --ipxe-listen) on; the iPXE scripts and the "
                    + "dnsmasq snippet use it. Without it, the scripts use the address the machine asked on.",
                    example = "http://10.0.0.2:8080") String ipxeBaseURL,
            @Doc("Kernel, initramfs and rootfs URLs of the NestOS live PXE images.") PxeImages pxe,
            @Doc(value = "Disk the installer writes NestOS to (nestos.inst.install_dev); all data on it is lost.",
                    example = "/dev/sda") String installDisk,
            @Doc("Which installer's kernel arguments the live image reads: nestos (nestos.inst.*, default) or coreos "
                    + "(coreos.inst.*, for Fedora CoreOS based images).") Installer installer,
            @Doc(value = "Extra kernel arguments for the live installer (e.g. a serial console).",
                    example = "[\"console=ttyS0,115200n8\"]") List<String> kernelArgs) {
        public static final String DEFAULT_INSTALL_DISK = "/dev/sda";

        public BareMetal {
            installDisk = installDisk == null ? DEFAULT_INSTALL_DISK : installDisk;
            installer = installer == null ? Installer.NESTOS : installer;
            kernelArgs = kernelArgs == null ? List.of() : List.copyOf(kernelArgs);
        }
    }

    /** The installer of the live PXE image, by the prefix of the kernel arguments it reads. */
    public enum Installer implements WireEnum {
        /** nestos-installer: {@code nestos.inst.install_dev}, {@code nestos.inst.ignition_url}. */
        NESTOS,
        /** coreos-installer: {@code coreos.inst.install_dev}, {@code coreos.inst.ignition_url}. */
        COREOS;

        @Override
        public String wire() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        /** The kernel-argument prefix, e.g. {@code nestos.inst.}. */
        public String argPrefix() {
            return wire() + ".inst.";
        }
    }

    @Doc("NestOS live PXE artifacts, as URLs the booting machine can fetch (http:// or https://, if its iPXE has TLS).")
    public record PxeImages(
            @Required @Doc(value = "Live kernel.", example = "http://10.0.0.2/nestos/nestos-live-kernel-x86_64") String kernel,
            @Required @Doc(value = "Live initramfs.", example = "http://10.0.0.2/nestos/nestos-live-initramfs.x86_64.img")
            String initramfs,
            @Required @Doc(value = "Live root file system (coreos.live.rootfs_url).",
                    example = "http://10.0.0.2/nestos/nestos-live-rootfs.x86_64.img") String rootfs) {
    }

    @Doc("The in-process sandbox provider.")
    public record Sandbox(@Doc("How long a simulated machine takes to boot.") java.time.Duration bootTime) {
        public Sandbox {
            bootTime = bootTime == null ? java.time.Duration.ofSeconds(2) : bootTime;
        }
    }
}
