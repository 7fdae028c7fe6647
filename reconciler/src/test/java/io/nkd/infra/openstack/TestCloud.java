package io.nkd.infra.openstack;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nkd.config.Infrastructure;
import io.nkd.config.NodePool;
import io.nkd.infra.MachineRequest;
import io.nkd.infra.MachineSpec;
import io.nkd.testkit.Ci;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The real single-node OpenStack of testenv/openstack.sh, as tests reach it: its {@code OS_*} and {@code NKD_OS_*}
 * variables from the environment, or else from {@code testenv/openstack.sh env}; {@link #require()} fails under CI
 * and skips elsewhere when it is not there. Also an admin's REST access for what a test sets up (quotas, projects,
 * flavors) and checks (user_data, metadata) outside the provider.
 */
final class TestCloud {
    static final ObjectMapper JSON = new ObjectMapper();
    private static Map<String, String> cached;

    final Map<String, String> env;
    private final Keystone admin;
    private final HttpClient http = HttpClient.newHttpClient();

    private TestCloud(Map<String, String> env) {
        this.env = env;
        Map<String, Object> auth = new LinkedHashMap<>();
        auth.put("auth_url", env.get("OS_AUTH_URL"));
        auth.put("username", env.get("NKD_OS_ADMIN_USERNAME"));
        auth.put("password", env.get("NKD_OS_ADMIN_PASSWORD"));
        auth.put("project_name", env.get("NKD_OS_ADMIN_PROJECT_NAME"));
        auth.put("user_domain_name", "Default");
        auth.put("project_domain_name", "Default");
        CloudAccess access = new CloudAccess(Credentials.of(auth, null, "admin"), env.get("OS_REGION_NAME"), "public");
        this.admin = new Keystone(() -> access, http, Clock.systemUTC());
    }

    /** The cloud, or a failure (CI) / skip naming how to start it. */
    static TestCloud require() {
        Map<String, String> env = load();
        boolean ok = env.containsKey("OS_AUTH_URL") && env.containsKey("NKD_OS_ADMIN_PASSWORD") && reachable(env.get("OS_AUTH_URL"));
        Ci.require(ok, "the test OpenStack is not running (no OS_AUTH_URL/NKD_OS_ADMIN_* in the environment or from"
                + " testenv/openstack.sh env, or Keystone does not answer): run testenv/openstack.sh up");
        return new TestCloud(env);
    }

    private static synchronized Map<String, String> load() {
        if (cached != null) {
            return cached;
        }
        Map<String, String> env = new HashMap<>();
        System.getenv().forEach((k, v) -> {
            if (k.startsWith("OS_") || k.startsWith("NKD_OS_")) {
                env.put(k, v);
            }
        });
        if (!env.containsKey("OS_AUTH_URL")) {
            Path script = Path.of(System.getProperty("nkd.repoRoot", "..")).resolve("testenv/openstack.sh");
            if (Files.isRegularFile(script)) {
                try {
                    Process p = new ProcessBuilder("bash", script.toString(), "env").redirectError(ProcessBuilder.Redirect.DISCARD).start();
                    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                    if (p.waitFor() == 0) {
                        for (String line : out.split("\n")) {
                            if (line.startsWith("export ") && line.contains("=")) {
                                String kv = line.substring("export ".length());
                                int eq = kv.indexOf('=');
                                env.put(kv.substring(0, eq), unquote(kv.substring(eq + 1)));
                            }
                        }
                    }
                } catch (IOException e) {
                    // not runnable here: require() reports the cloud missing
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
        cached = env;
        return env;
    }

    /** Undoes bash's printf %q for the values the script prints (letters, digits, URLs, base64 without /+=). */
    private static String unquote(String v) {
        if (v.length() >= 2 && v.startsWith("'") && v.endsWith("'")) {
            return v.substring(1, v.length() - 1);
        }
        return v.replace("\\", "");
    }

    private static boolean reachable(String url) {
        try {
            HttpResponse<Void> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5))
                    .GET().build(), HttpResponse.BodyHandlers.discarding());
            return r.statusCode() < 500;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** nkd's test user in a project (nkd's own by default). */
    CloudAccess access(String project) {
        Map<String, Object> auth = new LinkedHashMap<>();
        auth.put("auth_url", env.get("OS_AUTH_URL"));
        auth.put("username", env.get("OS_USERNAME"));
        auth.put("password", env.get("OS_PASSWORD"));
        auth.put("project_name", project == null ? env.get("OS_PROJECT_NAME") : project);
        auth.put("user_domain_name", env.getOrDefault("OS_USER_DOMAIN_NAME", "Default"));
        auth.put("project_domain_name", env.getOrDefault("OS_PROJECT_DOMAIN_NAME", "Default"));
        return new CloudAccess(Credentials.of(auth, null, "test user"), env.get("OS_REGION_NAME"), "public");
    }

    Infrastructure.OpenStack settings(List<String> cidrs, String flavorNetwork) {
        return new Infrastructure.OpenStack(null, null, env.get("OS_REGION_NAME"), env.get("NKD_OS_NETWORK"), env.get("NKD_OS_IMAGE"),
                List.of(), null, "test", cidrs, null, null, null, null);
    }

    static OpenStackProvider.Options fast() {
        return new OpenStackProvider.Options(Duration.ofSeconds(60), Duration.ofSeconds(60), Duration.ofMillis(500));
    }

    /** A unique cluster name per test run (DNS label). */
    static String clusterName(String prefix) {
        return prefix + "-" + Long.toString(ThreadLocalRandom.current().nextLong(36L * 36 * 36 * 36 * 36), 36);
    }

    MachineRequest request(String cluster, String pool, int index, NodePool.Role role, String ip, String flavor) {
        String name = cluster + "-" + pool + "-" + index;
        return new MachineRequest(cluster, pool, name, role, "0123456789abcdef0123456789abcdef01234567", "rendered-" + pool + "-abc123",
                new NodePool.MachineSize(null, null, null, flavor == null ? env.get("NKD_OS_FLAVOR") : flavor),
                new MachineSpec("flavor " + (flavor == null ? env.get("NKD_OS_FLAVOR") : flavor), env.get("NKD_OS_IMAGE"), null, ip),
                "{\"ignition\":{\"version\":\"3.3.0\",\"config\":{\"merge\":[{\"source\":\"https://127.0.0.1:9443/ignition/" + name
                        + "\",\"httpHeaders\":[{\"name\":\"Authorization\",\"value\":\"Bearer secret-token-" + name + "\"}]}]}}}");
    }

    // -------------------------------------------------------------------------------------------- admin REST

    /** An admin's call to a service of the catalog ({@code compute}, {@code network}, {@code identity}). */
    JsonNode admin(String method, String service, String path, Object body) {
        return call(admin, method, service, path, body);
    }

    JsonNode call(Keystone as, String method, String service, String path, Object body) {
        try {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(as.endpoint(service) + path))
                    .timeout(Duration.ofSeconds(60))
                    .header("X-Auth-Token", as.session().id())
                    .header("Accept", "application/json")
                    .header("X-OpenStack-Nova-API-Version", "2.15")
                    .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                            : HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)));
            if (body != null) {
                b.header("Content-Type", "application/json");
            }
            HttpResponse<byte[]> r = http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
            if (r.statusCode() == 404 && method.equals("GET")) {
                return null;
            }
            if (r.statusCode() >= 300) {
                throw new AssertionError(method + " " + service + path + " → HTTP " + r.statusCode() + ": " + Failures.messageOf(r.body()));
            }
            return r.body().length == 0 ? JSON.createObjectNode() : JSON.readTree(r.body());
        } catch (IOException e) {
            throw new AssertionError(method + " " + service + path + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** A server's full view as an admin sees it at Nova 2.3 (with OS-EXT-SRV-ATTR:user_data), or null. */
    JsonNode serverAsAdmin(String id) {
        try {
            HttpRequest req = HttpRequest.newBuilder(URI.create(admin.endpoint("compute") + "/servers/" + id))
                    .header("X-Auth-Token", admin.session().id())
                    .header("X-OpenStack-Nova-API-Version", "2.3")
                    .GET().build();
            HttpResponse<byte[]> r = http.send(req, HttpResponse.BodyHandlers.ofByteArray());
            return r.statusCode() == 404 ? null : JSON.readTree(r.body()).path("server");
        } catch (IOException e) {
            throw new AssertionError(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** The ID of a project by name (admin). */
    String projectId(String name) {
        JsonNode p = admin("GET", "identity", "/projects?name=" + name, null).path("projects");
        return p.size() == 0 ? null : p.get(0).path("id").asText();
    }
}
