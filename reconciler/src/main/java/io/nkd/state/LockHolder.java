package io.nkd.state;

import java.time.Instant;
import java.util.Objects;

/**
 * Who holds a cluster lock, as recorded in the lock file for diagnostics. The lock itself is the
 * operating system's; this record only helps an operator find the other nkd.
 */
public record LockHolder(long pid, String host, Instant since) {
    public LockHolder {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(since, "since");
    }

    /** "nkd pid 4242 on host x since 2026-11-22T10:00:00Z" */
    @Override
    public String toString() {
        return "nkd pid " + pid + " on host " + host + " since " + since;
    }
}
