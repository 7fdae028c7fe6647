package io.nkd.server.http;

import java.net.InetAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * A token bucket per client address: {@code burst} requests at once, then {@code perSecond} on average. Buckets
 * that have filled up again are forgotten when the table grows, so a scan from many addresses cannot grow it
 * without bound.
 */
final class RateLimiter {
    private static final int PRUNE_ABOVE = 10_000;

    private final double perNano;
    private final double burst;
    private final LongSupplier nanoTime;
    private final ConcurrentHashMap<InetAddress, Bucket> buckets = new ConcurrentHashMap<>();

    RateLimiter(double perSecond, int burst, LongSupplier nanoTime) {
        this.perNano = perSecond / 1e9;
        this.burst = burst;
        this.nanoTime = nanoTime;
    }

    /** 0 if a request from {@code client} may go ahead now, else the nanoseconds until it may. */
    long acquire(InetAddress client) {
        if (perNano <= 0) {
            return 0;
        }
        long now = nanoTime.getAsLong();
        Bucket b = buckets.get(client);
        if (b == null) {
            if (buckets.size() > PRUNE_ABOVE) {
                prune(now);
            }
            b = buckets.computeIfAbsent(client, c -> new Bucket(burst, now));
        }
        return b.take(now, perNano, burst);
    }

    private void prune(long now) {
        buckets.values().removeIf(b -> b.fullAt(now, perNano, burst));
    }

    private static final class Bucket {
        private double tokens;
        private long last;

        Bucket(double tokens, long now) {
            this.tokens = tokens;
            this.last = now;
        }

        synchronized long take(long now, double perNano, double burst) {
            tokens = Math.min(burst, tokens + (now - last) * perNano);
            last = now;
            if (tokens >= 1) {
                tokens -= 1;
                return 0;
            }
            return (long) Math.ceil((1 - tokens) / perNano);
        }

        synchronized boolean fullAt(long now, double perNano, double burst) {
            return tokens + (now - last) * perNano >= burst;
        }
    }
}
