package io.nkd.infra.openstack;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nkd.infra.ProviderException;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.openstack4j.api.OSClient;
import org.openstack4j.api.types.Facing;
import org.openstack4j.core.transport.ObjectMapperSingleton;
import org.openstack4j.openstack.OSFactory;
import org.openstack4j.openstack.identity.v3.domain.KeystoneToken;

/**
 * A Keystone v3 session: signs in with a password or an application credential ({@code POST /v3/auth/tokens}, done
 * here because openstack4j 3.12 knows no application credentials), keeps the token until shortly before it expires,
 * and hands out openstack4j clients and endpoints for it. Thread-safe.
 */
final class Keystone {
    /** The Nova API microversion nkd speaks: 2.15 for soft-anti-affinity server groups; nothing newer is needed. */
    static final String NOVA_MICROVERSION = "2.15";
    private static final Duration RENEW_BEFORE = Duration.ofMinutes(5);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A token and what came with it. */
    record Session(CloudAccess access, KeystoneToken token, String id, String projectId, Instant expires, JsonNode catalog) {
        @Override
        public String toString() {
            return "Session[project " + projectId + ", expires " + expires + "]"; // never the token
        }
    }

    /** Read at every sign-in, so a rotated secret or an edited clouds.yaml takes effect with the next token. */
    private final java.util.function.Supplier<CloudAccess> access;
    private final HttpClient http;
    private final Clock clock;
    private volatile Session session;
    /** Keystone calls made (sign-ins), for the benchmark's count of API calls. */
    private final java.util.concurrent.atomic.AtomicLong signIns = new java.util.concurrent.atomic.AtomicLong();

    Keystone(java.util.function.Supplier<CloudAccess> access, HttpClient http, Clock clock) {
        this.access = access;
        this.http = http;
        this.clock = clock;
    }

    /** A valid session, signing in (again) when there is none or it expires within five minutes. */
    Session session() {
        Session s = session;
        if (s != null && s.expires().isAfter(clock.instant().plus(RENEW_BEFORE))) {
            return s;
        }
        synchronized (this) {
            s = session;
            if (s == null || !s.expires().isAfter(clock.instant().plus(RENEW_BEFORE))) {
                s = signIn();
                session = s;
            }
            return s;
        }
    }

    /** Forgets the token (after a 401: it was revoked), so the next call signs in again. */
    void invalidate() {
        session = null;
    }

    long signIns() {
        return signIns.get();
    }

    /** An openstack4j client for this thread, on the session's token, region and interface, speaking Nova 2.15. */
    OSClient.OSClientV3 client() {
        Session s = session();
        OSClient.OSClientV3 c = OSFactory.clientFromToken(s.token(), facing(s.access()));
        if (s.access().region() != null) {
            c.useRegion(s.access().region());
        }
        c.headers(Map.of("X-OpenStack-Nova-API-Version", NOVA_MICROVERSION, "OpenStack-API-Version", "compute " + NOVA_MICROVERSION));
        return c;
    }

    /** The URL of a service (by catalog type: {@code network}, {@code compute}) for the session's region and interface. */
    String endpoint(String type) {
        Session s = session();
        CloudAccess access = s.access();
        for (JsonNode service : s.catalog()) {
            if (!type.equals(service.path("type").asText())) {
                continue;
            }
            for (JsonNode e : service.path("endpoints")) {
                String region = e.path("region_id").asText(e.path("region").asText(null));
                if (access.facing().equals(e.path("interface").asText())
                        && (access.region() == null || access.region().equals(region))) {
                    String url = e.path("url").asText();
                    return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
                }
            }
        }
        throw new ProviderException(ProviderException.Kind.NOT_FOUND, "Keystone's catalog has no " + access.facing() + " "
                + type + " endpoint" + (access.region() == null ? "" : " in region " + access.region())
                + " (spec.infrastructure.openstack.region)", null);
    }

    private Session signIn() {
        CloudAccess access = this.access.get();
        Credentials c = access.credentials();
        byte[] body;
        try {
            body = JSON.writeValueAsBytes(Credentials.authRequest(c));
        } catch (IOException e) {
            throw new IllegalStateException("cannot write the Keystone request", e);
        }
        HttpRequest request = HttpRequest.newBuilder(URI.create(c.authURL() + "/auth/tokens"))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build();
        HttpResponse<byte[]> response;
        try {
            signIns.incrementAndGet();
            response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new ProviderException(ProviderException.Kind.UNREACHABLE, "cannot reach Keystone at " + c.authURL() + ": "
                    + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()), null, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ProviderException(ProviderException.Kind.UNREACHABLE, "interrupted while signing in to Keystone", null, e);
        }
        if (response.statusCode() != 201) {
            String message = Failures.messageOf(response.body());
            throw new ProviderException(Failures.kind(response.statusCode(), message), "Keystone at " + c.authURL()
                    + " refused to sign in " + c.describe() + " (HTTP " + response.statusCode() + "): " + message, message);
        }
        String id = response.headers().firstValue("X-Subject-Token").orElseThrow(() -> new ProviderException(
                ProviderException.Kind.SERVER_ERROR, "Keystone at " + c.authURL() + " answered without X-Subject-Token", null));
        try {
            JsonNode tree = JSON.readTree(response.body()).path("token");
            KeystoneToken token = ObjectMapperSingleton.getContext(KeystoneToken.class).readValue(response.body(), KeystoneToken.class);
            token.setId(id);
            token.setEndpoint(c.authURL());
            Instant expires = Instant.parse(tree.path("expires_at").asText());
            return new Session(access, token, id, tree.path("project").path("id").asText(null), expires, tree.path("catalog"));
        } catch (IOException | java.time.DateTimeException e) {
            throw new ProviderException(ProviderException.Kind.SERVER_ERROR, "Keystone at " + c.authURL()
                    + " answered with a token nkd cannot read: " + e.getClass().getSimpleName(), null, e);
        }
    }

    private static Facing facing(CloudAccess access) {
        return switch (access.facing()) {
            case "internal" -> Facing.INTERNAL;
            case "admin" -> Facing.ADMIN;
            default -> Facing.PUBLIC;
        };
    }
}
