package io.nkd.console;

import io.nkd.json.JsonOutput;
import io.nkd.server.http.Stream;
import io.nkd.status.ClusterStatus;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The status stream ({@code GET /api/v1/events}): Server-Sent Events of every cluster's status as it changes.
 *
 * <p>One thread of its own looks at the statuses every {@code period} (500 ms) while at least one client listens,
 * and at nothing while none does; it compares each cluster's JSON with what it sent last and sends what changed to
 * every client. So the cost does not grow with clients, a reconcile writes no more than before, and a change is on
 * the wire within a period of being saved. A new client first gets every cluster's current status, then changes.
 * One client address may hold {@link #MAX_CLIENTS_PER_ADDRESS} streams, so no one client takes every place.
 *
 * <p>Events ({@code event:} name, {@code data:} one line of JSON):
 * <ul>
 *   <li>{@code cluster}: a cluster's status, exactly {@code GET /api/v1/clusters/NAME}'s document;</li>
 *   <li>{@code removed}: {@code {"name": NAME}}, a cluster nkd no longer lists;</li>
 *   <li>{@code ready}: {@code {"clusters": [NAMES]}}, after the first statuses a new client gets.</li>
 * </ul>
 * A comment line ({@code : heartbeat}) every {@code heartbeat} keeps proxies from closing a quiet stream and finds
 * clients that left. At most {@code maxClients} streams are open at once (the API answers 503 beyond); a client that
 * stops reading is cut off by the listener ({@link Stream.Sink#send}), never waited for.
 */
public final class EventHub implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EventHub.class);
    public static final Duration DEFAULT_PERIOD = Duration.ofMillis(500);
    public static final Duration DEFAULT_HEARTBEAT = Duration.ofSeconds(15);
    public static final int DEFAULT_MAX_CLIENTS = 64;
    /** Streams one client address may hold: one browser with a few tabs, not the whole allowance. */
    public static final int MAX_CLIENTS_PER_ADDRESS = 8;
    /** How long a browser waits before reconnecting a dropped stream (the SSE {@code retry:} field). */
    static final int RETRY_MILLIS = 2000;

    private final Supplier<List<ClusterStatus>> statuses;
    private final Duration period;
    private final Duration heartbeat;
    private final int maxClients;
    private final List<Stream.Sink> clients = new CopyOnWriteArrayList<>();
    private final ConcurrentLinkedQueue<Stream.Sink> joining = new ConcurrentLinkedQueue<>();
    private final AtomicInteger open = new AtomicInteger();
    private final Map<String, Integer> perAddress = new java.util.concurrent.ConcurrentHashMap<>();
    /** Last JSON sent per cluster; touched only by the hub's thread. */
    private final Map<String, String> sent = new HashMap<>();
    private final Thread thread;
    private volatile boolean closed;
    private long lastHeartbeat = System.nanoTime();
    private long eventId;

    public EventHub(Supplier<List<ClusterStatus>> statuses, Duration period, Duration heartbeat, int maxClients) {
        this.statuses = statuses;
        this.period = period;
        this.heartbeat = heartbeat;
        this.maxClients = maxClients;
        thread = new Thread(this::run, "nkd-console-events");
        thread.setDaemon(true);
        thread.start();
    }

    /** Whether a new client from {@code address} would be refused: too many streams open, in all or from it. */
    boolean full(String address) {
        return closed || open.get() >= maxClients || perAddress.getOrDefault(address, 0) >= MAX_CLIENTS_PER_ADDRESS;
    }

    /** A new client's stream; it takes a place when it starts (one that starts when none is left ends at once). */
    Stream stream() {
        return sink -> {
            String address = sink.remote();
            if (!tryJoin(address)) {
                sink.close();
                return;
            }
            sink.onClose(() -> {
                clients.remove(sink);
                open.decrementAndGet();
                perAddress.computeIfPresent(address, (a, n) -> n <= 1 ? null : n - 1);
            });
            joining.add(sink);
            LockSupport.unpark(thread); // its first statuses at once, from the hub's thread (this is an I/O thread)
        };
    }

    private synchronized boolean tryJoin(String address) {
        if (full(address)) {
            return false;
        }
        open.incrementAndGet();
        perAddress.merge(address, 1, Integer::sum);
        return true;
    }

    int clients() {
        return open.get();
    }

    private void run() {
        while (!closed) {
            try {
                tick();
            } catch (RuntimeException e) {
                LOG.warn("console event stream: reading statuses failed: {}", e.toString());
            }
            LockSupport.parkNanos(period.toNanos());
        }
        clients.forEach(Stream.Sink::close);
        joining.forEach(Stream.Sink::close);
    }

    private void tick() {
        List<Stream.Sink> fresh = new java.util.ArrayList<>();
        for (Stream.Sink s; (s = joining.poll()) != null; ) {
            fresh.add(s);
        }
        if (clients.isEmpty() && fresh.isEmpty()) {
            sent.clear(); // nobody listens: forget, and read nothing
            return;
        }
        Map<String, String> now = new java.util.LinkedHashMap<>();
        for (ClusterStatus status : statuses.get()) {
            now.put(status.name(), compact(status));
        }
        StringBuilder changes = new StringBuilder();
        for (Map.Entry<String, String> e : now.entrySet()) {
            if (!e.getValue().equals(sent.get(e.getKey()))) {
                changes.append(event("cluster", e.getValue()));
            }
        }
        for (String gone : sent.keySet()) {
            if (!now.containsKey(gone)) {
                changes.append(event("removed", compact(Map.of("name", gone))));
            }
        }
        sent.clear();
        sent.putAll(now);
        long t = System.nanoTime();
        if (changes.length() == 0 && t - lastHeartbeat >= heartbeat.toNanos()) {
            changes.append(": heartbeat\n\n");
        }
        if (changes.length() > 0) {
            lastHeartbeat = t;
            String text = changes.toString();
            clients.forEach(c -> c.send(text));
        }
        if (!fresh.isEmpty()) {
            StringBuilder first = new StringBuilder("retry: " + RETRY_MILLIS + "\n\n");
            now.values().forEach(json -> first.append(event("cluster", json)));
            first.append(event("ready", compact(Map.of("clusters", List.copyOf(now.keySet())))));
            String text = first.toString();
            for (Stream.Sink s : fresh) {
                if (s.send(text)) {
                    clients.add(s);
                    if (!s.isOpen()) {
                        clients.remove(s); // ended between the send and the add: its close already ran
                    }
                    LOG.debug("console event stream opened for {} ({} open)", s.remote(), open.get());
                }
            }
        }
    }

    /** One line: an SSE data field ends at a newline (JSON strings escape theirs). */
    private static String compact(Object value) {
        return JsonOutput.write(JsonOutput.tree(value), false);
    }

    private String event(String name, String json) {
        return "event: " + name + "\nid: " + (++eventId) + "\ndata: " + json + "\n\n";
    }

    /** Ends every stream (shutdown) and stops the thread. */
    @Override
    public void close() {
        closed = true;
        LockSupport.unpark(thread);
        try {
            thread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
