package io.nkd.testsupport;

import io.nkd.testkit.Ci;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The real single-node OpenStack of {@code testenv/openstack.sh}, seen by a test as an independent observer and
 * administrator: plain REST with an admin token, none of nkd's provider code, so what the test checks is what Nova
 * and Neutron really hold. Its settings come from the {@code OS_*} / {@code NKD_OS_*} variables ({@code .ci/run}
 * exports them) or else from {@code testenv/openstack.sh env}.
 */
public final class RealOpenStack {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Map<String, String> env;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private String token;
    private final Map<String, String> endpoints = new HashMap<>();

    private RealOpenStack(Map<String, String> env) {
        this.env = env;
    }

    /** The test OpenStack, or a failure (CI) / a skip (elsewhere) that says how to start it. */
    public static RealOpenStack require() {
        Map<String, String> env = settings();
        boolean present = env.containsKey("OS_AUTH_URL") && env.containsKey("NKD_OS_ADMIN_PASSWORD");
        RealOpenStack cloud = new RealOpenStack(env);
        String why = "";
        if (present) {
            try {
                cloud.authenticate();
            } catch (RuntimeException e) {
                present = false;
                why = " (" + e.getMessage() + ")";
            }
        }
        Ci.require(present, "the test OpenStack is not running" + why + ": run testenv/openstack.sh up (as root), then the tests"
                + " read its settings from testenv/openstack.sh env or from the OS_*/NKD_OS_* variables it prints");
        return cloud;
    }

    private static Map<String, String> settings() {
        Map<String, String> env = new HashMap<>();
        System.getenv().forEach((k, v) -> {
            if (k.startsWith("OS_") || k.startsWith("NKD_OS_")) {
                env.put(k, v);
            }
        });
        if (env.containsKey("OS_AUTH_URL")) {
            return env;
        }
        Path script = RepoPaths.repoRoot().resolve("testenv/openstack.sh");
        if (!Files.isRegularFile(script)) {
            return env;
        }
        try {
            Process p = new ProcessBuilder("bash", script.toString(), "env").redirectError(ProcessBuilder.Redirect.DISCARD).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (p.waitFor() == 0) {
                for (String line : out.split("\n")) {
                    if (line.startsWith("export ") && line.indexOf('=') > 0) {
                        String kv = line.substring("export ".length());
                        int eq = kv.indexOf('=');
                        env.put(kv.substring(0, eq), unquote(kv.substring(eq + 1)));
                    }
                }
            }
        } catch (IOException e) {
            // not runnable: require() reports the cloud missing
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return env;
    }

    /** Undoes bash's {@code printf %q} for what the script prints (URLs, names, passwords of letters and digits). */
    private static String unquote(String v) {
        if (v.length() >= 2 && v.startsWith("'") && v.endsWith("'")) {
            return v.substring(1, v.length() - 1);
        }
        return v.replace("\\", "");
    }

    public String get(String variable) {
        String v = env.get(variable);
        if (v == null) {
            throw new IllegalStateException(variable + " is not set: testenv/openstack.sh env prints it");
        }
        return v;
    }

    private void authenticate() {
        Map<String, Object> user = Map.of("name", get("NKD_OS_ADMIN_USERNAME"), "password", get("NKD_OS_ADMIN_PASSWORD"),
                "domain", Map.of("name", env.getOrDefault("OS_USER_DOMAIN_NAME", "Default")));
        Map<String, Object> body = Map.of("auth", Map.of(
                "identity", Map.of("methods", List.of("password"), "password", Map.of("user", user)),
                "scope", Map.of("project", Map.of("name", get("NKD_OS_ADMIN_PROJECT_NAME"),
                        "domain", Map.of("name", env.getOrDefault("OS_PROJECT_DOMAIN_NAME", "Default"))))));
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(get("OS_AUTH_URL").replaceAll("/+$", "") + "/auth/tokens"))
                    .timeout(Duration.ofSeconds(60)).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))).build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 201) {
                throw new IllegalStateException("Keystone answered HTTP " + r.statusCode() + " to the admin's sign-in");
            }
            token = r.headers().firstValue("X-Subject-Token").orElseThrow();
            for (JsonNode service : JSON.readTree(r.body()).path("token").path("catalog")) {
                for (JsonNode ep : service.path("endpoints")) {
                    if ("public".equals(ep.path("interface").asText())) {
                        endpoints.put(service.path("type").asText(), ep.path("url").asText().replaceAll("/+$", ""));
                    }
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("Keystone at " + env.get("OS_AUTH_URL") + " does not answer: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** An admin's call; {@code service} is a catalog type (compute, network, identity, image). Null for a 404. */
    public JsonNode call(String method, String service, String path, Object body) {
        return call(method, service, path, body, "2.3");
    }

    private JsonNode call(String method, String service, String path, Object body, String novaMicroversion) {
        String base = endpoints.get(service);
        if (base == null) {
            throw new IllegalStateException("no " + service + " endpoint in the catalog: " + endpoints);
        }
        String url = base + ("network".equals(service) && !path.startsWith("/v2.0") ? "/v2.0" : "") + path;
        for (int attempt = 1; ; attempt++) {
            try {
                HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(120))
                        .header("X-Auth-Token", token).header("Accept", "application/json")
                        .header("X-OpenStack-Nova-API-Version", novaMicroversion)
                        .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                                : HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)));
                if (body != null) {
                    b.header("Content-Type", "application/json");
                }
                HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 401 && attempt == 1) {
                    authenticate();
                    continue;
                }
                if (r.statusCode() == 404) {
                    return null;
                }
                // a service restarting behind Nova (a 500 naming a connection failure): reads are retried
                if (r.statusCode() >= 500 && !"POST".equals(method) && attempt < 5) {
                    Thread.sleep(2000);
                    continue;
                }
                if (r.statusCode() >= 300) {
                    throw new AssertionError(method + " " + url + " → HTTP " + r.statusCode() + ": " + r.body());
                }
                return r.body().isEmpty() ? JSON.createObjectNode() : JSON.readTree(r.body());
            } catch (IOException e) {
                // the services close idle connections (Connection: close); one retry covers a reset
                if (attempt >= 5) {
                    throw new AssertionError(method + " " + url + " failed: " + e, e);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    // ------------------------------------------------------------------------------------------ what tests look at

    /** A Nova server as the admin sees it (with {@code OS-EXT-SRV-ATTR:user_data}, base64), and nkd's keys read back. */
    public record Server(String id, String name, String status, Map<String, String> nkd, String userData, JsonNode raw) {
        public String node() {
            return nkd.get("nkd.io/node");
        }
    }

    /** The servers of every project whose metadata names this cluster, by node name. */
    public List<Server> servers(String cluster) {
        List<Server> out = new ArrayList<>();
        JsonNode list = call("GET", "compute", "/servers/detail?all_tenants=1", null);
        for (JsonNode s : list.path("servers")) {
            Map<String, String> nkd = nkdKeys(s.path("metadata"));
            if (cluster.equals(nkd.get("nkd.io/cluster"))) {
                out.add(new Server(s.path("id").asText(), s.path("name").asText(), s.path("status").asText(), nkd,
                        s.path("OS-EXT-SRV-ATTR:user_data").asText(null), s));
            }
        }
        out.sort(java.util.Comparator.comparing(Server::name));
        return out;
    }

    /**
     * nkd's keys of a server's metadata, written {@code nkd.io/…}: Nova allows no '/' in metadata keys, so a provider
     * may store them as {@code nkd.io:…}; either reads the same here.
     */
    private static Map<String, String> nkdKeys(JsonNode metadata) {
        Map<String, String> out = new LinkedHashMap<>();
        metadata.properties().forEach(e -> {
            String k = e.getKey();
            if (k.startsWith("nkd.io:") || k.startsWith("nkd.io/")) {
                out.put("nkd.io/" + k.substring("nkd.io/".length()), e.getValue().asText());
            }
        });
        return out;
    }

    /** Every port of the test network (all projects). */
    public List<JsonNode> ports() {
        List<JsonNode> out = new ArrayList<>();
        call("GET", "network", "/ports?network_id=" + networkId(), null).path("ports").forEach(out::add);
        return out;
    }

    /** The ports of one server. */
    public List<JsonNode> ports(Server server) {
        List<JsonNode> out = new ArrayList<>();
        call("GET", "network", "/ports?device_id=" + server.id(), null).path("ports").forEach(out::add);
        return out;
    }

    /** The ports whose name or description names the cluster (how nkd marks what it creates for it). */
    public List<JsonNode> clusterPorts(String cluster) {
        return ports().stream().filter(p -> mentions(p, cluster)).toList();
    }

    public List<JsonNode> securityGroups(String cluster) {
        List<JsonNode> out = new ArrayList<>();
        call("GET", "network", "/security-groups", null).path("security_groups").forEach(g -> {
            if (mentions(g, cluster)) {
                out.add(g);
            }
        });
        return out;
    }

    public List<JsonNode> serverGroups(String cluster) {
        List<JsonNode> out = new ArrayList<>();
        call("GET", "compute", "/os-server-groups?all_projects=true", null).path("server_groups").forEach(g -> {
            if (g.path("name").asText().contains(cluster)) {
                out.add(g);
            }
        });
        return out;
    }

    /** Whether a Neutron object's description carries nkd's mark for the cluster, or its name is the cluster's. */
    private static boolean mentions(JsonNode o, String cluster) {
        String description = o.path("description").asText("");
        String name = o.path("name").asText("");
        return description.contains("nkd.io/cluster=" + cluster + " ") || description.endsWith("nkd.io/cluster=" + cluster)
                || name.equals("nkd-" + cluster) || name.startsWith(cluster + "-") || name.startsWith("nkd-" + cluster + "-");
    }

    private String networkId;

    public String networkId() {
        if (networkId == null) {
            networkId = call("GET", "network", "/networks?name=" + get("NKD_OS_NETWORK"), null).path("networks").get(0).path("id").asText();
        }
        return networkId;
    }

    /** A new project with nkd's user as a member in it (so a test's quota and objects stay its own); its ID. */
    public String createProject(String name) {
        JsonNode p = call("POST", "identity", "/projects", Map.of("project", Map.of("name", name, "domain_id", "default",
                "description", "nkd test project")));
        String id = p.path("project").path("id").asText();
        String user = call("GET", "identity", "/users?name=" + get("OS_USERNAME"), null).path("users").get(0).path("id").asText();
        String member = call("GET", "identity", "/roles?name=member", null).path("roles").get(0).path("id").asText();
        call("PUT", "identity", "/projects/" + id + "/users/" + user + "/roles/" + member, null);
        return id;
    }

    public void deleteProject(String id) {
        call("DELETE", "identity", "/projects/" + id, null);
    }

    /** Sets the project's Nova instance quota. */
    public void setInstanceQuota(String projectId, int instances) {
        call("PUT", "compute", "/os-quota-sets/" + projectId, Map.of("quota_set", Map.of("instances", instances)));
    }

    /**
     * Removes what a test left of a cluster (servers, then ports, security groups and server groups that name it), so
     * a failed test leaves nothing behind; returns how many objects it removed.
     */
    public int sweep(String cluster) {
        int n = 0;
        for (Server s : servers(cluster)) {
            call("DELETE", "compute", "/servers/" + s.id(), null);
            n++;
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (!servers(cluster).isEmpty() && System.nanoTime() < deadline) {
            sleep(1000);
        }
        for (JsonNode p : clusterPorts(cluster)) {
            call("DELETE", "network", "/ports/" + p.path("id").asText(), null);
            n++;
        }
        for (JsonNode g : securityGroups(cluster)) {
            call("DELETE", "network", "/security-groups/" + g.path("id").asText(), null);
            n++;
        }
        for (JsonNode g : serverGroups(cluster)) {
            call("DELETE", "compute", "/os-server-groups/" + g.path("id").asText(), null);
            n++;
        }
        return n;
    }

    public Optional<JsonNode> serverFault(Server s) {
        JsonNode fault = s.raw().path("fault");
        return fault.isMissingNode() ? Optional.empty() : Optional.of(fault);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
