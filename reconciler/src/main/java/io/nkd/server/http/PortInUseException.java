package io.nkd.server.http;

import java.net.BindException;
import java.net.InetSocketAddress;

/** The address a listener was to bind is taken by another process (or another listener of this one). */
public final class PortInUseException extends BindException {
    private static final long serialVersionUID = 1L;
    private final transient InetSocketAddress address;
    private final String what;

    /** @param what what was to listen there, for the message ("the Ignition server", "the API") */
    public PortInUseException(InetSocketAddress address, String what) {
        super(what + " cannot listen on " + Listeners.hostPort(address) + ": port " + address.getPort() + " is already in use");
        this.address = address;
        this.what = what;
    }

    public InetSocketAddress address() {
        return address;
    }

    public String what() {
        return what;
    }
}
