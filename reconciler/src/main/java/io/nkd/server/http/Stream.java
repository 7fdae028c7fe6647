package io.nkd.server.http;

/**
 * The body of a response that is written piece by piece until one side ends it: Server-Sent Events. The listener
 * writes the status and headers, then hands a {@link Sink} to {@link #start}; whoever holds the sink writes to it
 * from any thread.
 *
 * <p>A stream is exempt from the request deadline and from shutdown's wait for requests in progress, but not
 * unbounded: a reader that stops reading is cut off as soon as the data waiting for it exceeds a small buffer
 * ({@link Sink#send} returns false and the connection is closed), so it can never hold a thread nor memory of the
 * daemon; shutdown closes every stream; how many streams may be open at once is the producer's to bound (it
 * answers 503 beyond).
 */
@FunctionalInterface
public interface Stream {
    /** Called once, on the connection's I/O thread, right after the header was written: must not block. */
    void start(Sink sink);

    /** Where a stream's pieces go. Thread-safe. */
    interface Sink {
        /**
         * Queues {@code text} (UTF-8) for the client. Returns false, and closes the stream, when the connection is
         * gone or its reader is too far behind (more than the connection's write buffer is waiting): never blocks.
         */
        boolean send(String text);

        boolean isOpen();

        /** Ends the response and closes the connection. */
        void close();

        /** Runs {@code then} once when the stream ends, whichever side ended it (at once if it has ended). */
        void onClose(Runnable then);

        /** The client's address, for logs. */
        String remote();
    }
}
