package io.nkd.config;

import io.nkd.config.CatalogChecks.Rules;
import io.nkd.report.FieldPath;
import java.net.URI;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The rules of a bare-metal cluster: nkd answers iPXE requests by MAC, so every machine must be listed with one, and
 * no MAC twice; what goes onto the installer's kernel command line must be one word each. The MAC's own format is
 * checked for every provider in {@link ClusterChecks}.
 */
final class BareMetalChecks {
    /** A kernel argument is one word: iPXE splits its command line at spaces and would expand ${…}. */
    private static final Pattern KERNEL_ARG = Pattern.compile("[^\\s\"'`$\\\\]+");
    private static final Pattern IPXE_BASE = Pattern.compile("https?://[A-Za-z0-9.\\-\\[\\]:]+(/[A-Za-z0-9._~/-]*)?");
    private static final Pattern DEVICE = Pattern.compile("/dev/[A-Za-z0-9._/:+-]+");

    private BareMetalChecks() {
    }

    static void check(ClusterSpec spec, Rules r) {
        if (spec.infrastructure() == null || spec.infrastructure().provider() != Infrastructure.ProviderType.BAREMETAL) {
            return;
        }
        FieldPath infra = FieldPath.of("spec", "infrastructure");
        Infrastructure.BareMetal bm = spec.infrastructure().baremetal();
        if (bm == null) {
            r.error("MissingBareMetal", infra.key("baremetal"), "provider baremetal needs an infrastructure.baremetal block with the "
                    + "pxe kernel, initramfs and rootfs URLs the machines boot");
        } else {
            settings(bm, infra.key("baremetal"), r);
        }
        Map<String, FieldPath> macs = new HashMap<>();
        List<NodePool> pools = spec.pools();
        for (int i = 0; i < pools.size(); i++) {
            NodePool p = pools.get(i);
            FieldPath at = FieldPath.of("spec", "pools", i);
            if (p.machines().isEmpty()) {
                if (p.replicas() > 0) {
                    r.error("BareMetalNeedsMachines", at.key("machines"), "pool " + p.name() + " runs on bare metal, so list its "
                            + "machines (hostname, mac, ip) instead of giving replicas: nkd cannot create physical machines");
                }
                continue;
            }
            for (int m = 0; m < p.machines().size(); m++) {
                NodePool.ExplicitMachine machine = p.machines().get(m);
                FieldPath mp = at.key("machines").index(m);
                if (machine.mac() == null || machine.mac().isBlank()) {
                    r.error("MissingMac", mp.key("mac"), "machine " + machine.hostname() + " needs the MAC address of its boot "
                            + "interface: nkd answers its iPXE request by it");
                    continue;
                }
                FieldPath first = macs.putIfAbsent(machine.mac().toLowerCase(Locale.ROOT), mp.key("mac"));
                if (first != null) {
                    r.error("DuplicateMac", mp.key("mac"), "MAC " + machine.mac() + " is already used at " + first
                            + "; each machine boots by its own MAC");
                }
            }
        }
    }

    private static void settings(Infrastructure.BareMetal bm, FieldPath at, Rules r) {
        if (bm.pxe() == null) {
            r.error("MissingPxe", at.key("pxe"), "baremetal needs pxe: the kernel, initramfs and rootfs URLs of the NestOS live PXE images");
        } else {
            url(bm.pxe().kernel(), at.key("pxe").key("kernel"), r);
            url(bm.pxe().initramfs(), at.key("pxe").key("initramfs"), r);
            url(bm.pxe().rootfs(), at.key("pxe").key("rootfs"), r);
        }
        if (bm.ipxeBaseURL() != null && !IPXE_BASE.matcher(bm.ipxeBaseURL()).matches()) {
            // it goes into iPXE scripts and dnsmasq's dhcp-boot line: a plain base, nothing to escape or expand
            r.error("BadUrl", at.key("ipxeBaseURL"), "\"" + bm.ipxeBaseURL() + "\" must be http(s)://host[:port][/path], without "
                    + "query, spaces or '$', e.g. http://10.0.0.2:8080");
        }
        if (!DEVICE.matcher(bm.installDisk()).matches()) {
            r.error("BadInstallDisk", at.key("installDisk"), "\"" + bm.installDisk() + "\" is not a device path such as /dev/sda "
                    + "or /dev/disk/by-id/…");
        }
        for (int i = 0; i < bm.kernelArgs().size(); i++) {
            String arg = bm.kernelArgs().get(i);
            if (arg == null || !KERNEL_ARG.matcher(arg).matches()) {
                r.error("BadKernelArg", at.key("kernelArgs").index(i), "a kernel argument is one word without spaces, quotes, '$' "
                        + "or backslashes; give each argument as its own list item");
            } else if (arg.matches("(nestos|coreos)\\.inst\\.(install_dev|ignition_url)(=.*)?|coreos\\.live\\.rootfs_url(=.*)?")) {
                r.error("ReservedKernelArg", at.key("kernelArgs").index(i), arg.substring(0, arg.indexOf('=') < 0 ? arg.length()
                        : arg.indexOf('=')) + " is set by nkd (from installDisk, pxe.rootfs and the node's pointer config); remove it");
            }
        }
    }

    private static void url(String text, FieldPath at, Rules r) {
        try {
            URI u = new URI(text);
            if (!("http".equals(u.getScheme()) || "https".equals(u.getScheme())) || u.getHost() == null
                    || !KERNEL_ARG.matcher(text).matches()) {
                r.error("BadUrl", at, "\"" + text + "\" must be an http:// or https:// URL without spaces, quotes or '$'");
            }
        } catch (java.net.URISyntaxException e) {
            r.error("BadUrl", at, "\"" + text + "\" is not a URL: " + e.getReason());
        }
    }
}
