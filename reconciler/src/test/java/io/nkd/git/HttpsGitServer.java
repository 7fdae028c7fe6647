package io.nkd.git;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Smart HTTP over TLS on loopback: the JDK's HTTPS server with HTTP basic authentication in front of the
 * real {@code git http-backend} (CGI), with a self-signed certificate. Records the user names it was
 * offered, so tests see what the client sent without the server ever printing a password.
 */
final class HttpsGitServer implements AutoCloseable {
    private final HttpsServer server;
    private final ExecutorService executor;
    private final Path root;
    private volatile String user;
    private volatile String password;
    final List<String> offeredUsers = new CopyOnWriteArrayList<>();
    final List<Integer> statuses = new CopyOnWriteArrayList<>();

    private HttpsGitServer(HttpsServer server, ExecutorService executor, Path root) {
        this.server = server;
        this.executor = executor;
        this.root = root;
    }

    static HttpsGitServer start(Path projectRoot, String user, String password) throws Exception {
        HttpsServer server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(selfSigned()));
        ExecutorService executor = Executors.newCachedThreadPool();
        server.setExecutor(executor);
        HttpsGitServer s = new HttpsGitServer(server, executor, projectRoot);
        s.setCredentials(user, password);
        server.createContext("/", s::handle);
        server.start();
        return s;
    }

    void setCredentials(String user, String password) {
        this.user = user;
        this.password = password;
    }

    String url(String repo) {
        return "https://127.0.0.1:" + server.getAddress().getPort() + "/" + repo + ".git";
    }

    private static SSLContext selfSigned() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(256);
        KeyPair kp = g.generateKeyPair();
        X500Name name = new X500Name("CN=127.0.0.1");
        Date now = new Date();
        X509Certificate cert = new JcaX509CertificateConverter().getCertificate(new JcaX509v3CertificateBuilder(name,
                BigInteger.ONE, new Date(now.getTime() - 60_000), new Date(now.getTime() + 86_400_000), name,
                kp.getPublic()).build(new JcaContentSignerBuilder("SHA256withECDSA").build(kp.getPrivate())));
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        char[] pw = "test".toCharArray();
        ks.setKeyEntry("server", kp.getPrivate(), pw, new Certificate[] {cert});
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, pw);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), null, null);
        return ctx;
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String auth = ex.getRequestHeaders().getFirst("Authorization");
            String expected = "Basic " + Base64.getEncoder().encodeToString((user + ":" + password)
                    .getBytes(StandardCharsets.UTF_8));
            if (auth != null && auth.startsWith("Basic ")) {
                String decoded = new String(Base64.getDecoder().decode(auth.substring(6)), StandardCharsets.UTF_8);
                offeredUsers.add(decoded.substring(0, Math.max(0, decoded.indexOf(':'))));
            }
            if (!expected.equals(auth)) {
                ex.getResponseHeaders().add("WWW-Authenticate", "Basic realm=\"git\"");
                statuses.add(401);
                ex.sendResponseHeaders(401, -1);
                return;
            }
            cgi(ex);
        }
    }

    /** Runs git http-backend as CGI (RFC 3875) for one request. */
    private void cgi(HttpExchange ex) throws IOException {
        ProcessBuilder pb = new ProcessBuilder("git", "http-backend").redirectError(ProcessBuilder.Redirect.DISCARD);
        Map<String, String> env = pb.environment();
        env.put("GIT_PROJECT_ROOT", root.toString());
        env.put("GIT_HTTP_EXPORT_ALL", "1");
        env.put("GIT_CONFIG_NOSYSTEM", "1");
        env.put("GIT_CONFIG_GLOBAL", "/dev/null");
        env.put("REQUEST_METHOD", ex.getRequestMethod());
        env.put("PATH_INFO", ex.getRequestURI().getPath());
        env.put("QUERY_STRING", ex.getRequestURI().getRawQuery() == null ? "" : ex.getRequestURI().getRawQuery());
        env.put("REMOTE_USER", user);
        env.put("REMOTE_ADDR", "127.0.0.1");
        copyHeader(ex, "Content-Type", env, "CONTENT_TYPE");
        copyHeader(ex, "Content-Length", env, "CONTENT_LENGTH");
        copyHeader(ex, "Content-Encoding", env, "HTTP_CONTENT_ENCODING");
        copyHeader(ex, "Git-Protocol", env, "GIT_PROTOCOL");
        Process p = pb.start();
        try (OutputStream stdin = p.getOutputStream(); InputStream body = ex.getRequestBody()) {
            body.transferTo(stdin);
        }
        InputStream out = p.getInputStream();
        int status = 200;
        for (String line = readLine(out); line != null && !line.isEmpty(); line = readLine(out)) {
            int colon = line.indexOf(':');
            String name = line.substring(0, colon).trim();
            String value = line.substring(colon + 1).trim();
            if (name.equalsIgnoreCase("Status")) {
                status = Integer.parseInt(value.split(" ")[0]);
            } else {
                ex.getResponseHeaders().add(name, value);
            }
        }
        statuses.add(status);
        ex.sendResponseHeaders(status, 0);
        try (OutputStream response = ex.getResponseBody()) {
            out.transferTo(response);
        }
        try {
            p.waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void copyHeader(HttpExchange ex, String header, Map<String, String> env, String variable) {
        String v = ex.getRequestHeaders().getFirst(header);
        if (v != null) {
            env.put(variable, v);
        }
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) != -1 && c != '\n') {
            if (c != '\r') {
                line.write(c);
            }
        }
        return c == -1 && line.size() == 0 ? null : line.toString(StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
