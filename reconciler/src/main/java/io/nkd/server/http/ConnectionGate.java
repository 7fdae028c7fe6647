package io.nkd.server.http;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.AttributeKey;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Counts open connections, in all and per client address, and closes a new connection over either limit
 * before anything else (not even a TLS handshake) is spent on it.
 */
@ChannelHandler.Sharable
final class ConnectionGate extends ChannelInboundHandlerAdapter {
    private static final AttributeKey<InetAddress> COUNTED = AttributeKey.valueOf("nkd.gate.counted");

    private final int max;
    private final int maxPerIp;
    private final Consumer<Rejection> rejected;
    private final AtomicInteger open = new AtomicInteger();
    private final ConcurrentHashMap<InetAddress, AtomicInteger> perIp = new ConcurrentHashMap<>();

    ConnectionGate(int max, int maxPerIp, Consumer<Rejection> rejected) {
        this.max = max;
        this.maxPerIp = maxPerIp;
        this.rejected = rejected;
    }

    int open() {
        return open.get();
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        InetAddress client = ((InetSocketAddress) ctx.channel().remoteAddress()).getAddress();
        if (open.incrementAndGet() > max) {
            open.decrementAndGet();
            reject(ctx, Rejection.CONNECTION_LIMIT);
            return;
        }
        AtomicInteger mine = perIp.compute(client, (k, v) -> {
            AtomicInteger n = v == null ? new AtomicInteger() : v;
            n.incrementAndGet();
            return n;
        });
        if (mine.get() > maxPerIp) {
            release(client);
            open.decrementAndGet();
            reject(ctx, Rejection.CONNECTION_LIMIT_PER_IP);
            return;
        }
        ctx.channel().attr(COUNTED).set(client);
        super.channelActive(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        InetAddress client = ctx.channel().attr(COUNTED).getAndSet(null);
        if (client != null) {
            release(client);
            open.decrementAndGet();
        }
        super.channelInactive(ctx); // always: TLS engines behind the gate free their native memory on it
    }

    private void release(InetAddress client) {
        perIp.computeIfPresent(client, (k, v) -> v.decrementAndGet() <= 0 ? null : v);
    }

    private void reject(ChannelHandlerContext ctx, Rejection why) {
        rejected.accept(why);
        ctx.close();
    }
}
