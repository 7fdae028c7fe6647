package io.nkd.server.http;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.LastHttpContent;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link Stream.Sink} on one connection (HTTP/1.1) or one stream (HTTP/2). Writes are queued on the channel
 * from any thread (Netty counts a queued write against the channel's buffer at once); when the buffer is over its
 * high-water mark the reader is too slow, and the stream is ended rather than buffered without bound.
 */
final class StreamSink implements Stream.Sink {
    private static final Logger LOG = LoggerFactory.getLogger(HttpListener.class);
    private final Channel channel;
    private final boolean closeConnection;
    private final Runnable stalled;
    private final AtomicBoolean open = new AtomicBoolean(true);
    private final List<Runnable> onClose = new java.util.ArrayList<>();

    /**
     * @param closeConnection HTTP/1.1: the connection ends with the stream (an HTTP/2 stream ends alone)
     * @param stalled         counts a reader cut off for not reading
     */
    StreamSink(Channel channel, boolean closeConnection, Runnable stalled) {
        this.channel = channel;
        this.closeConnection = closeConnection;
        this.stalled = stalled;
        channel.closeFuture().addListener(f -> ended());
    }

    @Override
    public boolean send(String text) {
        if (!open.get()) {
            return false;
        }
        if (!channel.isActive()) {
            close();
            return false;
        }
        if (!channel.isWritable()) {
            LOG.debug("event stream to {} closed: the client is not reading", remote());
            stalled.run();
            channel.close();
            return false;
        }
        channel.writeAndFlush(new DefaultHttpContent(Unpooled.copiedBuffer(text, StandardCharsets.UTF_8)))
                .addListener((ChannelFutureListener) f -> {
                    if (!f.isSuccess()) {
                        f.channel().close();
                    }
                });
        return true;
    }

    @Override
    public boolean isOpen() {
        return open.get() && channel.isActive();
    }

    @Override
    public void close() {
        if (!channel.isActive()) {
            ended();
            return;
        }
        channel.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT).addListener((ChannelFutureListener) f -> {
            if (closeConnection || !f.isSuccess()) {
                f.channel().close();
            }
            ended();
        });
    }

    @Override
    public void onClose(Runnable then) {
        synchronized (onClose) {
            if (open.get()) {
                onClose.add(then);
                return;
            }
        }
        then.run();
    }

    private void ended() {
        List<Runnable> run;
        synchronized (onClose) {
            if (!open.compareAndSet(true, false)) {
                return;
            }
            run = List.copyOf(onClose);
            onClose.clear();
        }
        run.forEach(Runnable::run);
    }

    @Override
    public String remote() {
        // an HTTP/2 stream's address is its connection's; an HTTP/1.1 connection's parent is the listening socket
        Channel c = channel instanceof io.netty.handler.codec.http2.Http2StreamChannel ? channel.parent() : channel;
        return c.remoteAddress() instanceof InetSocketAddress a ? a.getAddress().getHostAddress() : String.valueOf(c.remoteAddress());
    }
}
