package io.nkd.infra.libvirt;

import org.libvirt.Connect;
import org.libvirt.LibvirtException;
import org.libvirt.jna.ConnectionPointer;

/**
 * A libvirt connection that also hands its native pointer to {@link NetworkApi}, for the one call libvirt-java 0.5.4
 * does not wrap (virNetworkUpdate, which adds and removes DHCP reservations on a running network).
 */
final class HostConnection extends Connect {
    HostConnection(String uri) throws LibvirtException {
        super(uri, false);
    }

    ConnectionPointer pointer() {
        return vcp;
    }
}
