package io.nkd.infra.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nkd.dataurl.DataUrl;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Does what Ignition's fetch stage does with nkd's pointer config, for simulated machines: trust only the CAs
 * the pointer carries, fetch every {@code ignition.config.merge} source with its HTTP headers, and check each
 * against its {@code verification.hash}. Returns the fetched configs' URLs; any failure is an exception with a
 * message like Ignition's.
 */
final class PointerFetch {
    private static final ObjectMapper JSON = new ObjectMapper();

    private PointerFetch() {
    }

    /** The URLs fetched (pool config first), after every check passed, and what the pool config makes of the node. */
    static SandboxProvider.Boot fetch(String pointerJson, Duration timeout) throws IOException, InterruptedException {
        JsonNode pointer = JSON.readTree(pointerJson);
        HttpClient client = HttpClient.newBuilder().sslContext(trusting(pointer)).connectTimeout(timeout).build();
        List<URI> fetched = new ArrayList<>();
        BootedConfig booted = null;
        for (JsonNode merge : pointer.path("ignition").path("config").path("merge")) {
            URI uri = URI.create(merge.path("source").asText());
            HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(timeout).GET();
            for (JsonNode h : merge.path("httpHeaders")) {
                request.header(h.path("name").asText(), h.path("value").asText());
            }
            HttpResponse<byte[]> response = client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
            if (response.statusCode() != 200) {
                throw new IOException("GET " + uri.getPath() + ": HTTP " + response.statusCode());
            }
            String expected = merge.path("verification").path("hash").asText("");
            if (expected.startsWith("sha512-")) {
                String actual = "sha512-" + HexFormat.of().formatHex(sha512(response.body()));
                if (!actual.equals(expected)) {
                    throw new IOException("GET " + uri.getPath() + ": content does not match the pinned sha512 hash");
                }
            }
            if (booted == null) {
                booted = BootedConfig.read(response.body());
            }
            fetched.add(uri);
        }
        if (fetched.isEmpty()) {
            throw new IOException("the pointer config merges no config");
        }
        return new SandboxProvider.Boot(fetched, booted.osImage(), booted.kubeletVersion());
    }

    private static SSLContext trusting(JsonNode pointer) throws IOException {
        try {
            KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
            trust.load(null, null);
            int i = 0;
            CertificateFactory cf = CertificateFactory.getInstance("X.509");
            for (JsonNode ca : pointer.path("ignition").path("security").path("tls").path("certificateAuthorities")) {
                byte[] pem = dataUrl(ca.path("source").asText());
                for (var cert : cf.generateCertificates(new ByteArrayInputStream(pem))) {
                    trust.setCertificateEntry("ca-" + i++, (X509Certificate) cert);
                }
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), null);
            return ctx;
        } catch (java.security.GeneralSecurityException e) {
            throw new IOException("the pointer's certificate authorities are unusable: " + e.getMessage(), e);
        }
    }

    private static byte[] dataUrl(String url) throws IOException {
        try {
            return DataUrl.decode(url);
        } catch (DataUrl.MalformedException e) {
            throw new IOException("a certificate authority in the pointer config is not a valid data URL: " + e.getMessage(), e);
        }
    }

    private static byte[] sha512(byte[] b) {
        try {
            return MessageDigest.getInstance("SHA-512").digest(b);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
