package io.nkd.infra.baremetal;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The iPXE scripts nkd serves, as text; pure. Every value that reaches a script was checked when cluster.yaml was
 * loaded (URLs and kernel arguments without spaces, quotes or '$', so iPXE neither splits nor expands them) or is
 * checked here (the base URL).
 *
 * <p>The machine boots the NestOS live PXE images and runs the installer, which writes NestOS to the install disk
 * with the node's pointer config (fetched from {@code <base>/ipxe/<mac>/pointer.ign}) and reboots; the installed
 * system's Ignition then fetches the node's full config from nkd's Ignition server over HTTPS with the node's
 * token. The live system itself gets no config of the node ({@code ignition.config.url} is not set): it only
 * installs, so it never holds the node's full config or runs kubeadm in memory.
 */
public final class IpxeScripts {
    /** The URL path prefix of everything the iPXE listener serves. */
    public static final String PREFIX = "/ipxe";
    /** The chain script DHCP hands to iPXE clients: it asks for the script of the MAC it booted from. */
    public static final String BOOT_PATH = PREFIX + "/boot.ipxe";
    private static final Pattern BASE = Pattern.compile("https?://[A-Za-z0-9.\\-\\[\\]:]+(/[A-Za-z0-9._~/-]*)?");

    private IpxeScripts() {
    }

    /** Whether {@code base} may go into a script: http(s)://host[:port][/path], nothing iPXE would expand. */
    public static boolean validBase(String base) {
        return base != null && BASE.matcher(base).matches();
    }

    /** {@code <base>/ipxe/<mac>}: the machine's script. */
    public static String scriptUrl(String base, MacAddress mac) {
        return trim(base) + PREFIX + "/" + mac.hyphenated();
    }

    /** {@code <base>/ipxe/<mac>/pointer.ign}: the machine's pointer config, which the installer embeds. */
    public static String pointerUrl(String base, MacAddress mac) {
        return scriptUrl(base, mac) + "/pointer.ign";
    }

    /** The chain script: iPXE expands {@code ${mac:hexhyp}} to the MAC of the interface it booted from. */
    public static String chain(String base) {
        requireBase(base);
        return "#!ipxe\n"
                + "# nkd: fetch this machine's boot script by the MAC it booted from (unknown MACs get 404)\n"
                + "chain " + trim(base) + PREFIX + "/${mac:hexhyp}\n";
    }

    /** The kernel command line of a host's live installer boot, in order. */
    public static List<String> kernelArgs(BareMetalHost host, String base) {
        BootSettings b = host.boot();
        String inst = b.installer().argPrefix();
        List<String> args = new ArrayList<>();
        args.add("initrd=main");
        args.add("coreos.live.rootfs_url=" + b.rootfs());
        // Ignition runs in the live system too; with no config URL it applies an empty config there
        args.add("ignition.firstboot");
        args.add("ignition.platform.id=metal");
        args.add(inst + "install_dev=" + b.installDisk());
        args.add(inst + "ignition_url=" + pointerUrl(base, host.macAddress()));
        args.add(inst + "platform_id=metal");
        args.addAll(b.kernelArgs());
        return args;
    }

    /** The machine's script. {@code base}: where it reaches nkd's iPXE listener, used when cluster.yaml gives no ipxeBaseURL. */
    public static String script(BareMetalHost host, String base) {
        String url = host.boot().ipxeBaseURL() != null ? host.boot().ipxeBaseURL() : base;
        requireBase(url);
        return "#!ipxe\n"
                + "# nkd: node " + host.node() + " of cluster " + host.cluster() + " (pool " + host.pool() + "), MAC " + host.mac() + "\n"
                + "# installs NestOS to " + host.boot().installDisk() + " (everything on it is lost), then reboots into it\n"
                + "kernel " + host.boot().kernel() + " " + String.join(" ", kernelArgs(host, url)) + "\n"
                + "initrd --name main " + host.boot().initramfs() + "\n"
                + "boot\n";
    }

    private static void requireBase(String base) {
        if (!validBase(base)) {
            throw new IllegalArgumentException("not an iPXE base URL (http(s)://host[:port][/path]): " + base);
        }
    }

    private static String trim(String base) {
        String b = base;
        while (b.endsWith("/")) {
            b = b.substring(0, b.length() - 1);
        }
        return b;
    }
}
