package io.nkd.infra.libvirt;

import io.nkd.infra.ProviderException;
import java.util.concurrent.locks.ReentrantLock;
import org.libvirt.Connect;
import org.libvirt.Error;
import org.libvirt.LibvirtException;
import org.libvirt.jna.NetworkPointer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.w3c.dom.Element;

/**
 * One libvirt host: one connection, opened on first use and again after it broke (libvirtd restarted), and one lock.
 *
 * <p>libvirt connections may be shared by threads, and libvirt keeps its last error per thread, which libvirt-java reads
 * right after each failed call on the same thread. nkd still serializes every call on a host: a create or delete is a
 * sequence (look up, define, create the volume, reserve the address, start) that must not interleave with another
 * reconcile's sequence for the same names, and the calls are short next to a reconcile, so the lock costs nothing
 * that matters.
 */
final class LibvirtHost implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LibvirtHost.class);

    @FunctionalInterface
    interface Call<T> {
        T run(HostConnection c) throws LibvirtException;
    }

    /** What the hypervisor can run: the domain type (kvm when available, else qemu's emulation) and architecture. */
    record Guest(String domainType, String arch) {
    }

    /**
     * Without an error function libvirt prints every error to stderr, including the expected ones nkd handles (a domain
     * or volume looked up before it exists). nkd reads each error from the failed call instead (libvirt-java does), so
     * the function does nothing. Held here because JNA drops a callback that is no longer referenced.
     */
    private static final org.libvirt.jna.Libvirt.VirErrorCallback QUIET = (userData, error) -> {
    };

    static {
        try {
            Connect.setErrorCallback(QUIET);
        } catch (LibvirtException | UnsatisfiedLinkError | NoClassDefFoundError e) {
            LoggerFactory.getLogger(LibvirtHost.class).debug("libvirt: cannot silence its stderr reports: {}", e.toString());
        }
    }

    private final String uri;
    private final ReentrantLock lock = new ReentrantLock();
    private HostConnection connection;
    private Guest guest;

    LibvirtHost(String uri) {
        this.uri = uri;
    }

    String uri() {
        return uri;
    }

    /** Runs {@code call} holding the host's lock; libvirt's errors become ProviderExceptions saying what nkd was doing. */
    <T> T call(String doing, Call<T> call) {
        lock.lock();
        try {
            HostConnection c = connection();
            try {
                return call.run(c);
            } catch (LibvirtException e) {
                if (e.getError() != null && LibvirtErrors.connectionLost(e.getError().getCode())) {
                    drop();
                }
                throw LibvirtErrors.of(doing + " on " + uri, e);
            }
        } finally {
            lock.unlock();
        }
    }

    /** Runs a sequence of calls as one: no other call on this host runs in between. */
    <T> T exclusive(java.util.function.Supplier<T> work) {
        lock.lock();
        try {
            return work.get();
        } finally {
            lock.unlock();
        }
    }

    Guest guest() {
        return call("read the hypervisor's capabilities", c -> {
            if (guest == null) {
                guest = guestOf(c.getCapabilities());
                LOG.info("libvirt {}: new machines are {} domains ({})", uri, guest.domainType(), guest.arch());
            }
            return guest;
        });
    }

    /** The best hardware-virtualized guest the capabilities offer: kvm over qemu's emulation over anything else. */
    static Guest guestOf(String capabilities) {
        Element root = Xml.parse(capabilities);
        Element hostCpu = Xml.child(Xml.child(root, "host"), "cpu");
        String hostArch = Xml.text(Xml.child(hostCpu, "arch"));
        Guest best = null;
        int bestScore = -1;
        for (Element g : Xml.children(root, "guest")) {
            if (!"hvm".equals(Xml.text(Xml.child(g, "os_type")))) {
                continue;
            }
            for (Element arch : Xml.children(g, "arch")) {
                for (Element d : Xml.children(arch, "domain")) {
                    String type = d.getAttribute("type");
                    int score = ("kvm".equals(type) ? 4 : "qemu".equals(type) ? 2 : 0) + (arch.getAttribute("name").equals(hostArch) ? 1 : 0);
                    if (score > bestScore) {
                        bestScore = score;
                        best = new Guest(type, arch.getAttribute("name"));
                    }
                }
            }
        }
        if (best == null) {
            throw new ProviderException(ProviderException.Kind.OTHER, "the libvirt host cannot run hardware-virtualized (hvm) "
                    + "guests: its capabilities list none", null);
        }
        return best;
    }

    /** Adds or removes a DHCP host entry of a network, live and in its persistent config. */
    void updateDhcpHost(String network, int command, String hostXml, boolean active) {
        call("update the DHCP reservations of network " + network, c -> {
            NetworkApi api = NetworkApi.INSTANCE;
            NetworkPointer net = api.virNetworkLookupByName(c.pointer(), network);
            if (net == null) {
                throw lastError("look up network " + network);
            }
            try {
                int flags = NetworkApi.CONFIG | (active ? NetworkApi.LIVE : 0);
                if (api.virNetworkUpdate(net, command, NetworkApi.SECTION_DHCP_HOST, -1, hostXml, flags) < 0) {
                    throw lastError("update the DHCP reservations of network " + network);
                }
            } finally {
                api.virNetworkFree(net);
            }
            return null;
        });
    }

    private ProviderException lastError(String doing) {
        var err = NetworkApi.INSTANCE.virGetLastError();
        Error error = err == null ? null : new Error(err);
        ProviderException e = LibvirtErrors.of(doing + " on " + uri, error, null);
        if (error != null && error.getCode() == Error.ErrorNumber.VIR_ERR_OPERATION_INVALID) {
            // virNetworkUpdate says so when an entry with this MAC, name or address is there already
            return new ProviderException(ProviderException.Kind.CONFLICT, e.getMessage(), e.providerMessage());
        }
        return e;
    }

    private HostConnection connection() {
        if (connection != null) {
            try {
                if (connection.isAlive()) {
                    return connection;
                }
            } catch (LibvirtException e) {
                // a dead connection answers with an error: open a new one below
            }
            drop();
        }
        try {
            connection = new HostConnection(uri);
            return connection;
        } catch (LibvirtException e) {
            ProviderException failed = LibvirtErrors.of("cannot connect to libvirt at " + uri, e);
            ProviderException.Kind kind = failed.kind() == ProviderException.Kind.UNAUTHORIZED
                    ? ProviderException.Kind.UNAUTHORIZED : ProviderException.Kind.UNREACHABLE;
            throw new ProviderException(kind, failed.getMessage() + " (is libvirtd running, and may nkd's user use it?)",
                    failed.providerMessage(), e);
        } catch (UnsatisfiedLinkError | NoClassDefFoundError e) {
            throw new ProviderException(ProviderException.Kind.UNREACHABLE, "cannot load libvirt's client library for " + uri
                    + ": install it on the nkd host (Debian/Ubuntu: apt-get install libvirt0; Fedora: dnf install libvirt-libs)",
                    e.getMessage(), e);
        }
    }

    private void drop() {
        if (connection != null) {
            try {
                connection.close();
            } catch (LibvirtException e) {
                LOG.debug("libvirt {}: closing a broken connection: {}", uri, e.getMessage());
            }
            connection = null;
            guest = null;
        }
    }

    @Override
    public void close() {
        lock.lock();
        try {
            drop();
        } finally {
            lock.unlock();
        }
    }
}
