package io.nkd.server;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.nkd.config.ConfigLoader;
import io.nkd.config.RepositoryConfig;
import io.nkd.git.Snapshots;
import io.nkd.render.BootstrapSecrets;
import io.nkd.render.ClusterRenderer;
import io.nkd.render.RenderedCluster;
import io.nkd.state.LocalStateStore;
import io.nkd.testsupport.RepoPaths;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A running Ignition server on 127.0.0.1 (ephemeral port) serving clusters rendered from
 * repo-layout/example, with its state store, serving CA, token registry and a Prometheus registry.
 */
final class ServerFixture implements AutoCloseable {
    static final String CLUSTER = "libvirt-lab";
    private static final Map<String, RenderedCluster> RENDERED = new ConcurrentHashMap<>();

    final LocalStateStore store;
    final SecureRandom random = seeded(42);
    final Clock clock = Clock.systemUTC(); // the real Ignition checks the certificate against the real time
    final IgnitionContent content = new IgnitionContent();
    final NodeTokens tokens;
    final ServingCa ca;
    final ServingIdentity identity;
    final PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    final IgnitionServer server;

    ServerFixture(Path dir) {
        this(dir, ServerSettings.defaultLimits().withShutdownGrace(Duration.ofSeconds(2)));
    }

    ServerFixture(Path dir, io.nkd.server.http.HttpLimits limits) {
        store = new LocalStateStore(dir.resolve("state"), clock);
        tokens = new NodeTokens(store, random, clock);
        ca = ServingCa.ensure(store, random, clock);
        InetSocketAddress listen = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        identity = ca.issueServerIdentity(ServingCa.serverNames(List.of("localhost"), listen));
        content.put(CLUSTER, rendered(CLUSTER));
        try {
            server = IgnitionServer.start(new ServerSettings(listen, limits, 2, 0), identity, content, tokens, meters);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A cluster of repo-layout/example rendered with placeholder secrets (once per JVM: it takes a while). */
    static RenderedCluster rendered(String cluster) {
        return RENDERED.computeIfAbsent(cluster, c -> {
            RepositoryConfig config = ConfigLoader.load(Snapshots.fromDirectory(RepoPaths.repoRoot().resolve("repo-layout/example")));
            RenderedCluster r = ClusterRenderer.render(config.cluster(c).orElseThrow(), config.images(), BootstrapSecrets.placeholders());
            assertTrue(r.ok(), r.report()::toString);
            return r;
        });
    }

    static SecureRandom seeded(long seed) {
        try {
            SecureRandom r = SecureRandom.getInstance("SHA1PRNG");
            r.setSeed(seed);
            return r;
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    PointerConfigs.Target target() {
        return PointerConfigs.Target.of(server, identity);
    }

    String pointer(NodeToken token) {
        return PointerConfigs.pointer(target(), content, token);
    }

    URI url(ConfigKind kind, String name) {
        return PointerConfigs.url(server.baseUrl(), content.current(CLUSTER, kind, name).orElseThrow());
    }

    /** A JDK client that trusts exactly {@code cas}. */
    static HttpClient client(List<X509Certificate> cas) {
        try {
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            for (int i = 0; i < cas.size(); i++) {
                trust.setCertificateEntry("ca" + i, cas.get(i));
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), seeded(7));
            return HttpClient.newBuilder().sslContext(ctx).connectTimeout(Duration.ofSeconds(5)).build();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    HttpClient client() {
        return client(identity.trustedCas());
    }

    HttpResponse<byte[]> get(URI uri, String bearer) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).GET();
        if (bearer != null) {
            b.header("Authorization", "Bearer " + bearer);
        }
        try {
            return client().send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The count of {@code nkd_ignition_requests_total} for a status, 0 when none was recorded. */
    double requests(int status) {
        var c = meters.find(IgnitionHandler.METER).tag("status", Integer.toString(status)).counter();
        return c == null ? 0 : c.count();
    }

    @Override
    public void close() {
        server.close();
    }
}
