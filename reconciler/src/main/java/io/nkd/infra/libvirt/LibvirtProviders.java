package io.nkd.infra.libvirt;

import io.nkd.config.Infrastructure;
import io.nkd.infra.Provider;
import io.nkd.infra.ProviderException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * nkd's libvirt providers: one connection per libvirt URI, shared by every cluster that uses that host, and a provider
 * per cluster settings on it (the network, pool and boot settings differ per cluster, the host does not).
 */
public final class LibvirtProviders implements AutoCloseable {
    private final PointerFiles pointers;
    private final Clock clock;
    private final Map<String, LibvirtHost> hosts = new ConcurrentHashMap<>();

    /** @param stateDir nkd's state directory: pointer configs go to {@code libvirt/<cluster>/} under it */
    public LibvirtProviders(Path stateDir, Clock clock) {
        this.pointers = new PointerFiles(stateDir);
        this.clock = clock;
    }

    /** The provider for a cluster's libvirt settings. Connects on first use, not here. */
    public Provider forSettings(Infrastructure.Libvirt settings) {
        if (settings == null) {
            throw new ProviderException(ProviderException.Kind.NOT_FOUND, "spec.infrastructure.libvirt is missing: "
                    + "provider: libvirt needs it, with at least uri (e.g. qemu:///system)", null);
        }
        return new LibvirtProvider(hosts.computeIfAbsent(settings.uri(), LibvirtHost::new), settings, pointers, clock);
    }

    @Override
    public void close() {
        hosts.values().forEach(LibvirtHost::close);
        hosts.clear();
    }
}
