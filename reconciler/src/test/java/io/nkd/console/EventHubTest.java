package io.nkd.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nkd.server.http.Stream;
import io.nkd.status.ClusterStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The status stream's hub: first statuses, changes only, removals, heartbeats, the client limit, and its cost. */
class EventHubTest {
    /** A client that keeps what it was sent. */
    static final class Client implements Stream.Sink {
        final List<String> received = new CopyOnWriteArrayList<>();
        final List<Runnable> onClose = new ArrayList<>();
        volatile boolean open = true;

        @Override
        public boolean send(String text) {
            if (open) {
                received.add(text);
            }
            return open;
        }

        @Override
        public boolean isOpen() {
            return open;
        }

        @Override
        public synchronized void close() {
            if (open) {
                open = false;
                onClose.forEach(Runnable::run);
            }
        }

        @Override
        public synchronized void onClose(Runnable then) {
            if (open) {
                onClose.add(then);
            } else {
                then.run();
            }
        }

        @Override
        public String remote() {
            return "test";
        }

        String all() {
            return String.join("", received);
        }
    }

    private static ClusterStatus status(String name, ClusterStatus.Phase phase) {
        return new ClusterStatus(name, "a".repeat(40), "a".repeat(40), phase, List.of(), List.of(), List.of(), null, null, null);
    }

    private static void await(java.util.function.BooleanSupplier done, String what) throws InterruptedException {
        for (long end = System.nanoTime() + Duration.ofSeconds(5).toNanos(); System.nanoTime() < end; Thread.sleep(10)) {
            if (done.getAsBoolean()) {
                return;
            }
        }
        throw new AssertionError(what);
    }

    @Test
    @Timeout(20)
    void aClientGetsEveryStatusThenOnlyChangesAndRemovals() throws Exception {
        AtomicReference<List<ClusterStatus>> now = new AtomicReference<>(List.of(status("a", ClusterStatus.Phase.READY),
                status("b", ClusterStatus.Phase.PROVISIONING)));
        AtomicInteger reads = new AtomicInteger();
        try (EventHub hub = new EventHub(() -> {
            reads.incrementAndGet();
            return now.get();
        }, Duration.ofMillis(20), Duration.ofMillis(300), 4)) {
            Thread.sleep(100);
            assertEquals(0, reads.get(), "nobody listens: the hub reads nothing");
            Client c = new Client();
            hub.stream().start(c);
            await(() -> c.all().contains("event: ready"), "first statuses");
            String first = c.all();
            assertTrue(first.startsWith("retry: 2000\n\n"), first);
            assertTrue(first.contains("event: cluster\nid: ") && first.contains("\"name\":\"a\"") && first.contains("\"name\":\"b\""), first);
            assertTrue(first.contains("data: {\"clusters\":[\"a\",\"b\"]}"), first);
            int before = c.received.size();
            Thread.sleep(100);
            assertTrue(c.received.stream().skip(before).noneMatch(t -> t.contains("event:")), "nothing changed, nothing sent");

            now.set(List.of(status("a", ClusterStatus.Phase.DEGRADED)));
            await(() -> c.all().contains("event: removed"), "the change and the removal");
            String change = c.received.stream().skip(before).filter(t -> t.contains("event:")).findFirst().orElseThrow();
            assertTrue(change.contains("\"phase\":\"DEGRADED\""), change);
            assertFalse(change.contains("\"name\":\"b\",\"applied"), "b is not sent again");
            assertTrue(change.contains("event: removed\nid: ") && change.contains("data: {\"name\":\"b\"}"), change);
            for (String line : change.split("\n")) {
                assertTrue(line.isEmpty() || line.matches("(event|id|data): .*"), "one line per field: " + line);
            }
            await(() -> c.all().contains(": heartbeat\n\n"), "a heartbeat on a quiet stream");
        }
    }

    @Test
    @Timeout(20)
    void atMostMaxClientsAndAClosedClientGivesItsPlaceBack() throws Exception {
        try (EventHub hub = new EventHub(List::of, Duration.ofMillis(20), Duration.ofSeconds(15), 2)) {
            Client a = new Client();
            Client b = new Client();
            Client c = new Client();
            hub.stream().start(a);
            hub.stream().start(b);
            assertTrue(hub.full("other"));
            hub.stream().start(c);
            assertFalse(c.isOpen(), "a third stream ends at once");
            assertEquals(2, hub.clients());
            a.close();
            assertFalse(hub.full("other"), "a's place is free again");
            assertEquals(1, hub.clients());
            await(() -> b.all().contains("event: ready"), "b is served");
        }
    }

    @Test
    @Timeout(20)
    void closingTheHubEndsEveryStream() throws Exception {
        Client a = new Client();
        EventHub hub = new EventHub(List::of, Duration.ofMillis(20), Duration.ofSeconds(15), 2);
        hub.stream().start(a);
        await(() -> a.all().contains("event: ready"), "served");
        hub.close();
        assertFalse(a.isOpen());
        assertTrue(hub.full("test"), "a closed hub takes no one");
    }

    @Test
    @Timeout(20)
    void oneAddressHoldsAtMostItsShare() throws Exception {
        try (EventHub hub = new EventHub(List::of, Duration.ofMillis(20), Duration.ofSeconds(15), 64)) {
            List<Client> mine = new ArrayList<>();
            for (int i = 0; i < EventHub.MAX_CLIENTS_PER_ADDRESS; i++) {
                Client c = new Client();
                hub.stream().start(c);
                mine.add(c);
            }
            assertTrue(hub.full("test"), "this address has its share");
            assertFalse(hub.full("10.0.0.2"), "another address is served");
            Client more = new Client();
            hub.stream().start(more);
            assertFalse(more.isOpen());
            mine.get(0).close();
            assertFalse(hub.full("test"));
        }
    }
}
