package io.nkd.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * A TCP forwarder on loopback that can be told to misbehave, for tests of what a process does when a peer stops
 * answering (a network partition), which no mock can show: the process's real client sees real sockets hang.
 *
 * <pre>{@code
 * try (FaultyProxy proxy = FaultyProxy.to(new InetSocketAddress("127.0.0.1", 6443))) {
 *     // point the process at proxy.address() instead of the server
 *     proxy.mode(FaultyProxy.Mode.BLACKHOLE);  // open connections go silent; new ones are accepted and get nothing
 *     proxy.mode(FaultyProxy.Mode.PASS);       // heal: new connections work again
 * }
 * }</pre>
 *
 * <ul>
 *   <li>{@link Mode#PASS}: bytes flow both ways.</li>
 *   <li>{@link Mode#BLACKHOLE}: every byte from either side is read and dropped, on open connections too, and new
 *       connections are accepted and treated the same: a peer that vanished without a reset (a cable pulled, a firewall
 *       dropping packets). Requests hang until the client's own timeout.</li>
 *   <li>{@link Mode#REFUSE}: open connections are reset and new ones closed at once (the peer's host is up, the
 *       service is not).</li>
 * </ul>
 * Switching back to PASS heals new connections; connections that were blackholed stay dead (as after a real
 * partition, the client must reconnect). It can also forward to one of several targets ({@link #to(Supplier)}): the
 * first that accepts, like a Service in front of replicas.
 */
public final class FaultyProxy implements AutoCloseable {
    /** What the proxy does with traffic. */
    public enum Mode { PASS, BLACKHOLE, REFUSE }

    private final ServerSocket server;
    private final Supplier<List<InetSocketAddress>> targets;
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "faulty-proxy");
        t.setDaemon(true);
        return t;
    });
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private volatile Mode mode = Mode.PASS;
    private volatile boolean closed;

    private FaultyProxy(InetSocketAddress listen, Supplier<List<InetSocketAddress>> targets) throws IOException {
        this.targets = targets;
        this.server = new ServerSocket();
        this.server.setReuseAddress(true);
        this.server.bind(listen, 50);
        threads.execute(this::accept);
    }

    private FaultyProxy(Supplier<List<InetSocketAddress>> targets) throws IOException {
        this(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), targets);
    }

    /** A proxy listening on {@code listen} (a fixed port, e.g. one a client was told) to the first of {@code targets} that accepts. */
    public static FaultyProxy on(InetSocketAddress listen, Supplier<List<InetSocketAddress>> targets) throws IOException {
        return new FaultyProxy(listen, targets);
    }

    /** A proxy on a free loopback port to {@code target}. */
    public static FaultyProxy to(InetSocketAddress target) throws IOException {
        List<InetSocketAddress> one = List.of(target);
        return new FaultyProxy(() -> one);
    }

    /** A proxy to the first of {@code targets} (asked at each connection) that accepts a connection. */
    public static FaultyProxy to(Supplier<List<InetSocketAddress>> targets) throws IOException {
        return new FaultyProxy(targets);
    }

    /** Where clients connect: loopback and the proxy's port. */
    public InetSocketAddress address() {
        return new InetSocketAddress(server.getInetAddress(), server.getLocalPort());
    }

    public int port() {
        return server.getLocalPort();
    }

    public Mode mode() {
        return mode;
    }

    /** Changes what the proxy does, for open connections and new ones. REFUSE resets every open connection at once. */
    public void mode(Mode next) {
        this.mode = next;
        if (next == Mode.REFUSE) {
            for (Socket s : open) {
                reset(s);
            }
        }
    }

    private void accept() {
        while (!closed) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                return; // closed
            }
            if (mode == Mode.REFUSE) {
                reset(client);
                continue;
            }
            open.add(client);
            threads.execute(() -> connect(client));
        }
    }

    private void connect(Socket client) {
        Socket upstream = null;
        if (mode == Mode.PASS) {
            for (InetSocketAddress target : targets.get()) {
                try {
                    Socket s = new Socket();
                    s.connect(target, 2000);
                    upstream = s;
                    break;
                } catch (IOException e) {
                    // the next target
                }
            }
            if (upstream == null) {
                reset(client);
                open.remove(client);
                return;
            }
            open.add(upstream);
            Socket up = upstream;
            threads.execute(() -> pump(up, client, List.of(client, up)));
        }
        // a blackholed connection has no upstream: what the client sends is read and dropped
        pump(client, upstream, upstream == null ? List.of(client) : List.of(client, upstream));
    }

    /** Copies {@code from} to {@code to} while PASS; drops what arrives otherwise; closes both at the end. */
    private void pump(Socket from, Socket to, List<Socket> pair) {
        byte[] buffer = new byte[16384];
        try (InputStream in = from.getInputStream()) {
            OutputStream out = to == null ? null : to.getOutputStream();
            int n;
            while ((n = in.read(buffer)) >= 0) {
                if (mode == Mode.PASS && out != null) {
                    out.write(buffer, 0, n);
                    out.flush();
                }
                // BLACKHOLE: dropped; the connection stays open and silent
            }
        } catch (IOException e) {
            // reset or closed
        } finally {
            for (Socket s : pair) {
                close(s);
            }
        }
    }

    private void reset(Socket s) {
        try {
            s.setSoLinger(true, 0); // RST, not FIN
        } catch (SocketException e) {
            // closing anyway
        }
        close(s);
    }

    private void close(Socket s) {
        open.remove(s);
        try {
            s.close();
        } catch (IOException e) {
            // already closed
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException e) {
            // closing
        }
        new CopyOnWriteArrayList<>(open).forEach(this::close);
        threads.shutdownNow();
    }
}
