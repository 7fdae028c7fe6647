package io.nkd.infra.libvirt;

import com.sun.jna.Library;
import com.sun.jna.Native;
import org.libvirt.jna.ConnectionPointer;
import org.libvirt.jna.NetworkPointer;
import org.libvirt.jna.virError;

/**
 * virNetworkUpdate, bound to the same libvirt client library as libvirt-java. Without it a DHCP reservation could only be
 * added by redefining the network and restarting it, which would cut every guest on it off.
 */
interface NetworkApi extends Library {
    /** VIR_NETWORK_UPDATE_COMMAND_DELETE, _ADD_LAST. */
    int DELETE = 2;
    int ADD_LAST = 3;
    /** VIR_NETWORK_SECTION_IP_DHCP_HOST. */
    int SECTION_DHCP_HOST = 4;
    /** VIR_NETWORK_UPDATE_AFFECT_LIVE, _CONFIG. */
    int LIVE = 1;
    int CONFIG = 2;

    NetworkApi INSTANCE = Native.load("virt", NetworkApi.class);

    NetworkPointer virNetworkLookupByName(ConnectionPointer conn, String name);

    int virNetworkUpdate(NetworkPointer net, int command, int section, int parentIndex, String xml, int flags);

    int virNetworkFree(NetworkPointer net);

    /** The calling thread's last error (libvirt keeps it per thread). */
    virError virGetLastError();
}
