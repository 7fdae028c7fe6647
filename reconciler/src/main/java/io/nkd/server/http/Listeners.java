package io.nkd.server.http;

import java.net.Inet6Address;
import java.net.InetSocketAddress;

/** Small helpers shared by the listener's classes. */
final class Listeners {
    private Listeners() {
    }

    /** {@code host:port}, with an IPv6 address in brackets. */
    static String hostPort(InetSocketAddress a) {
        if (a.getAddress() == null) {
            return a.getHostString() + ":" + a.getPort();
        }
        String host = a.getAddress().getHostAddress();
        return (a.getAddress() instanceof Inet6Address ? "[" + host + "]" : host) + ":" + a.getPort();
    }
}
