package io.nkd.server.http;

import io.netty.channel.Channel;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Per connection, touched only on its event loop (HTTP/2 streams share their connection's loop): the
 * header deadline and how many of its requests are being answered.
 */
final class ConnState {
    private final Channel channel;
    private final long headerTimeoutNanos;
    private final Consumer<Rejection> rejected;
    private ScheduledFuture<?> headerTimer;
    private int inProgress;

    ConnState(Channel channel, long headerTimeoutNanos, Consumer<Rejection> rejected) {
        this.channel = channel;
        this.headerTimeoutNanos = headerTimeoutNanos;
        this.rejected = rejected;
    }

    /** Starts the deadline for the next request's header, unless it runs already. */
    void armHeaderTimer() {
        if (headerTimer == null && channel.isActive()) {
            headerTimer = channel.eventLoop().schedule(() -> {
                headerTimer = null;
                if (inProgress == 0) {
                    rejected.accept(Rejection.HEADER_TIMEOUT);
                    channel.close();
                }
            }, headerTimeoutNanos, TimeUnit.NANOSECONDS);
        }
    }

    void headerReceived() {
        if (headerTimer != null) {
            headerTimer.cancel(false);
            headerTimer = null;
        }
    }

    void started() {
        inProgress++;
    }

    /** One request answered; returns how many are still being answered. */
    int finished() {
        return --inProgress;
    }

    boolean busy() {
        return inProgress > 0;
    }
}
