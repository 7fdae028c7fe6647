package io.nkd.server.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.util.ReferenceCountUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns one connection's (HTTP/1.1) or one stream's (HTTP/2) messages into whole {@link Request}s within the
 * limits, hands each to the handler, and writes the answer. Limits are enforced as early as possible: a body
 * announced over the limit is answered 413 before a byte of it is read, and the rate limit is checked on the
 * header, before any body. After an error that leaves unread input (413, 429 with a body coming, a malformed
 * request), the answer is sent with {@code Connection: close}, further input is discarded for a moment (so the
 * client, still sending, sees the answer rather than a reset) and the connection is closed.
 */
final class RequestReader extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(HttpListener.class);
    /** How long, and how many bytes, the rest of a refused request is read and dropped before closing. */
    private static final long LINGER_MILLIS = 1_000;
    private static final long LINGER_BYTES = 4L << 20;
    /** The kernel's send buffer for a streaming connection (it would otherwise grow to megabytes on a stalled reader). */
    private static final int STREAM_SEND_BUFFER = 64 * 1024;

    private final HttpListener.Shared shared;
    private final ConnState conn;
    private final Request.Protocol protocol;

    private HttpRequest head;
    private CompositeByteBuf body;
    private boolean discarding;
    private long discarded;
    /** A request of this reader counts in the listener's in-flight requests: from its header to its answer. */
    private boolean counted;

    RequestReader(HttpListener.Shared shared, ConnState conn, Request.Protocol protocol) {
        this.shared = shared;
        this.conn = conn;
        this.protocol = protocol;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        if (protocol == Request.Protocol.HTTP_2) {
            conn.headerReceived(); // a stream exists: its connection delivered a request header in time
        } else if (ctx.channel().isActive()) {
            conn.armHeaderTimer();
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        if (protocol == Request.Protocol.HTTP_1_1) {
            conn.armHeaderTimer();
        }
        super.channelActive(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (discarding) {
                if (msg instanceof HttpContent c) {
                    discarded += c.content().readableBytes();
                    if (discarded > LINGER_BYTES) {
                        ctx.channel().close();
                    }
                }
                return;
            }
            if (msg instanceof HttpRequest request) {
                onHead(ctx, request);
            }
            if (msg instanceof HttpContent content && head != null) {
                onContent(ctx, content);
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    private void onHead(ChannelHandlerContext ctx, HttpRequest request) {
        conn.headerReceived();
        if (!ctx.channel().isActive()) {
            return; // the decoder's word on a header cut short by the close (e.g. at the header deadline): nobody to answer
        }
        if (request.decoderResult().isFailure()) {
            Throwable cause = request.decoderResult().cause();
            if (cause instanceof TooLongHttpLineException) {
                refuse(ctx, Rejection.HEADERS_TOO_LARGE, Response.text(414, "request line too long"));
            } else if (cause instanceof TooLongHttpHeaderException || cause instanceof TooLongFrameException) {
                refuse(ctx, Rejection.HEADERS_TOO_LARGE, Response.text(431, "request headers larger than "
                        + shared.limits().maxHeaderBytes() + " bytes"));
            } else {
                refuse(ctx, Rejection.MALFORMED, Response.text(400, "malformed request"));
            }
            return;
        }
        boolean hasBody = HttpUtil.isTransferEncodingChunked(request) || HttpUtil.getContentLength(request, 0L) > 0;
        if (shared.closing()) {
            shared.rejected(Rejection.SHUTTING_DOWN);
            answerThenMaybeClose(ctx, Response.text(503, "shutting down").with("Retry-After", "1"), hasBody || protocol == Request.Protocol.HTTP_1_1);
            return;
        }
        long wait = shared.rateLimiter().acquire(remote(ctx));
        if (wait > 0) {
            shared.rejected(Rejection.RATE_LIMITED);
            long seconds = Math.max(1, TimeUnit.NANOSECONDS.toSeconds(wait + 999_999_999L));
            answerThenMaybeClose(ctx, Response.text(429, "too many requests from your address; retry after " + seconds + " s")
                    .with("Retry-After", Long.toString(seconds)), hasBody);
            return;
        }
        long length = HttpUtil.getContentLength(request, -1L);
        if (length > shared.limits().maxBodyBytes()) {
            refuse(ctx, Rejection.BODY_TOO_LARGE, tooLarge());
            return;
        }
        if (protocol == Request.Protocol.HTTP_1_1 && HttpUtil.is100ContinueExpected(request)) {
            ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE, Unpooled.EMPTY_BUFFER));
        }
        head = request;
        body = ctx.alloc().compositeBuffer();
        enter(); // from here on, a shutdown waits for this request (its body may still be on its way)
    }

    private void enter() {
        if (!counted) {
            counted = true;
            shared.inFlight().enter();
        }
    }

    private void exit() {
        if (counted) {
            counted = false;
            shared.inFlight().exit();
        }
    }

    private void onContent(ChannelHandlerContext ctx, HttpContent content) {
        ByteBuf bytes = content.content();
        if (body.readableBytes() + (long) bytes.readableBytes() > shared.limits().maxBodyBytes()) {
            drop();
            refuse(ctx, Rejection.BODY_TOO_LARGE, tooLarge());
            return;
        }
        if (bytes.isReadable()) {
            body.addComponent(true, bytes.retain());
        }
        if (content instanceof LastHttpContent) {
            HttpRequest request = head;
            byte[] data = ByteBufUtil.getBytes(body);
            drop();
            dispatch(ctx, request, data);
        }
    }

    private Response tooLarge() {
        return Response.text(413, "request body larger than " + shared.limits().maxBodyBytes() + " bytes");
    }

    private void drop() {
        if (body != null) {
            body.release();
            body = null;
        }
        head = null;
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        drop();
        exit();
        super.channelInactive(ctx);
    }

    private void dispatch(ChannelHandlerContext ctx, HttpRequest request, byte[] data) {
        Request r = new Request(request.method().name(), path(request.uri()), headers(request), data, remote(ctx), protocol);
        boolean keepAlive = protocol == Request.Protocol.HTTP_2 || HttpUtil.isKeepAlive(request);
        // HEAD: the answer's headers (Content-Length of the full body) without the body, on HTTP/2 as on HTTP/1.1
        boolean headOnly = HttpMethod.HEAD.equals(request.method());
        conn.started();
        if (protocol == Request.Protocol.HTTP_1_1 && shared.executor() != null) {
            // answered on another thread: one request at a time per connection, so answers stay in order (inline,
            // they are in order anyway, and toggling reads would cost two epoll_ctl calls per request)
            ctx.channel().config().setAutoRead(false);
        }
        if (shared.executor() == null) {
            finish(ctx, keepAlive, headOnly, shared.call(r));
            return;
        }
        try {
            shared.executor().execute(() -> {
                Response response;
                try {
                    response = shared.call(r);
                } catch (Error e) {
                    // out of memory and the like: still answer (and close) rather than leave the client waiting forever
                    ctx.executor().execute(() -> finish(ctx, false, headOnly, Response.text(500, "internal error")));
                    throw e;
                }
                ctx.executor().execute(() -> finish(ctx, keepAlive, headOnly, response));
            });
        } catch (RejectedExecutionException e) {
            finish(ctx, false, headOnly, Response.text(503, "busy").with("Retry-After", "1"));
        }
    }

    private void finish(ChannelHandlerContext ctx, boolean keepAlive, boolean headOnly, Response response) {
        if (response.stream() != null) {
            if (!headOnly && !shared.closing()) {
                startStream(ctx, response);
                return;
            }
            response = new Response(shared.closing() ? 503 : response.status(), response.headers(), new byte[0]);
        }
        boolean keep = keepAlive && !shared.closing();
        write(ctx, response, keep, headOnly).addListener((ChannelFutureListener) f -> {
            exit();
            int left = conn.finished();
            if (protocol == Request.Protocol.HTTP_1_1) {
                if (!keep || !f.isSuccess()) {
                    f.channel().close();
                    return;
                }
                if (shared.executor() != null) {
                    f.channel().config().setAutoRead(true);
                }
                if (left == 0) {
                    conn.armHeaderTimer(); // the keep-alive wait for the next request
                }
            }
        });
    }

    /**
     * Writes the header of a streamed response and hands the stream its sink. From here the request no longer
     * counts as in flight (shutdown does not wait for a stream; it closes it with the connection), the connection
     * stays "busy" (no header deadline, no idle close: the stream's heartbeats are its traffic), and anything more
     * the client sends on it is dropped: an HTTP/1.1 connection carries one stream and ends with it.
     */
    private void startStream(ChannelHandlerContext ctx, Response response) {
        DefaultHttpResponse res = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(response.status()));
        var h = res.headers();
        response.headers().forEach(h::set);
        h.set(HttpHeaderNames.DATE, HttpDates.now());
        if (protocol == Request.Protocol.HTTP_1_1) {
            HttpUtil.setTransferEncodingChunked(res, true);
            h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            discarding = true;
            ctx.channel().config().setAutoRead(true); // reads only to see the client leave
        }
        exit();
        // a small send buffer: a reader that stops reading fills it, and the write buffer's high-water mark, quickly
        ctx.channel().config().setOption(io.netty.channel.ChannelOption.SO_SNDBUF, STREAM_SEND_BUFFER);
        ctx.writeAndFlush(res);
        StreamSink sink = new StreamSink(ctx.channel(), protocol == Request.Protocol.HTTP_1_1, () -> shared.rejected(Rejection.STREAM_STALLED));
        try {
            response.stream().start(sink);
        } catch (RuntimeException e) {
            LOG.error("{}: event stream failed to start: {}", shared.name(), e.toString());
            ctx.channel().close();
        }
    }

    /** Answers a request that will not be handled, then reads and drops what the client still sends, then closes. */
    private void refuse(ChannelHandlerContext ctx, Rejection why, Response response) {
        shared.rejected(why);
        LOG.debug("{}: {} from {}: {}", shared.name(), why.label(), remote(ctx).getHostAddress(), response.status());
        answerThenMaybeClose(ctx, response, true);
    }

    private void answerThenMaybeClose(ChannelHandlerContext ctx, Response response, boolean close) {
        drop();
        exit();
        if (!close) {
            write(ctx, response, true, false);
            return;
        }
        discarding = true;
        Channel ch = ctx.channel();
        write(ctx, response, false, false).addListener((ChannelFutureListener) f -> {
            if (protocol == Request.Protocol.HTTP_2) {
                return; // the stream ends with the answer; the connection goes on
            }
            ch.config().setAutoRead(true);
            ch.eventLoop().schedule(() -> {
                ch.close();
            }, LINGER_MILLIS, TimeUnit.MILLISECONDS);
        });
    }

    private io.netty.channel.ChannelFuture write(ChannelHandlerContext ctx, Response response, boolean keepAlive, boolean headOnly) {
        FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(response.status()),
                headOnly ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(response.body()));
        var h = res.headers();
        response.headers().forEach(h::set);
        h.set(HttpHeaderNames.CONTENT_LENGTH, response.body().length);
        h.set(HttpHeaderNames.DATE, HttpDates.now());
        if (protocol == Request.Protocol.HTTP_1_1 && !keepAlive) {
            h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        return ctx.writeAndFlush(res);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.debug("{}: connection from {} failed: {}", shared.name(), remote(ctx).getHostAddress(), cause.toString());
        ctx.close();
    }

    private static InetAddress remote(ChannelHandlerContext ctx) {
        Channel ch = ctx.channel() instanceof Http2StreamChannel ? ctx.channel().parent() : ctx.channel();
        return ((InetSocketAddress) ch.remoteAddress()).getAddress();
    }

    private static String path(String uri) {
        int q = uri.indexOf('?');
        String p = q < 0 ? uri : uri.substring(0, q);
        int hash = p.indexOf('#');
        return hash < 0 ? p : p.substring(0, hash);
    }

    private static Map<String, List<String>> headers(HttpRequest request) {
        Map<String, List<String>> out = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        for (Map.Entry<String, String> e : request.headers()) {
            out.computeIfAbsent(e.getKey(), k -> new ArrayList<>(1)).add(e.getValue());
        }
        return out;
    }
}
