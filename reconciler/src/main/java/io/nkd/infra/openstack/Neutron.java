package io.nkd.infra.openstack;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nkd.infra.ProviderException;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

/**
 * Neutron's v2.0 API over plain HTTP with the Keystone session's token. nkd marks the ports, security groups and
 * floating IPs it creates in their {@code description} (a standard attribute of every Neutron resource), and
 * openstack4j 3.12's port and floating-IP models cannot write a description, so these few calls go here.
 */
final class Neutron {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Keystone keystone;
    private final HttpClient http;
    private final AtomicLong calls = new AtomicLong();

    Neutron(Keystone keystone, HttpClient http) {
        this.keystone = keystone;
        this.http = http;
    }

    long calls() {
        return calls.get();
    }

    /** The objects of a collection ({@code ports}, {@code security-groups}) matching the filters, of nkd's project. */
    List<JsonNode> list(String collection, Map<String, String> filters, String doing) {
        return list(collection, filters, true, doing);
    }

    /**
     * The objects of a collection matching the filters; {@code ownProject} limits them to the token's project (an
     * admin's token would otherwise list every project's objects). Networks are looked up without it: a shared or
     * provider network belongs to another project.
     */
    List<JsonNode> list(String collection, Map<String, String> filters, boolean ownProject, String doing) {
        String key = collection.replace('-', '_');
        Map<String, String> all = new java.util.LinkedHashMap<>(filters);
        String project = keystone.session().projectId();
        if (ownProject && project != null) {
            all.putIfAbsent("project_id", project);
        }
        String query = all.entrySet().stream()
                .map(e -> enc(e.getKey()) + "=" + enc(e.getValue()))
                .collect(Collectors.joining("&"));
        JsonNode body = send("GET", "/v2.0/" + collection + (query.isEmpty() ? "" : "?" + query), null, doing);
        List<JsonNode> out = new ArrayList<>();
        body.path(key).forEach(out::add);
        return out;
    }

    JsonNode get(String collection, String id, String doing) {
        return send("GET", "/v2.0/" + collection + "/" + enc(id), null, doing);
    }

    /** Creates one object: {@code singular} is the body's key ({@code port}, {@code security_group}). */
    JsonNode create(String collection, String singular, Map<String, Object> fields, String doing) {
        return send("POST", "/v2.0/" + collection, Map.of(singular, fields), doing).path(singular);
    }

    /** Changes fields of one object. */
    JsonNode update(String collection, String singular, String id, Map<String, Object> fields, String doing) {
        return send("PUT", "/v2.0/" + collection + "/" + enc(id), Map.of(singular, fields), doing).path(singular);
    }

    /** Deletes one object; one that is gone already counts as deleted. */
    void delete(String collection, String id, String doing) {
        try {
            send("DELETE", "/v2.0/" + collection + "/" + enc(id), null, doing);
        } catch (ProviderException e) {
            if (e.kind() != ProviderException.Kind.NOT_FOUND) {
                throw e;
            }
        }
    }

    private JsonNode send(String method, String path, Object body, String doing) {
        for (int attempt = 1; ; attempt++) {
            Keystone.Session s = keystone.session();
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(keystone.endpoint("network") + path))
                    .timeout(Duration.ofSeconds(60))
                    .header("X-Auth-Token", s.id())
                    .header("Accept", "application/json");
            try {
                b.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)));
                if (body != null) {
                    b.header("Content-Type", "application/json");
                }
                calls.incrementAndGet();
                HttpResponse<byte[]> r = http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
                int status = r.statusCode();
                if (status == 401 && attempt == 1) {
                    keystone.invalidate(); // revoked before it expired: sign in again, once
                    continue;
                }
                if (status >= 500 && !method.equals("POST") && attempt < OpenStackProvider.ATTEMPTS) {
                    sleep(attempt); // a read, change or delete may be repeated; a create might have happened
                    continue;
                }
                if (status >= 300) {
                    String message = Failures.messageOf(r.body());
                    throw new ProviderException(Failures.kind(status, message), "Neutron refused " + doing + " (HTTP " + status
                            + "): " + message, message);
                }
                return r.body().length == 0 ? JSON.createObjectNode() : JSON.readTree(r.body());
            } catch (IOException e) {
                if (!method.equals("POST") && attempt < OpenStackProvider.ATTEMPTS) {
                    sleep(attempt);
                    continue;
                }
                throw new ProviderException(ProviderException.Kind.UNREACHABLE, "Neutron unreachable while " + doing + ": "
                        + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()), null, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ProviderException(ProviderException.Kind.UNREACHABLE, "interrupted while " + doing, null, e);
            }
        }
    }

    private static void sleep(int attempt) {
        try {
            Thread.sleep(500L << attempt);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ProviderException(ProviderException.Kind.UNREACHABLE, "interrupted while waiting to call Neutron again", null, e);
        }
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
