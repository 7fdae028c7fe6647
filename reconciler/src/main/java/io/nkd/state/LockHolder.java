package io.nkd.state;

import java.time.Instant;
import java.util.Objects;

/**
 * Who holds a lock, as recorded in the lock file for diagnostics. The lock itself is the operating system's;
 * this record only helps an operator find the other nkd.
 *
 * @param command what the holder runs ("nkd serve …"), for the state directory's lock; null for cluster locks
 */
public record LockHolder(long pid, String host, Instant since, String command) {
    public LockHolder {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(since, "since");
    }

    /** A holder that does not say what it runs (cluster locks). */
    public LockHolder(long pid, String host, Instant since) {
        this(pid, host, since, null);
    }

    /** "nkd pid 4242 on host x since 2026-11-22T10:00:00Z", then " (nkd serve …)" when the command is known. */
    @Override
    public String toString() {
        return "nkd pid " + pid + " on host " + host + " since " + since + (command == null ? "" : " (" + command + ")");
    }
}
