package io.nkd.server.http;

/** Answers a request. Runs on an I/O thread or on the listener's handler threads (see {@link HttpListener.Config}). */
@FunctionalInterface
public interface Handler {
    Response handle(Request request);
}
