package io.nkd.infra.libvirt;

import io.nkd.config.Infrastructure;
import java.util.LinkedHashMap;
import java.util.Map;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

/**
 * The domain XML of a node, and nkd's metadata read back from any domain's XML. Pure.
 *
 * <p>nkd's facts ({@link io.nkd.infra.MachineMetadata} keys, plus where this provider put the node's disk, pointer config
 * and DHCP reservation) live in the domain's {@code <metadata>} under nkd's own namespace, one {@code <nkd:entry key=…>}
 * each, so a restarted nkd finds every piece of a machine from the domain alone.
 */
final class DomainXml {
    static final String NAMESPACE = "https://nkd.io/xmlns/machine/1";
    static final String FW_CFG_NAME = "opt/com.coreos/config";

    /** Where this provider put a machine's pieces (metadata keys beside MachineMetadata's). */
    static final String POOL = "nkd.io/libvirt-pool";
    static final String VOLUME = "nkd.io/libvirt-volume";
    static final String POINTER_FILE = "nkd.io/libvirt-pointer-file";
    static final String NETWORK = "nkd.io/libvirt-network";
    static final String DOMAIN_MAC = "nkd.io/libvirt-mac";
    static final String RESERVED_IP = "nkd.io/libvirt-reserved-ip";

    private DomainXml() {
    }

    /**
     * Everything a node's domain is made of.
     *
     * @param pointerFile the pointer config's file on the libvirt host, or null to pass {@code pointerInline} in the XML
     * @param network     the libvirt network, or null for a user-mode interface
     */
    record Definition(String name, LibvirtHost.Guest guest, int memoryMiB, int cpus, Map<String, String> metadata,
                      Infrastructure.Libvirt settings, String pool, String volume, String mac, String network,
                      String pointerFile, String pointerInline) {
        /** Without the pointer config: it carries the node's token. */
        @Override
        public String toString() {
            return "Definition[" + name + " " + cpus + " CPUs " + memoryMiB + " MiB, " + pool + "/" + volume + ", " + mac
                    + (network == null ? " user-mode" : " on " + network) + ", pointer " + (pointerFile != null ? pointerFile : "inline (redacted)") + "]";
        }
    }

    static String domain(Definition d) {
        Document doc = Xml.newDocument();
        Element domain = doc.createElement("domain");
        doc.appendChild(domain);
        domain.setAttribute("type", d.guest().domainType());
        Xml.addText(domain, "name", d.name());
        Element metadata = Xml.add(domain, "metadata");
        Element machine = doc.createElementNS(NAMESPACE, "nkd:machine");
        metadata.appendChild(machine);
        d.metadata().forEach((k, v) -> {
            if (v != null) {
                Element entry = doc.createElementNS(NAMESPACE, "nkd:entry");
                entry.setAttribute("key", k);
                entry.setTextContent(v);
                machine.appendChild(entry);
            }
        });
        Xml.addText(domain, "memory", Integer.toString(d.memoryMiB()), "unit", "MiB");
        Xml.addText(domain, "vcpu", Integer.toString(d.cpus()));

        Infrastructure.Libvirt s = d.settings();
        Element os = Xml.add(domain, "os");
        if (s.firmware() == Infrastructure.LibvirtFirmware.EFI) {
            os.setAttribute("firmware", "efi");
        }
        Xml.addText(os, "type", "hvm", "arch", d.guest().arch());
        if (s.kernel() != null) {
            Xml.addText(os, "kernel", s.kernel());
            if (s.initrd() != null) {
                Xml.addText(os, "initrd", s.initrd());
            }
            if (s.kernelArgs() != null) {
                Xml.addText(os, "cmdline", s.kernelArgs());
            }
        } else {
            Xml.add(os, "boot", "dev", "hd");
        }
        Element features = Xml.add(domain, "features");
        Xml.add(features, "acpi");
        Xml.add(features, "apic");
        if ("kvm".equals(d.guest().domainType())) {
            Xml.add(domain, "cpu", "mode", "host-passthrough");
        } else if ("qemu".equals(d.guest().domainType())) {
            Xml.add(domain, "cpu", "mode", "maximum"); // what -cpu max gives under emulation: the newest CPU QEMU models
        }
        // how QEMU hands Ignition its config, and how Fedora CoreOS and NestOS look for it
        Element sysinfo = Xml.add(domain, "sysinfo", "type", "fwcfg");
        if (d.pointerFile() != null) {
            Xml.add(sysinfo, "entry", "name", FW_CFG_NAME, "file", d.pointerFile());
        } else {
            Xml.addText(sysinfo, "entry", d.pointerInline(), "name", FW_CFG_NAME);
        }
        Xml.addText(domain, "on_poweroff", "destroy");
        Xml.addText(domain, "on_reboot", "restart");
        Xml.addText(domain, "on_crash", "destroy");

        Element devices = Xml.add(domain, "devices");
        Element disk = Xml.add(devices, "disk", "type", "volume", "device", "disk");
        Xml.add(disk, "driver", "name", "qemu", "type", "qcow2");
        Xml.add(disk, "source", "pool", d.pool(), "volume", d.volume());
        Xml.add(disk, "target", "dev", "vda", "bus", "virtio");
        Element nic = d.network() != null
                ? Xml.add(devices, "interface", "type", "network")
                : Xml.add(devices, "interface", "type", "user");
        if (d.network() != null) {
            Xml.add(nic, "source", "network", d.network());
        }
        Xml.add(nic, "mac", "address", d.mac());
        Xml.add(nic, "model", "type", "virtio");
        Element serial = Xml.add(devices, "serial", "type", "pty");
        if (s.consoleLogDir() != null) {
            Xml.add(serial, "log", "file", s.consoleLogDir() + "/" + d.name() + ".log", "append", "off");
        }
        Xml.add(Xml.add(devices, "console", "type", "pty"), "target", "type", "serial", "port", "0");
        Element rng = Xml.add(devices, "rng", "model", "virtio"); // first boots wait for entropy without it
        Xml.addText(rng, "backend", "/dev/urandom", "model", "random");
        return Xml.write(domain);
    }

    /** nkd's metadata of a domain; empty when the domain has none (nkd did not create it). */
    static Map<String, String> metadata(Element domain) {
        Map<String, String> out = new LinkedHashMap<>();
        for (Element machine : Xml.children(Xml.child(domain, "metadata"), NAMESPACE, "machine")) {
            for (Element entry : Xml.children(machine, NAMESPACE, "entry")) {
                out.put(entry.getAttribute("key"), entry.getTextContent());
            }
        }
        return out;
    }

    /** A DHCP host entry of a network ({@code <host mac name ip/>}). */
    static String dhcpHost(String mac, String name, String ip) {
        Document doc = Xml.newDocument();
        Element host = doc.createElement("host");
        doc.appendChild(host);
        host.setAttribute("mac", mac);
        host.setAttribute("name", name);
        host.setAttribute("ip", ip);
        return Xml.write(host).strip();
    }

    /** Whether a network's XML has a DHCP host entry with this MAC and address. */
    static boolean hasDhcpHost(String networkXml, String mac, String ip) {
        for (Element ipEl : Xml.children(Xml.parse(networkXml), "ip")) {
            for (Element host : Xml.children(Xml.child(ipEl, "dhcp"), "host")) {
                if (mac.equalsIgnoreCase(host.getAttribute("mac")) && ip.equals(host.getAttribute("ip"))) {
                    return true;
                }
            }
        }
        return false;
    }

    /** A qcow2 volume of {@code bytes} whose backing file is the base image. */
    static String overlayVolume(String name, long bytes, String basePath, String baseFormat) {
        Document doc = Xml.newDocument();
        Element vol = doc.createElement("volume");
        doc.appendChild(vol);
        Xml.addText(vol, "name", name);
        Xml.addText(vol, "capacity", Long.toString(bytes), "unit", "bytes");
        Element target = Xml.add(vol, "target");
        Xml.add(target, "format", "type", "qcow2");
        Element backing = Xml.add(vol, "backingStore");
        Xml.addText(backing, "path", basePath);
        Xml.add(backing, "format", "type", baseFormat);
        return Xml.write(vol);
    }
}
