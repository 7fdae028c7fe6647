package io.nkd.infra.baremetal;

import io.nkd.config.Infrastructure;
import io.nkd.infra.MachineMetadata;
import io.nkd.infra.MachineRequest;
import io.nkd.infra.OwnedResource;
import io.nkd.infra.Provider;
import io.nkd.infra.ProviderException;
import io.nkd.infra.ProvisionedMachine;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bare metal: nkd cannot build a physical machine, so "creating" one registers it ({@link BareMetalRegistry}: its
 * MAC, node, pool, metadata, boot settings and pointer config), which makes nkd's iPXE listener answer its MAC; the
 * machine is installed when someone (or its BMC) PXE-boots it. "Deleting" unregisters it: iPXE answers 404 again and
 * the node's token is revoked by the daemon, but the physical machine is neither powered off nor wiped; it keeps
 * running what it installed until someone reinstalls or switches it off.
 *
 * <p>A registered machine is {@link ProvisionedMachine.State#BUILDING} until its node fetched its config from nkd's
 * Ignition server ({@link FetchRecord}), then {@link ProvisionedMachine.State#ACTIVE}: that fetch is the only sign a
 * physical machine gives.
 */
public final class BareMetalProvider implements Provider {
    private static final Logger LOG = LoggerFactory.getLogger(BareMetalProvider.class);
    /** The {@link OwnedResource#kind()} of a registration. */
    public static final String KIND = "ipxe-host";

    private final BareMetalRegistry registry;
    private final FetchRecord fetches;
    private final Clock clock;

    public BareMetalProvider(BareMetalRegistry registry, FetchRecord fetches, Clock clock) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.fetches = Objects.requireNonNull(fetches, "fetches");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    @Override
    public Infrastructure.ProviderType type() {
        return Infrastructure.ProviderType.BAREMETAL;
    }

    /**
     * This provider as one cluster's settings see it: machines it registers boot what {@code settings} say. A view
     * per lookup (clusters reconcile in parallel, each with its own images and install disk).
     */
    public Provider withSettings(Infrastructure.BareMetal settings) {
        Optional<BootSettings> boot = BootSettings.of(settings);
        BareMetalProvider self = this;
        return new Provider() {
            @Override
            public Infrastructure.ProviderType type() {
                return self.type();
            }

            @Override
            public List<ProvisionedMachine> list(String cluster) {
                boot.ifPresent(b -> self.follow(cluster, b));
                return self.list(cluster);
            }

            @Override
            public ProvisionedMachine create(MachineRequest request) {
                return self.create(request, boot.orElseThrow(() -> new ProviderException(ProviderException.Kind.NOT_FOUND,
                        "cluster " + request.cluster() + " has no infrastructure.baremetal.pxe images to boot machines with",
                        null)));
            }

            @Override
            public void delete(String cluster, String machine) {
                self.delete(cluster, machine);
            }

            @Override
            public List<OwnedResource> owned(String cluster) {
                return self.owned(cluster);
            }

            @Override
            public List<OwnedResource> destroy(String cluster) {
                return self.destroy(cluster);
            }
        };
    }

    /**
     * Machines not yet installed boot what Git says now: a fixed kernel URL or install disk applies to them without
     * deleting them. Installed machines keep what they were installed with (their next install is a new machine).
     */
    void follow(String cluster, BootSettings boot) {
        Map<String, Instant> fetched = fetches.fetched(cluster);
        for (BareMetalHost h : registry.hosts(cluster)) {
            if (!fetched.containsKey(h.node()) && !h.boot().equals(boot)) {
                try {
                    registry.updateBoot(h, boot);
                    LOG.info("bare-metal machine cluster={} machine={}: its iPXE script follows the changed baremetal settings",
                            cluster, h.node());
                } catch (UncheckedIOException e) {
                    throw new ProviderException(ProviderException.Kind.SERVER_ERROR, e.getMessage(), null, e);
                }
            }
        }
    }

    @Override
    public List<ProvisionedMachine> list(String cluster) {
        Map<String, Instant> fetched = fetches.fetched(cluster);
        return registry.hosts(cluster).stream().map(h -> machine(h, fetched)).flatMap(Optional::stream).toList();
    }

    private Optional<ProvisionedMachine> machine(BareMetalHost h) {
        return machine(h, fetches.fetched(h.cluster()));
    }

    private Optional<ProvisionedMachine> machine(BareMetalHost h, Map<String, Instant> fetchedByNode) {
        Optional<Instant> fetched = Optional.ofNullable(fetchedByNode.get(h.node()));
        ProvisionedMachine.State state = fetched.isPresent() ? ProvisionedMachine.State.ACTIVE : ProvisionedMachine.State.BUILDING;
        String message;
        if (fetched.isPresent()) {
            message = "installed: fetched its config at " + fetched.get();
        } else if (h.pointerFetches() > 0) {
            message = "installing: the installer fetched its pointer config at " + h.pointerFetchedAt() + " from "
                    + h.pointerFetchedFrom() + "; waiting for the installed system's first boot";
        } else {
            message = "waiting for a PXE boot from MAC " + h.mac();
        }
        String ip = h.metadata().get(MachineMetadata.IP);
        return MachineMetadata.machine(h.metadata(), h.cluster(), state, ip == null || ip.isEmpty() ? null : ip, message);
    }

    /** Without a cluster's settings (no view): only machines that are registered already can be "created". */
    @Override
    public ProvisionedMachine create(MachineRequest request) {
        Optional<BareMetalHost> existing = registry.host(request.cluster(), request.name());
        return existing.flatMap(this::machine).orElseThrow(() -> new ProviderException(ProviderException.Kind.OTHER,
                "bare-metal machines are registered with their cluster's settings (BareMetalProvider.withSettings)", null));
    }

    ProvisionedMachine create(MachineRequest request, BootSettings boot) {
        Optional<BareMetalHost> existing = registry.host(request.cluster(), request.name());
        if (existing.isPresent()) {
            return machine(existing.get()).orElseThrow();
        }
        MacAddress mac = MacAddress.parse(request.mac()).orElseThrow(() -> new ProviderException(ProviderException.Kind.NOT_FOUND,
                "node " + request.name() + " of cluster " + request.cluster() + " has no MAC address in cluster.yaml; bare-metal "
                        + "machines are found by the MAC of their boot interface", null));
        BareMetalHost host = new BareMetalHost(mac.value(), request.cluster(), request.name(),
                MachineMetadata.of(request, clock.instant()), boot, request.userData(), 0, null, null);
        try {
            registry.register(host);
        } catch (BareMetalRegistry.MacTakenException e) {
            throw new ProviderException(ProviderException.Kind.CONFLICT, "cannot register node " + request.name() + " of cluster "
                    + request.cluster() + ": " + e.getMessage() + "; fix the MAC in one of the cluster.yaml files", e.getMessage(), e);
        } catch (UncheckedIOException e) {
            throw new ProviderException(ProviderException.Kind.SERVER_ERROR, e.getMessage(), null, e);
        }
        LOG.info("bare-metal machine registered cluster={} pool={} machine={} mac={} commit={}: nkd answers its iPXE request now",
                request.cluster(), request.pool(), request.name(), mac, io.nkd.config.Snapshot.shortId(request.revision()));
        return machine(host).orElseThrow();
    }

    @Override
    public void delete(String cluster, String machine) {
        Optional<BareMetalHost> host = registry.host(cluster, machine);
        try {
            if (registry.unregister(cluster, machine)) {
                LOG.info("bare-metal machine unregistered cluster={} machine={} mac={}: iPXE answers 404 for it; the physical "
                        + "machine is not powered off or wiped", cluster, machine, host.map(BareMetalHost::mac).orElse("-"));
            }
        } catch (UncheckedIOException e) {
            throw new ProviderException(ProviderException.Kind.SERVER_ERROR, e.getMessage(), null, e);
        }
    }

    @Override
    public List<OwnedResource> owned(String cluster) {
        return registry.hosts(cluster).stream()
                .filter(h -> MachineMetadata.owns(h.metadata(), cluster))
                .map(h -> new OwnedResource(KIND, h.node(), h.mac())).toList();
    }

    @Override
    public List<OwnedResource> destroy(String cluster) {
        List<OwnedResource> gone = owned(cluster);
        gone.forEach(r -> delete(cluster, r.name()));
        return gone;
    }
}
