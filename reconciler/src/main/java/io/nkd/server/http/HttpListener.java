package io.nkd.server.http;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ApplicationProtocolNegotiationHandler;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One HTTP listener of nkd (the Ignition server, the API), on Netty: native epoll where it loads (NIO
 * otherwise), OpenSSL (BoringSSL, through netty-tcnative) where it loads (the JDK's TLS otherwise); TLS 1.3 and
 * 1.2 only with forward-secret AEAD suites; HTTP/2 when the client offers it through ALPN, HTTP/1.1 with
 * keep-alive otherwise. Every limit of {@link HttpLimits} applies to every connection.
 *
 * <p>Stalled clients cost a little memory and nothing else: I/O never blocks a thread, so 200 connections that
 * send half a ClientHello or half a header hold no thread that a booting node needs, and each is closed at
 * its handshake or header deadline.
 *
 * <p>Meters: {@code nkd_http_connections_active{listener}} and
 * {@code nkd_http_requests_rejected_total{listener,reason}} ({@link Rejection}).
 *
 * <p>{@link #close()}: stops accepting, answers requests that arrive on open connections with 503 (Ignition
 * retries it), lets requests in progress finish for up to the grace period, then closes every connection.
 */
public final class HttpListener implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HttpListener.class);
    static final String CONNECTIONS_METER = "nkd.http.connections.active";
    static final String REJECTED_METER = "nkd.http.requests.rejected";
    /** TLS 1.3's suites (BoringSSL always enables exactly these three), then TLS 1.2's ECDHE AEAD suites. */
    private static final List<String> CIPHERS = List.of(
            "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");
    private static final AtomicBoolean TRANSPORT_LOGGED = new AtomicBoolean();

    /** A certificate chain (leaf first) and its key, to serve TLS with. */
    public record Tls(List<X509Certificate> chain, PrivateKey key) {
        public Tls {
            chain = List.copyOf(chain);
            Objects.requireNonNull(key, "key");
        }

        @Override
        public String toString() {
            return "Tls[" + chain.get(0).getSubjectX500Principal().getName() + ", key=<redacted>]";
        }
    }

    /**
     * @param name           the {@code listener} label and the name in logs ("ignition", "api")
     * @param description    what listens, for messages ("the Ignition server")
     * @param tls            null for plain HTTP
     * @param ioThreads      event-loop threads (0: one per processor, not Netty's default of two per processor)
     * @param handlerThreads 0: handlers run on the event loop (they must not block for long); otherwise a pool of
     *                       this many threads with a bounded queue runs them (beyond it: 503)
     */
    public record Config(String name, String description, InetSocketAddress address, Tls tls, HttpLimits limits, int ioThreads,
                         int handlerThreads) {
        public Config {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(description, "description");
            Objects.requireNonNull(address, "address");
            Objects.requireNonNull(limits, "limits");
        }
    }

    /** What every connection's handlers share. */
    record Shared(String name, HttpLimits limits, Handler handler, ExecutorService executor, RateLimiter rateLimiter,
                  InFlight inFlight, AtomicBoolean closingFlag, Map<Rejection, Counter> rejections) {
        boolean closing() {
            return closingFlag.get();
        }

        void rejected(Rejection why) {
            rejections.get(why).increment();
        }

        Response call(Request r) {
            try {
                return handler.handle(r);
            } catch (RuntimeException | StackOverflowError | LinkageError | AssertionError e) {
                // a bug: named by type and place only, since its message could quote the request. LinkageError: a
                // class that cannot be loaded any more (the jar replaced under a running daemon by an upgrade) or a
                // failed static initializer; uncaught, the request would never be answered
                StackTraceElement[] at = e.getStackTrace();
                LOG.error("{}: {} {} failed: {} at {}", name, r.method(), r.path(), e.getClass().getName(), at.length > 0 ? at[0] : "?");
                return Response.text(500, "internal error");
            }
        }
    }

    private final Config config;
    private final Shared shared;
    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final Channel serverChannel;
    private final ChannelGroup connections;
    private final List<Meter> meters = new ArrayList<>();
    private final MeterRegistry registry;
    private final String tlsProvider;

    private HttpListener(Config config, Shared shared, EventLoopGroup boss, EventLoopGroup workers, Channel serverChannel,
                         ChannelGroup connections, MeterRegistry registry, String tlsProvider) {
        this.config = config;
        this.connections = connections;
        this.shared = shared;
        this.boss = boss;
        this.workers = workers;
        this.serverChannel = serverChannel;
        this.registry = registry;
        this.tlsProvider = tlsProvider;
    }

    /**
     * Binds and starts serving.
     *
     * @throws PortInUseException if another process holds the address
     * @throws IOException        if the address cannot be bound for another reason (e.g. not an address of this machine)
     */
    public static HttpListener start(Config config, Handler handler, MeterRegistry meters) throws IOException {
        Objects.requireNonNull(handler, "handler");
        Objects.requireNonNull(meters, "meters");
        HttpLimits limits = config.limits();
        Map<Rejection, Counter> rejections = new EnumMap<>(Rejection.class);
        List<Meter> registered = new ArrayList<>();
        for (Rejection r : Rejection.values()) {
            Counter c = Counter.builder(REJECTED_METER).description("Connections closed and requests refused by a limit, by reason")
                    .tag("listener", config.name()).tag("reason", r.label()).register(meters);
            rejections.put(r, c);
            registered.add(c);
        }
        ExecutorService executor = null;
        if (config.handlerThreads() > 0) {
            executor = new ThreadPoolExecutor(config.handlerThreads(), config.handlerThreads(), 60, TimeUnit.SECONDS,
                    new ArrayBlockingQueue<>(1024), new DefaultThreadFactory("nkd-" + config.name() + "-handler", true));
        }
        Shared shared = new Shared(config.name(), limits, handler, executor,
                new RateLimiter(limits.requestsPerSecond(), limits.burst(), System::nanoTime), new InFlight(), new AtomicBoolean(),
                rejections);
        SslContext ssl = config.tls() == null ? null : sslContext(config.tls());
        ConnectionGate gate = new ConnectionGate(limits.maxConnections(), limits.maxConnectionsPerIp(), shared::rejected);
        registered.add(Gauge.builder(CONNECTIONS_METER, gate, ConnectionGate::open).description("Open connections")
                .tag("listener", config.name()).strongReference(true).register(meters));

        boolean epoll = Epoll.isAvailable();
        logTransport(epoll);
        IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        Class<? extends ServerChannel> channel = epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("nkd-" + config.name() + "-accept", true), io);
        int ioThreads = config.ioThreads() > 0 ? config.ioThreads() : Runtime.getRuntime().availableProcessors();
        EventLoopGroup workers = new MultiThreadIoEventLoopGroup(ioThreads,
                new DefaultThreadFactory("nkd-" + config.name() + "-io", true), io);
        ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
        ServerBootstrap b = new ServerBootstrap()
                .group(boss, workers)
                .channel(channel)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        connections.add(ch); // closed at shutdown; leaves the group by itself when closed
                        ConnState conn = new ConnState(ch, limits.headerTimeout().toNanos(), shared::rejected);
                        ChannelPipeline p = ch.pipeline();
                        p.addLast("gate", gate);
                        p.addLast("idle", new IdleStateHandler(0, 0, limits.idleTimeout().toMillis(), TimeUnit.MILLISECONDS));
                        p.addLast("guard", new IdleGuard(shared, conn));
                        if (ssl == null) {
                            http1(p, shared, conn);
                        } else {
                            SslHandler tls = ssl.newHandler(ch.alloc());
                            tls.setHandshakeTimeoutMillis(limits.handshakeTimeout().toMillis());
                            p.addLast("tls", tls);
                            p.addLast("alpn", new Alpn(shared, conn));
                        }
                    }
                });
        Channel server;
        try {
            server = b.bind(config.address()).sync().channel();
        } catch (Exception e) {
            boss.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            workers.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            if (executor != null) {
                executor.shutdownNow();
            }
            registered.forEach(meters::remove);
            throw bindFailure(config, e);
        }
        HttpListener listener = new HttpListener(config, shared, boss, workers, server, connections, meters,
                ssl == null ? "none" : ssl instanceof io.netty.handler.ssl.OpenSslContext ? "OpenSSL" : "JDK");
        listener.meters.addAll(registered);
        LOG.info("{} listening on {}://{} ({}, TLS: {})", config.description(), ssl == null ? "http" : "https",
                Listeners.hostPort(listener.address()), epoll ? "epoll" : "NIO", listener.tlsProvider);
        return listener;
    }

    private static IOException bindFailure(Config config, Exception e) {
        String text = String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT);
        if (text.contains("in use")) {
            return new PortInUseException(config.address(), config.description());
        }
        String why = text.contains("assign requested address") ? "it is not an address of this machine"
                : text.contains("permission denied") ? "permission denied (ports below 1024 need root or CAP_NET_BIND_SERVICE)"
                : e.getMessage();
        BindException be = new BindException(config.description() + " cannot listen on " + Listeners.hostPort(config.address()) + ": " + why);
        be.initCause(e);
        return be;
    }

    private static void logTransport(boolean epoll) {
        if (TRANSPORT_LOGGED.compareAndSet(false, true)) {
            if (epoll) {
                LOG.debug("HTTP transport: native epoll");
            } else {
                LOG.warn("HTTP transport: Java NIO, since native epoll did not load ({})", Epoll.unavailabilityCause().toString());
            }
            if (!OpenSsl.isAvailable()) {
                LOG.warn("TLS: the JDK's implementation, since OpenSSL (netty-tcnative) did not load ({})",
                        OpenSsl.unavailabilityCause().toString());
            }
        }
    }

    static SslContext sslContext(Tls tls) throws SSLException {
        SslProvider provider = OpenSsl.isAvailable() && SslProvider.isAlpnSupported(SslProvider.OPENSSL) ? SslProvider.OPENSSL : SslProvider.JDK;
        return SslContextBuilder.forServer(tls.key(), tls.chain().toArray(X509Certificate[]::new))
                .sslProvider(provider)
                .protocols("TLSv1.3", "TLSv1.2")
                .ciphers(CIPHERS, SupportedCipherSuiteFilter.INSTANCE)
                .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                        ApplicationProtocolNames.HTTP_2, ApplicationProtocolNames.HTTP_1_1))
                .build();
    }

    static void http1(ChannelPipeline p, Shared shared, ConnState conn) {
        p.addLast("http", new HttpServerCodec(new HttpDecoderConfig()
                .setMaxInitialLineLength(8192)
                .setMaxHeaderSize(shared.limits().maxHeaderBytes())
                .setMaxChunkSize(64 * 1024)));
        p.addLast("request", new RequestReader(shared, conn, Request.Protocol.HTTP_1_1));
    }

    static void http2(ChannelPipeline p, Shared shared, ConnState conn) {
        p.addLast("h2", Http2FrameCodecBuilder.forServer()
                .initialSettings(Http2Settings.defaultSettings().maxConcurrentStreams(128).maxHeaderListSize(shared.limits().maxHeaderBytes()))
                .build());
        p.addLast("h2-streams", new Http2MultiplexHandler(new ChannelInitializer<Http2StreamChannel>() {
            @Override
            protected void initChannel(Http2StreamChannel stream) {
                stream.pipeline().addLast(new Http2StreamFrameToHttpObjectCodec(true),
                        new RequestReader(shared, conn, Request.Protocol.HTTP_2));
            }
        }));
        conn.armHeaderTimer();
    }

    /** After the TLS handshake: HTTP/2 or HTTP/1.1 as negotiated; counts failed and timed-out handshakes. */
    private static final class Alpn extends ApplicationProtocolNegotiationHandler {
        private final Shared shared;
        private final ConnState conn;

        Alpn(Shared shared, ConnState conn) {
            super(ApplicationProtocolNames.HTTP_1_1);
            this.shared = shared;
            this.conn = conn;
        }

        @Override
        protected void configurePipeline(ChannelHandlerContext ctx, String protocol) {
            if (ApplicationProtocolNames.HTTP_2.equals(protocol)) {
                http2(ctx.pipeline(), shared, conn);
            } else {
                http1(ctx.pipeline(), shared, conn);
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
            if (evt instanceof SslHandshakeCompletionEvent done && !done.isSuccess()) {
                // counted here, where every failed handshake ends (a time-out is not an exception on the pipeline)
                shared.rejected(done.cause() instanceof SslHandshakeTimeoutException ? Rejection.HANDSHAKE_TIMEOUT : Rejection.HANDSHAKE_FAILED);
                LOG.debug("{}: TLS handshake with {} failed: {}", shared.name(), ctx.channel().remoteAddress(), done.cause().toString());
            }
            super.userEventTriggered(ctx, evt);
        }

        @Override
        protected void handshakeFailure(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    /** Closes a connection idle for the idle timeout, unless one of its requests is being answered. */
    private static final class IdleGuard extends ChannelInboundHandlerAdapter {
        private final Shared shared;
        private final ConnState conn;

        IdleGuard(Shared shared, ConnState conn) {
            this.shared = shared;
            this.conn = conn;
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
            if (evt instanceof IdleStateEvent) {
                if (!conn.busy()) {
                    shared.rejected(Rejection.IDLE_TIMEOUT);
                    ctx.close();
                }
                return;
            }
            super.userEventTriggered(ctx, evt);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            LOG.debug("{}: connection from {} failed: {}", shared.name(), ctx.channel().remoteAddress(), cause.toString());
            ctx.close();
        }
    }

    /** The bound address (with the actual port when port 0 was asked for). */
    public InetSocketAddress address() {
        return (InetSocketAddress) serverChannel.localAddress();
    }

    /** "OpenSSL", "JDK" or "none" (plain HTTP). */
    public String tlsProvider() {
        return tlsProvider;
    }

    public String name() {
        return config.name();
    }

    public boolean closing() {
        return shared.closing();
    }

    @Override
    public void close() {
        if (!shared.closingFlag().compareAndSet(false, true)) {
            return;
        }
        serverChannel.close().awaitUninterruptibly(); // no new connections
        try {
            if (!shared.inFlight().awaitIdle(config.limits().shutdownGrace())) {
                LOG.warn("{}: closing with requests still in progress after {}", config.description(), config.limits().shutdownGrace());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        connections.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        workers.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
        boss.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
        if (shared.executor() != null) {
            shared.executor().shutdownNow();
        }
        meters.forEach(registry::remove);
        LOG.info("{} stopped listening on {}", config.description(), Listeners.hostPort(address()));
    }
}
