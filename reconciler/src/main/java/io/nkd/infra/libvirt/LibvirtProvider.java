package io.nkd.infra.libvirt;

import io.nkd.config.Infrastructure;
import io.nkd.config.NodePool;
import io.nkd.infra.MachineMetadata;
import io.nkd.infra.MachineRequest;
import io.nkd.infra.OwnedResource;
import io.nkd.infra.Provider;
import io.nkd.infra.ProviderException;
import io.nkd.infra.ProvisionedMachine;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.libvirt.Connect;
import org.libvirt.Domain;
import org.libvirt.DomainInfo;
import org.libvirt.Error.ErrorNumber;
import org.libvirt.LibvirtException;
import org.libvirt.Network;
import org.libvirt.StoragePool;
import org.libvirt.StorageVol;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.w3c.dom.Element;

/**
 * Machines as libvirt domains: one domain per node, named after the node, with a qcow2 disk on the base image, the
 * pointer config in fw_cfg ({@code opt/com.coreos/config}, where Fedora CoreOS and NestOS look for it on QEMU), an
 * interface on the cluster's libvirt network with a DHCP reservation for the node's fixed address (or a user-mode
 * interface), and nkd's metadata in the domain XML.
 *
 * <p><b>One record.</b> The domain is defined first, with its metadata naming every other piece (volume, pointer file,
 * reservation), and undefined last. So whatever a crash interrupts, the domain still points at what exists: a create
 * that finds it completes the missing pieces, a delete removes them. Volumes and pointer files are also named after
 * the cluster ({@code <node>.<cluster>.nkd.qcow2}, {@code STATE_DIR/libvirt/<cluster>/<node>.ign}), so leftovers of a
 * failed rollback are found and removed too. Pure naming, no state in memory.
 *
 * <p>A view of one cluster's settings on a shared {@link LibvirtHost}; made by {@link LibvirtProviders}.
 */
public final class LibvirtProvider implements Provider {
    private static final Logger LOG = LoggerFactory.getLogger(LibvirtProvider.class);
    private static final String VOLUME_SUFFIX = ".nkd.qcow2";
    /**
     * VIR_DOMAIN_UNDEFINE_MANAGED_SAVE | _SNAPSHOTS_METADATA | _NVRAM: everything libvirt keeps for the domain (an EFI
     * domain cannot be undefined without _NVRAM); then fewer, for drivers that refuse flags they do not know.
     */
    private static final int[] UNDEFINE_FLAGS = {1 | 2 | 4, 1 | 2, 0};

    private final LibvirtHost host;
    private final Infrastructure.Libvirt settings;
    private final PointerFiles pointers;
    private final Clock clock;

    LibvirtProvider(LibvirtHost host, Infrastructure.Libvirt settings, PointerFiles pointers, Clock clock) {
        this.host = host;
        this.settings = settings;
        this.pointers = pointers;
        this.clock = clock;
    }

    @Override
    public Infrastructure.ProviderType type() {
        return Infrastructure.ProviderType.LIBVIRT;
    }

    @Override
    public List<ProvisionedMachine> list(String cluster) {
        return host.call("list the domains of cluster " + cluster, c -> {
            List<ProvisionedMachine> out = new ArrayList<>();
            for (Domain d : c.listAllDomains(0)) {
                Observed o = observe(d);
                if (o != null) {
                    machine(o, cluster).ifPresent(out::add);
                }
                d.free(); // now rather than when collected: a daemon lists every few seconds
            }
            out.sort(Comparator.comparing(ProvisionedMachine::name));
            return out;
        });
    }

    @Override
    public ProvisionedMachine create(MachineRequest r) {
        return host.exclusive(() -> {
            Observed existing = lookup(r.name());
            if (existing != null) {
                if (!MachineMetadata.owns(existing.metadata(), r.cluster()) || !r.name().equals(existing.metadata().get(MachineMetadata.NODE))) {
                    throw conflict(r, existing);
                }
                complete(existing, r);
                return machineOrFail(r.name(), r.cluster());
            }
            if (settings.baseImage() == null) {
                throw new ProviderException(ProviderException.Kind.NOT_FOUND, "cannot create " + r.name()
                        + ": spec.infrastructure.libvirt.baseImage is not set; set it to the base image's volume name in storage pool "
                        + settings.storagePool() + " or its path on the libvirt host", null);
            }
            LibvirtHost.Guest guest = host.guest();
            String volume = volumeName(r.cluster(), r.name());
            host.call("check storage pool " + settings.storagePool(), c -> {
                pool(c, settings.storagePool());
                baseVolume(c);
                StorageVol stale = volume(c, settings.storagePool(), volume);
                if (stale != null) { // a leftover of a create whose rollback failed: nkd's by its name, never booted since
                    LOG.info("libvirt: removing the leftover volume {} before creating {}", volume, r.name());
                    stale.delete(0);
                }
                return null;
            });
            String network = settings.usesNetwork() ? settings.network() : null;
            if (network != null) {
                host.call("check network " + network, c -> network(c, network));
            }
            String mac = r.mac() != null ? r.mac().toLowerCase(java.util.Locale.ROOT) : derivedMac(r.cluster(), r.name());
            boolean local = local(host.uri());
            Path pointerFile = local ? pointers.path(r.cluster(), r.name()) : null;

            Map<String, String> md = new LinkedHashMap<>(MachineMetadata.of(r, clock.instant()));
            md.put(DomainXml.POOL, settings.storagePool());
            md.put(DomainXml.VOLUME, volume);
            md.put(DomainXml.DOMAIN_MAC, mac);
            if (pointerFile != null) {
                md.put(DomainXml.POINTER_FILE, pointerFile.toString());
            }
            if (network != null) {
                md.put(DomainXml.NETWORK, network);
                if (r.ip() != null) {
                    md.put(DomainXml.RESERVED_IP, r.ip());
                }
            }
            String xml = DomainXml.domain(new DomainXml.Definition(r.name(), guest, size(r).memoryMiB(), size(r).cpus(), md,
                    settings, settings.storagePool(), volume, mac, network, pointerFile == null ? null : pointerFile.toString(),
                    pointerFile == null ? r.userData() : null));
            Domain defined = host.call("define domain " + r.name(), c -> c.domainDefineXML(xml));
            Observed created = new Observed(r.name(), defined, md, DomainInfo.DomainState.VIR_DOMAIN_SHUTOFF);
            try {
                complete(created, r);
            } catch (RuntimeException e) {
                try {
                    remove(created);
                } catch (RuntimeException cleanup) {
                    e.addSuppressed(cleanup);
                }
                throw e;
            }
            LOG.info("libvirt: created domain {} of cluster {} ({} CPUs, {} MiB, volume {}/{}{})", r.name(), r.cluster(),
                    size(r).cpus(), size(r).memoryMiB(), settings.storagePool(), volume,
                    md.containsKey(DomainXml.RESERVED_IP) ? ", " + r.ip() + " reserved on " + network : "");
            return machineOrFail(r.name(), r.cluster());
        });
    }

    @Override
    public void delete(String cluster, String machine) {
        host.exclusive(() -> {
            Observed o = lookup(machine);
            if (o != null && MachineMetadata.owns(o.metadata(), cluster) && machine.equals(o.metadata().get(MachineMetadata.NODE))) {
                remove(o);
                LOG.info("libvirt: deleted domain {} of cluster {}", machine, cluster);
            } else if (o != null) {
                LOG.warn("libvirt: not deleting domain {}: it is not a machine nkd created for cluster {}", machine, cluster);
            }
            // what a failed rollback may have left under nkd's names for this node
            deleteVolume(settings.storagePool(), volumeName(cluster, machine));
            pointers.delete(pointers.path(cluster, machine));
            return null;
        });
    }

    @Override
    public List<OwnedResource> owned(String cluster) {
        return host.exclusive(() -> {
            List<OwnedResource> out = new ArrayList<>();
            Set<String> volumes = new HashSet<>();
            Set<Path> files = new HashSet<>();
            for (Observed o : ownedDomains(cluster)) {
                Map<String, String> md = o.metadata();
                out.add(new OwnedResource("domain", o.name(), uuid(o.domain())));
                String volume = md.get(DomainXml.VOLUME);
                if (volume != null && volume(md.get(DomainXml.POOL), volume) != null) {
                    out.add(new OwnedResource("volume", md.get(DomainXml.POOL) + "/" + volume, md.get(DomainXml.POOL) + "/" + volume));
                    volumes.add(md.get(DomainXml.POOL) + "/" + volume);
                }
                if (reserved(md)) {
                    String what = md.get(DomainXml.NETWORK) + " " + md.get(DomainXml.DOMAIN_MAC) + " → " + md.get(DomainXml.RESERVED_IP);
                    out.add(new OwnedResource("dhcp-host", what, what));
                }
                String file = md.get(DomainXml.POINTER_FILE);
                if (file != null && Files.exists(Path.of(file))) {
                    out.add(new OwnedResource("pointer-config", file, file));
                    files.add(Path.of(file));
                }
            }
            for (String v : orphanVolumes(cluster)) {
                if (!volumes.contains(settings.storagePool() + "/" + v)) {
                    out.add(new OwnedResource("volume", settings.storagePool() + "/" + v, settings.storagePool() + "/" + v));
                }
            }
            for (Path f : pointers.of(cluster)) {
                if (!files.contains(f)) {
                    out.add(new OwnedResource("pointer-config", f.toString(), f.toString()));
                }
            }
            return out;
        });
    }

    @Override
    public List<OwnedResource> destroy(String cluster) {
        return host.exclusive(() -> {
            List<OwnedResource> all = owned(cluster);
            for (Observed o : ownedDomains(cluster)) {
                remove(o);
            }
            for (String v : orphanVolumes(cluster)) {
                deleteVolume(settings.storagePool(), v);
            }
            for (Path f : pointers.of(cluster)) {
                pointers.delete(f);
            }
            LOG.info("libvirt: destroyed cluster {}: {} object(s)", cluster, all.size());
            return all;
        });
    }

    // ---- the pieces of a machine

    /** Makes every piece the metadata names exist, then starts the domain: a new machine, or one a crash left halfway. */
    private void complete(Observed o, MachineRequest r) {
        Map<String, String> md = o.metadata();
        String pool = md.get(DomainXml.POOL);
        String volume = md.get(DomainXml.VOLUME);
        if (volume != null && volume(pool, volume) == null) {
            host.call("create volume " + volume + " in storage pool " + pool, c -> {
                StorageVol base = baseVolume(c);
                Element baseXml = Xml.parse(base.getXMLDesc(0));
                Element format = Xml.child(Xml.child(baseXml, "target"), "format");
                String baseFormat = format == null ? "raw" : format.getAttribute("type");
                long want = (long) size(r).diskGiB() * 1024 * 1024 * 1024;
                long bytes = Math.max(want, base.getInfo().capacity); // a disk smaller than its backing file cannot hold it
                return pool(c, pool).storageVolCreateXML(DomainXml.overlayVolume(volume, bytes, base.getPath(), baseFormat), 0);
            });
        }
        String file = md.get(DomainXml.POINTER_FILE);
        if (file != null && !Files.exists(Path.of(file))) {
            pointers.write(r.cluster(), r.name(), r.userData());
        }
        if (md.containsKey(DomainXml.RESERVED_IP) && !reserved(md)) {
            host.updateDhcpHost(md.get(DomainXml.NETWORK), NetworkApi.ADD_LAST,
                    DomainXml.dhcpHost(md.get(DomainXml.DOMAIN_MAC), r.name(), md.get(DomainXml.RESERVED_IP)), networkActive(md.get(DomainXml.NETWORK)));
        }
        host.call("start domain " + o.name(), c -> {
            // a node comes back when its host reboots, instead of being reported failed (and re-created) by nkd
            if (!o.domain().getAutostart()) {
                o.domain().setAutostart(true);
            }
            if (o.domain().isActive() == 0) {
                o.domain().create();
            }
            return null;
        });
    }

    /** Stops the domain and removes its reservation, volume and pointer file, then the domain: each step idempotent. */
    private void remove(Observed o) {
        Map<String, String> md = o.metadata();
        host.call("stop domain " + o.name(), c -> {
            try {
                if (o.domain().isActive() == 1) {
                    o.domain().destroy();
                }
            } catch (LibvirtException e) {
                if (!LibvirtErrors.is(e, ErrorNumber.VIR_ERR_OPERATION_INVALID, ErrorNumber.VIR_ERR_NO_DOMAIN)) {
                    throw e;
                }
            }
            return null;
        });
        if (reserved(md)) {
            host.updateDhcpHost(md.get(DomainXml.NETWORK), NetworkApi.DELETE,
                    DomainXml.dhcpHost(md.get(DomainXml.DOMAIN_MAC), o.name(), md.get(DomainXml.RESERVED_IP)), networkActive(md.get(DomainXml.NETWORK)));
        }
        if (md.get(DomainXml.VOLUME) != null) {
            deleteVolume(md.get(DomainXml.POOL), md.get(DomainXml.VOLUME));
        }
        if (md.get(DomainXml.POINTER_FILE) != null) {
            pointers.delete(Path.of(md.get(DomainXml.POINTER_FILE)));
        }
        host.call("undefine domain " + o.name(), c -> {
            for (int flags : UNDEFINE_FLAGS) {
                try {
                    o.domain().undefine(flags);
                    return null;
                } catch (LibvirtException e) {
                    if (LibvirtErrors.is(e, ErrorNumber.VIR_ERR_NO_DOMAIN)) {
                        return null;
                    }
                    if (flags == 0 || !LibvirtErrors.is(e, ErrorNumber.VIR_ERR_INVALID_ARG, ErrorNumber.VIR_ERR_NO_SUPPORT)) {
                        throw e;
                    }
                    // a driver that knows no NVRAM (or snapshots): fewer flags
                }
            }
            return null;
        });
    }

    /** Whether the machine's DHCP reservation is in its network now. */
    private boolean reserved(Map<String, String> md) {
        String network = md.get(DomainXml.NETWORK);
        String ip = md.get(DomainXml.RESERVED_IP);
        if (network == null || ip == null) {
            return false;
        }
        return host.call("read network " + network, c -> {
            try {
                return DomainXml.hasDhcpHost(c.networkLookupByName(network).getXMLDesc(0), md.get(DomainXml.DOMAIN_MAC), ip);
            } catch (LibvirtException e) {
                if (LibvirtErrors.is(e, ErrorNumber.VIR_ERR_NO_NETWORK)) {
                    return false; // the network is gone, and its reservations with it
                }
                throw e;
            }
        });
    }

    private boolean networkActive(String network) {
        return host.call("read network " + network, c -> c.networkLookupByName(network).isActive() == 1);
    }

    private void deleteVolume(String pool, String name) {
        host.call("delete volume " + name + " in storage pool " + pool, c -> {
            StorageVol v = volume(c, pool, name);
            if (v != null) {
                v.delete(0);
            }
            return null;
        });
    }

    private StorageVol volume(String pool, String name) {
        return host.call("look up volume " + name + " in storage pool " + pool, c -> volume(c, pool, name));
    }

    /** The volume, or null when it (or its pool) does not exist. */
    private static StorageVol volume(Connect c, String pool, String name) throws LibvirtException {
        try {
            return c.storagePoolLookupByName(pool).storageVolLookupByName(name);
        } catch (LibvirtException e) {
            if (LibvirtErrors.is(e, ErrorNumber.VIR_ERR_NO_STORAGE_VOL, ErrorNumber.VIR_ERR_NO_STORAGE_POOL)) {
                return null;
            }
            throw e;
        }
    }

    /** Volumes in the configured pool named for the cluster (by nkd's naming). */
    private List<String> orphanVolumes(String cluster) {
        String suffix = "." + cluster + VOLUME_SUFFIX;
        return host.call("list the volumes of storage pool " + settings.storagePool(), c -> {
            List<String> out = new ArrayList<>();
            StoragePool pool;
            try {
                pool = c.storagePoolLookupByName(settings.storagePool());
            } catch (LibvirtException e) {
                if (LibvirtErrors.is(e, ErrorNumber.VIR_ERR_NO_STORAGE_POOL)) {
                    return out;
                }
                throw e;
            }
            for (String v : pool.listVolumes()) {
                if (v.endsWith(suffix) && v.length() > suffix.length()) {
                    out.add(v);
                }
            }
            out.sort(null);
            return out;
        });
    }

    private StoragePool pool(Connect c, String name) throws LibvirtException {
        try {
            StoragePool p = c.storagePoolLookupByName(name);
            if (p.isActive() == 0) {
                throw new ProviderException(ProviderException.Kind.NOT_FOUND, "storage pool " + name + " on " + host.uri()
                        + " is not active: start it (virsh pool-start " + name + ") or name another in spec.infrastructure.libvirt.storagePool", null);
            }
            return p;
        } catch (LibvirtException e) {
            if (LibvirtErrors.is(e, ErrorNumber.VIR_ERR_NO_STORAGE_POOL)) {
                throw notFound("storage pool " + name, "spec.infrastructure.libvirt.storagePool", e);
            }
            throw e;
        }
    }

    private StorageVol baseVolume(Connect c) throws LibvirtException {
        String base = settings.baseImage();
        try {
            return base.startsWith("/") ? c.storageVolLookupByPath(base) : pool(c, settings.storagePool()).storageVolLookupByName(base);
        } catch (LibvirtException e) {
            if (LibvirtErrors.is(e, ErrorNumber.VIR_ERR_NO_STORAGE_VOL)) {
                throw notFound("base image " + base + (base.startsWith("/") ? "" : " in storage pool " + settings.storagePool()),
                        "spec.infrastructure.libvirt.baseImage", e);
            }
            throw e;
        }
    }

    private Network network(Connect c, String name) throws LibvirtException {
        try {
            Network n = c.networkLookupByName(name);
            if (n.isActive() == 0) {
                throw new ProviderException(ProviderException.Kind.NOT_FOUND, "network " + name + " on " + host.uri()
                        + " is not active: start it (virsh net-start " + name + ") or name another in spec.infrastructure.libvirt.network", null);
            }
            return n;
        } catch (LibvirtException e) {
            if (LibvirtErrors.is(e, ErrorNumber.VIR_ERR_NO_NETWORK)) {
                throw notFound("network " + name, "spec.infrastructure.libvirt.network", e);
            }
            throw e;
        }
    }

    private ProviderException notFound(String what, String field, LibvirtException e) {
        String text = e.getError() == null ? null : e.getError().getMessage();
        return new ProviderException(ProviderException.Kind.NOT_FOUND, what + " does not exist on " + host.uri()
                + ": create it, or name an existing one in " + field, text, e);
    }

    private ProviderException conflict(MachineRequest r, Observed existing) {
        String owner = MachineMetadata.owns(existing.metadata(), existing.metadata().getOrDefault(MachineMetadata.CLUSTER, ""))
                ? "it belongs to nkd's cluster " + existing.metadata().get(MachineMetadata.CLUSTER)
                : "nkd did not create it";
        return new ProviderException(ProviderException.Kind.CONFLICT, "cannot create node " + r.name() + " of cluster " + r.cluster()
                + ": a libvirt domain named " + r.name() + " exists on " + host.uri() + " and " + owner
                + "; nkd leaves it alone: rename or remove that domain, or rename the node in Git",
                "domain '" + r.name() + "' already exists");
    }

    // ---- reading domains

    /** A domain with its XML's nkd metadata and its state. */
    private record Observed(String name, Domain domain, Map<String, String> metadata, DomainInfo.DomainState state) {
    }

    /** The domain of this name, or null when there is none. */
    private Observed lookup(String name) {
        return host.call("look up domain " + name, c -> {
            try {
                return observe(c.domainLookupByName(name));
            } catch (LibvirtException e) {
                if (LibvirtErrors.is(e, ErrorNumber.VIR_ERR_NO_DOMAIN)) {
                    return null;
                }
                throw e;
            }
        });
    }

    /** The domain as it is now, or null when it vanished meanwhile. */
    private static Observed observe(Domain d) throws LibvirtException {
        try {
            Element xml = Xml.parse(d.getXMLDesc(0));
            return new Observed(d.getName(), d, DomainXml.metadata(xml), d.getInfo().state);
        } catch (LibvirtException e) {
            if (LibvirtErrors.is(e, ErrorNumber.VIR_ERR_NO_DOMAIN)) {
                return null;
            }
            throw e;
        }
    }

    private List<Observed> ownedDomains(String cluster) {
        return host.call("list the domains of cluster " + cluster, c -> {
            List<Observed> out = new ArrayList<>();
            for (Domain d : c.listAllDomains(0)) {
                Observed o = observe(d);
                if (o != null && MachineMetadata.owns(o.metadata(), cluster) && o.name().equals(o.metadata().get(MachineMetadata.NODE))) {
                    out.add(o);
                }
            }
            out.sort(Comparator.comparing(Observed::name));
            return out;
        });
    }

    private java.util.Optional<ProvisionedMachine> machine(Observed o, String cluster) {
        if (!o.name().equals(o.metadata().get(MachineMetadata.NODE))) {
            return java.util.Optional.empty();
        }
        StateAndMessage s = state(o.state(), o.name());
        return MachineMetadata.machine(o.metadata(), cluster, s.state(), o.metadata().get(DomainXml.RESERVED_IP), s.message());
    }

    private ProvisionedMachine machineOrFail(String name, String cluster) {
        Observed o = lookup(name);
        if (o == null) {
            throw new ProviderException(ProviderException.Kind.SERVER_ERROR, "domain " + name + " vanished right after nkd started it on "
                    + host.uri(), null);
        }
        return machine(o, cluster).orElseThrow();
    }

    record StateAndMessage(ProvisionedMachine.State state, String message) {
    }

    /** A domain's state as nkd reports machines: running is active, a stopped or crashed domain failed (saying so). */
    static StateAndMessage state(DomainInfo.DomainState s, String name) {
        return switch (s) {
            case VIR_DOMAIN_RUNNING, VIR_DOMAIN_BLOCKED -> new StateAndMessage(ProvisionedMachine.State.ACTIVE, null);
            case VIR_DOMAIN_NOSTATE -> new StateAndMessage(ProvisionedMachine.State.BUILDING, null);
            case VIR_DOMAIN_PAUSED -> new StateAndMessage(ProvisionedMachine.State.FAILED,
                    "domain is paused (by an operator, or by libvirt on an I/O error such as a full disk): virsh resume " + name);
            case VIR_DOMAIN_PMSUSPENDED -> new StateAndMessage(ProvisionedMachine.State.FAILED,
                    "domain is suspended by the guest's power management: virsh dompmwakeup " + name);
            case VIR_DOMAIN_SHUTDOWN -> new StateAndMessage(ProvisionedMachine.State.FAILED, "domain is shutting down");
            case VIR_DOMAIN_SHUTOFF -> new StateAndMessage(ProvisionedMachine.State.FAILED,
                    "domain is shut off (the guest powered off or was stopped): virsh start " + name + ", or delete the node to recreate it");
            case VIR_DOMAIN_CRASHED -> new StateAndMessage(ProvisionedMachine.State.FAILED,
                    "domain crashed: see the QEMU log of " + name + " on the libvirt host");
        };
    }

    /** The pool's machine size; a pool without one gets MachineSize's defaults (2 CPUs, 4096 MiB, 40 GiB). */
    private static NodePool.MachineSize size(MachineRequest r) {
        return r.size() != null ? r.size() : new NodePool.MachineSize(null, null, null, null);
    }

    // ---- naming

    /** The node's disk: named for the cluster so nkd finds it even without its domain. */
    static String volumeName(String cluster, String node) {
        return node + "." + cluster + VOLUME_SUFFIX;
    }

    /**
     * A MAC for a node Git gives none: stable for the cluster and node (so a re-created machine keeps its reservation),
     * in the 52:54:00 range QEMU and libvirt use for guests.
     */
    static String derivedMac(String cluster, String node) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest((cluster + "/" + node).getBytes(StandardCharsets.UTF_8));
            return String.format("52:54:00:%02x:%02x:%02x", h[0] & 0xff, h[1] & 0xff, h[2] & 0xff);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Whether the libvirt host is this host (its URI names none), so QEMU can read nkd's pointer file. */
    static boolean local(String uri) {
        try {
            String h = URI.create(uri).getHost();
            return h == null || h.isEmpty();
        } catch (IllegalArgumentException e) {
            return true;
        }
    }

    private static String uuid(Domain d) {
        try {
            return d.getUUIDString();
        } catch (LibvirtException e) {
            return null;
        }
    }
}
