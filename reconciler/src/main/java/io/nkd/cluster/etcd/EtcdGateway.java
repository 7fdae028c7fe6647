package io.nkd.cluster.etcd;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nkd.cluster.EtcdMembers;
import io.nkd.pki.CertKeyPair;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link EtcdMembers} through etcd's v3 JSON gateway ({@code POST /v3/cluster/member/list} and
 * {@code /v3/cluster/member/remove}), over TLS with a client certificate signed by the cluster's etcd CA (nkd holds
 * it: its PKI) and trusting only that CA. Every request is bounded ({@link #TIMEOUT}).
 *
 * <p>Before removing, nkd asks each remaining voting member's client URL for {@code /v3/maintenance/status}: when fewer
 * of them answer than a quorum of the members left ({@code (n-1)/2+1}), the removal is refused, because it would
 * leave etcd unable to commit anything (removing a healthy member while another is down is how a 3-member control
 * plane stops).
 */
public final class EtcdGateway implements EtcdMembers {
    private static final Logger LOG = LoggerFactory.getLogger(EtcdGateway.class);
    static final Duration TIMEOUT = Duration.ofSeconds(5);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http;

    /**
     * @param etcdCa the etcd CA certificate (trusted as the only issuer of the members' serving certificates)
     * @param client a client certificate and key signed by the etcd CA
     */
    public EtcdGateway(java.security.cert.X509Certificate etcdCa, CertKeyPair client) {
        this.http = HttpClient.newBuilder().connectTimeout(TIMEOUT).sslContext(ssl(etcdCa, client)).build();
    }

    /** One member as the gateway lists it; the id is etcd's uint64, as the gateway writes it (a decimal string). */
    record Member(String id, String name, boolean learner, List<String> clientUrls) {
    }

    @Override
    public Removal remove(String node, List<String> endpoints) {
        List<String> problems = new ArrayList<>();
        for (String endpoint : endpoints) {
            List<Member> members;
            try {
                members = list(endpoint);
            } catch (IOException e) {
                problems.add(endpoint + ": " + e.getMessage());
                continue;
            }
            Member leaving = members.stream().filter(m -> m.name().equals(node)).findFirst().orElse(null);
            if (leaving == null) {
                return new Removal.Absent();
            }
            List<Member> staying = members.stream().filter(m -> m != leaving && !m.learner()).toList();
            int quorum = staying.size() / 2 + 1;
            List<String> answering = staying.stream().filter(this::answers).map(Member::name).toList();
            if (staying.isEmpty() || answering.size() < quorum) {
                return new Removal.Refused("removing it leaves " + staying.size() + " voting member(s) of which "
                        + answering.size() + " answer (" + String.join(", ", answering) + "), below the quorum of " + quorum
                        + "; bring the other control-plane nodes back first");
            }
            try {
                post(endpoint, "/v3/cluster/member/remove", "{\"ID\":\"" + leaving.id() + "\"}");
            } catch (IOException e) {
                problems.add(endpoint + ": " + e.getMessage());
                continue;
            }
            LOG.info("etcd member {} ({}) removed through {}", node, leaving.id(), endpoint);
            return new Removal.Removed(leaving.id());
        }
        return new Removal.Refused(endpoints.isEmpty() ? "no other control-plane node has an address to reach etcd on"
                : "no etcd member answered: " + String.join("; ", problems));
    }

    /** The members, as {@code endpoint} sees them. */
    List<Member> list(String endpoint) throws IOException {
        JsonNode r = post(endpoint, "/v3/cluster/member/list", "{}");
        List<Member> out = new ArrayList<>();
        for (JsonNode m : r.path("members")) {
            List<String> urls = new ArrayList<>();
            m.path("clientURLs").forEach(u -> urls.add(u.asText()));
            out.add(new Member(m.path("ID").asText(), m.path("name").asText(), m.path("isLearner").asBoolean(false), urls));
        }
        return out;
    }

    private boolean answers(Member m) {
        for (String url : m.clientUrls()) {
            try {
                post(url, "/v3/maintenance/status", "{}");
                return true;
            } catch (IOException e) {
                LOG.debug("etcd member {} does not answer at {}: {}", m.name(), url, e.getMessage());
            }
        }
        return false;
    }

    private JsonNode post(String endpoint, String path, String body) throws IOException {
        HttpRequest request = HttpRequest.newBuilder(URI.create(endpoint.replaceAll("/+$", "") + path)).timeout(TIMEOUT)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build();
        HttpResponse<String> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        if (response.statusCode() != 200) {
            String body1 = response.body();
            throw new IOException("POST " + path + " answered HTTP " + response.statusCode() + ": "
                    + (body1.length() > 300 ? body1.substring(0, 300) : body1));
        }
        return JSON.readTree(response.body());
    }

    private static SSLContext ssl(java.security.cert.X509Certificate ca, CertKeyPair client) {
        try {
            char[] none = new char[0];
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(null, null);
            keys.setKeyEntry("client", client.privateKey(), none, new Certificate[] {client.certificate()});
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keys, none);
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry("etcd-ca", ca);
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), new SecureRandom());
            return ctx;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot build the TLS context for etcd from nkd's etcd CA", e);
        }
    }
}
