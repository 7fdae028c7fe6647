package io.nkd.ha;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The leader's stop rule on a clock the test moves: last successful renewal (its request's start) + renew deadline. */
class RenewDeadlineTest {
    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final RenewDeadline deadline = new RenewDeadline(Duration.ofSeconds(10), now::get);

    private void advance(Duration d) {
        now.addAndGet(d.toNanos());
    }

    @Test
    void notLeadingBeforeTheFirstRenewal() {
        assertFalse(deadline.valid());
        assertEquals(Duration.ZERO, deadline.remaining());
    }

    @Test
    void leadsUntilTheDeadlineCountedFromTheStartOfTheRenewalRequest() {
        long start = deadline.start();
        advance(Duration.ofSeconds(3)); // a slow request: the 3 s count against the leader, not for it
        deadline.renewed(start);
        assertTrue(deadline.valid());
        assertEquals(Duration.ofSeconds(7), deadline.remaining());
        advance(Duration.ofSeconds(7));
        assertTrue(deadline.valid(), "exactly at the deadline");
        advance(Duration.ofNanos(1));
        assertFalse(deadline.valid(), "past the deadline, whatever the elector's callbacks say");
    }

    @Test
    void aLateAnswerToAnOlderRequestNeverMovesTheDeadlineBack() {
        long older = deadline.start();
        advance(Duration.ofSeconds(2));
        long newer = deadline.start();
        deadline.renewed(newer);
        deadline.renewed(older);
        advance(Duration.ofSeconds(10));
        assertTrue(deadline.valid(), "counted from the newer renewal");
    }

    @Test
    void aRenewalAnsweredAfterTheDeadlineDoesNotMakeALeader() {
        long start = deadline.start();
        advance(Duration.ofSeconds(12)); // the request hung for longer than the deadline, then succeeded
        deadline.renewed(start);
        assertFalse(deadline.valid());
    }

    @Test
    void clearedStopsAtOnce() {
        deadline.renewed(deadline.start());
        deadline.cleared();
        assertFalse(deadline.valid());
    }

    @Test
    void monotonicReadingsThatWrapAroundStillCompare() {
        AtomicLong wrap = new AtomicLong(Long.MAX_VALUE - 1_000_000_000L);
        RenewDeadline d = new RenewDeadline(Duration.ofSeconds(10), wrap::get);
        d.renewed(d.start());
        wrap.addAndGet(5_000_000_000L); // past Long.MAX_VALUE: nanoTime may wrap, differences still hold
        assertTrue(d.valid());
        wrap.addAndGet(6_000_000_000L);
        assertFalse(d.valid());
    }

    @Test
    void settingsRefuseADeadlineThatWouldOutliveTheLease() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new LeaseLeadership.Settings("nkd-system", "nkd",
                "a", Duration.ofSeconds(10), Duration.ofSeconds(10), Duration.ofSeconds(2)));
        assertTrue(e.getMessage().contains("--lease-duration (10000 ms) must be longer than --renew-deadline (10000 ms)"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new LeaseLeadership.Settings("nkd-system", "nkd", "a",
                Duration.ofSeconds(15), Duration.ofSeconds(2), Duration.ofSeconds(2)));
        assertTrue(e.getMessage().contains("--renew-deadline (2000 ms) must be longer than --retry-period (2000 ms)"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> LeaseLeadershipSettings.withLease("Bad_Name"));
        assertTrue(e.getMessage().contains("--leader-election-lease \"Bad_Name\" is not a valid Lease name"), e.getMessage());
    }

    @Test
    void identitiesOfOnePodNameDiffer() {
        java.security.SecureRandom r = new java.security.SecureRandom();
        String a = LeaseLeadership.Settings.identity("nkd-7d9f-abcde", "host", r);
        String b = LeaseLeadership.Settings.identity("nkd-7d9f-abcde", "host", r);
        assertTrue(a.startsWith("nkd-7d9f-abcde-") && b.startsWith("nkd-7d9f-abcde-"), a + " " + b);
        assertFalse(a.equals(b), "a restarted pod of the same name must not take its predecessor's lease for its own");
        assertTrue(LeaseLeadership.Settings.identity(null, "mgmt-1", r).startsWith("mgmt-1-"));
    }

    private static final class LeaseLeadershipSettings {
        static LeaseLeadership.Settings withLease(String name) {
            return new LeaseLeadership.Settings("nkd-system", name, "a", Duration.ofSeconds(15), Duration.ofSeconds(10), Duration.ofSeconds(2));
        }
    }
}
