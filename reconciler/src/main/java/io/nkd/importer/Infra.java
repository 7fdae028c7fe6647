package io.nkd.importer;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * NKD's {@code platform} and {@code infraPlatform} → nkd's {@code spec.infrastructure}, plus the static network
 * of pools whose machines have addresses. Defaults are NKD's own (its libvirt/openstack/pxe assets), so the
 * result describes what NKD actually deployed.
 */
final class Infra {
    /** spec.infrastructure, and the network block for pools with static addresses (null: DHCP). */
    record Result(String provider, Map<String, Object> infrastructure, Map<String, Object> poolNetwork) {
    }

    private Infra() {
    }

    static String provider(String platform) {
        return switch (platform.toLowerCase(Locale.ROOT)) {
            case "libvirt" -> "libvirt";
            case "openstack" -> "openstack";
            case "pxe", "ipxe" -> "baremetal";
            default -> null;
        };
    }

    static Result map(NkdMap top, String platform, String clusterId, String cluster, String arch, List<Nodes.Role> roles,
                      Ctx ctx) {
        NkdMap infra = top.map("infraPlatform");
        String provider = provider(platform);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("provider", provider);
        Map<String, Object> network = null;
        switch (platform.toLowerCase(Locale.ROOT)) {
            case "libvirt" -> network = libvirt(infra, clusterId, arch, roles, out, ctx);
            case "openstack" -> openstack(infra, cluster, out, ctx);
            default -> bareMetal(infra, platform, roles, ctx);
        }
        return new Result(provider, out, network);
    }

    private static Map<String, Object> libvirt(NkdMap infra, String clusterId, String arch, List<Nodes.Role> roles,
                                               Map<String, Object> out, Ctx ctx) {
        Map<String, Object> lv = new LinkedHashMap<>();
        String uri = infra.text("uri");
        lv.put("uri", uri == null ? "qemu:///system" : uri);
        // NKD's Terraform creates the network <clusterID>-net and the pool <clusterID>-pool with the cluster
        lv.put("network", new YamlText.Commented("created by NKD with the cluster; nkd needs them to exist",
                clusterId + "-net"));
        lv.put("storagePool", clusterId + "-pool");
        String image = infra.text("osPath", "osImage", "osImagePath");
        if (image != null) {
            lv.put("baseImage", image.replace("{arch}", arch));
            if (image.matches("(?i)https?://.*")) {
                ctx.item(infra.key("osPath", "osImage", "osImagePath"), "NKD let Terraform download the image; nkd's "
                        + "baseImage is a path or volume name on the libvirt host", "download the qcow2 image to the "
                        + "libvirt host (or into the storage pool) and set spec.infrastructure.libvirt.baseImage to it");
            }
        }
        out.put("libvirt", lv);
        String cidr = infra.text("cidr");
        String gateway = infra.text("gateway");
        String cidrKey = infra.key("cidr");
        String effectiveCidr = cidr == null ? "192.168.132.0/24" : cidr;
        String effectiveGateway = gateway == null ? "192.168.132.1" : gateway;
        Integer prefix = prefixLength(effectiveCidr);
        if (prefix == null) {
            ctx.error(infra.at("cidr"), cidrKey + " \"" + cidr + "\" is not an IPv4 CIDR such as 192.168.132.0/24");
        }
        ctx.item(cidrKey, "NKD created the libvirt network " + clusterId + "-net (NAT, DHCP and DNS on " + effectiveCidr
                        + ", gateway " + effectiveGateway + ") and the storage pool " + clusterId + "-pool together with the "
                        + "cluster, and deleted them with it; nkd attaches machines to an existing network and pool",
                "keep them, or create them before nkd provisions (spec.infrastructure.libvirt.network and storagePool name "
                        + "them); machines with an ip get it as a static address with this prefix, gateway and DNS server");
        if (prefix == null || roles.stream().noneMatch(Nodes.Role::anyIp)) {
            return null;
        }
        for (Nodes.Role role : roles) {
            for (Nodes.NkdNode m : role.nodes()) {
                if (m.ip() != null && !inside(m.ip(), effectiveCidr)) {
                    ctx.item(role.key() + "[].ip", m.hostname() + "'s address " + m.ip() + " is outside the libvirt network "
                            + effectiveCidr + (cidr == null ? " (NKD's default, " + cidrKey + " is not set)" : ""),
                            "correct the address or the cidr; a static address outside the network cannot reach its gateway");
                }
            }
        }
        Map<String, Object> net = new LinkedHashMap<>();
        net.put("prefixLength", prefix);
        net.put("gateway", effectiveGateway);
        // libvirt's dnsmasq answers DNS on the network's gateway address (NKD enabled dns on the network)
        net.put("dns", new YamlText.Flow(List.of(effectiveGateway)));
        return net;
    }

    private static void openstack(NkdMap infra, String cluster, Map<String, Object> out, Ctx ctx) {
        Map<String, Object> os = new LinkedHashMap<>();
        String auth = infra.text("authURL");
        os.put("authURL", auth == null ? "http://controller:5000/v3" : auth);
        String secret = cluster + "-openstack-credentials";
        os.put("credentials", new YamlText.Flow(Map.of("name", secret)));
        String user = infra.text("username", "userName");
        String tenant = infra.text("tenantName");
        boolean password = infra.present("password");
        ctx.item(password ? infra.key("password") : infra.key("username", "userName"),
                "nkd never keeps OpenStack credentials in Git, so they are not copied; credentials refers to the secret "
                        + secret + " instead", "write the OpenStack user" + (user == null ? " (NKD's default admin)" : " " + user)
                        + ", its password and the project" + (tenant == null ? " (NKD's default admin)" : " " + tenant)
                        + " as JSON to STATE_DIR/secrets/" + secret + ", or use an application credential");
        String region = infra.text("region");
        os.put("region", region == null ? "RegionOne" : region);
        String network = infra.text("internalNetwork");
        if (network == null) {
            ctx.error(infra.at("internalNetwork"), infra.key("internalNetwork")
                    + " is missing: nkd attaches OpenStack machines to this network (NKD required it too)");
        } else {
            os.put("network", network);
        }
        String glance = infra.text("glanceName");
        if (glance != null) {
            os.put("bootImage", glance);
        }
        String zone = infra.text("availabilityZone");
        os.put("availabilityZone", zone == null ? "nova" : zone);
        if (infra.present("externalNetwork")) {
            ctx.item(infra.key("externalNetwork"), "NKD gave every node a floating IP from this network; nkd does not "
                    + "allocate floating IPs", "reach the nodes through the internal network, or assign floating IPs "
                    + "outside nkd (controlPlaneEndpoint must stay reachable)");
        }
        out.put("openstack", os);
    }

    private static void bareMetal(NkdMap infra, String platform, List<Nodes.Role> roles, Ctx ctx) {
        for (String key : new String[] {"ip", "httpServerPort", "httpRootDir", "tftpServerIP", "tftpServerPort", "tftpRootDir",
                                         "ipxePort", "ipxeFilePath", "ipxeOSInstallTreePath"}) {
            if (infra.present(key)) {
                ctx.item(infra.key(key), "NKD ran its own HTTP/TFTP (" + platform + ") server to boot the machines; "
                        + "nkd serves iPXE scripts from its own address", "set spec.infrastructure.baremetal.ipxeBaseURL "
                        + "if machines reach nkd at another address, and baremetal.pxe (kernel, initramfs, rootfs) to the "
                        + "NestOS live PXE images");
            }
        }
        for (Nodes.Role role : roles) {
            if (role.nodes().isEmpty()) {
                continue;
            }
            ctx.item(role.key(), "nkd matches bare-metal machines to nodes by the MAC address of their boot interface, "
                    + "which NKD's file does not have", "add mac to every machine in spec.pools[].machines");
            if (role.anyIp()) {
                ctx.item(role.key() + "[].ip", "nkd sets a static address only with the pool's network (prefixLength, "
                        + "gateway); without it the machines use DHCP", "add spec.pools[].network for these machines, or "
                        + "reserve their addresses in DHCP");
            }
            if (role.sized()) {
                ctx.item(role.key() + "[].hardwareInfo", "bare-metal machines are the size they are; nkd does not create them",
                        "nothing to do (the import leaves spec.pools[].machine out)");
            }
        }
    }

    /** Whether an IPv4 address lies in an IPv4 CIDR (false for anything unparsable). */
    static boolean inside(String ip, String cidr) {
        Long address = ipv4(ip);
        Integer prefix = prefixLength(cidr);
        Long base = prefix == null ? null : ipv4(cidr.substring(0, cidr.indexOf('/')));
        if (address == null || base == null) {
            return false;
        }
        long mask = prefix == 0 ? 0 : (0xffffffffL << (32 - prefix)) & 0xffffffffL;
        return (address & mask) == (base & mask);
    }

    private static Long ipv4(String text) {
        String[] parts = text.split("\\.", -1);
        if (parts.length != 4) {
            return null;
        }
        long v = 0;
        for (String p : parts) {
            if (!p.matches("\\d{1,3}") || Integer.parseInt(p) > 255) {
                return null;
            }
            v = (v << 8) | Integer.parseInt(p);
        }
        return v;
    }

    /** The prefix length of an IPv4 CIDR, or null. */
    static Integer prefixLength(String cidr) {
        var m = java.util.regex.Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})/(\\d{1,2})").matcher(cidr);
        if (!m.matches()) {
            return null;
        }
        for (int i = 1; i <= 4; i++) {
            if (Integer.parseInt(m.group(i)) > 255) {
                return null;
            }
        }
        int prefix = Integer.parseInt(m.group(5));
        return prefix <= 32 ? prefix : null;
    }
}
