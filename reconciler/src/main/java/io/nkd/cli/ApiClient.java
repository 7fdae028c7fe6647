package io.nkd.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.deser.std.StdScalarDeserializer;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Option;

/**
 * A client of a running nkd's HTTP API ({@code GET /api/v1/clusters[/NAME[/history]]},
 * {@code POST /api/v1/clusters/NAME/reconcile}). Every failure becomes one sentence naming the server and
 * what to do; the server's JSON error body is shown as its message, never raw.
 */
final class ApiClient {
    /** Reads the server's documents; fields a newer nkd adds are ignored rather than fatal. */
    private static final ObjectMapper READER = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .addModule(new SimpleModule().addDeserializer(Instant.class, new StdScalarDeserializer<Instant>(Instant.class) {
                @Override
                public Instant deserialize(JsonParser p, DeserializationContext ctx) throws IOException {
                    try {
                        return Instant.parse(p.getValueAsString());
                    } catch (java.time.format.DateTimeParseException e) {
                        return (Instant) ctx.handleWeirdStringValue(Instant.class, p.getValueAsString(), "not an ISO-8601 time");
                    }
                }
            }))
            .build();

    /** {@code --server URL} and {@code --api-token-file FILE}, with their environment variables. */
    static final class Options {
        @Option(names = "--server", paramLabel = "URL",
                description = "Ask the nkd daemon at URL (its --listen address, e.g. http://127.0.0.1:9090); env NKD_SERVER.")
        URI server;

        @Option(names = "--api-token-file", paramLabel = "FILE",
                description = "File holding the bearer token for nkd's API (the daemon's --api-token-file); env NKD_API_TOKEN "
                        + "holds the token itself.")
        Path tokenFile;

        /** The server given by --server or NKD_SERVER, if any. */
        Optional<URI> server(Map<String, String> env) {
            if (server != null) {
                return Optional.of(server);
            }
            String fromEnv = env.get("NKD_SERVER");
            if (fromEnv == null || fromEnv.isBlank()) {
                return Optional.empty();
            }
            try {
                return Optional.of(URI.create(fromEnv.strip()));
            } catch (IllegalArgumentException e) {
                throw new UserException("NKD_SERVER=" + fromEnv + " is not a URL; set it to nkd's API address, e.g. "
                        + "http://127.0.0.1:9090");
            }
        }

        ApiClient client(URI base, Map<String, String> env) {
            return new ApiClient(base, token(env));
        }

        Optional<String> token(Map<String, String> env) {
            if (tokenFile != null) {
                try {
                    String token = Files.readString(tokenFile).strip();
                    if (token.isEmpty()) {
                        throw new UserException("--api-token-file " + tokenFile + " is empty; put the API token in it");
                    }
                    return Optional.of(token);
                } catch (IOException e) {
                    throw new UserException("cannot read --api-token-file " + tokenFile + ": " + Failures.describe(e));
                }
            }
            String fromEnv = env.get("NKD_API_TOKEN");
            return fromEnv == null || fromEnv.isBlank() ? Optional.empty() : Optional.of(fromEnv.strip());
        }
    }

    private final URI base;
    /** The address as the user gave it, for messages. */
    private final String shown;
    private final Optional<String> token;
    private final HttpClient http;

    ApiClient(URI base, Optional<String> token) {
        if (base.getScheme() == null || !(base.getScheme().equals("http") || base.getScheme().equals("https"))
                || base.getHost() == null) {
            throw new UserException("--server " + base + " is not an http:// or https:// URL; give nkd's API address, e.g. "
                    + "http://127.0.0.1:9090");
        }
        // relative resolution keeps a path prefix (nkd behind a proxy at https://host/nkd/)
        this.base = base.getPath() == null || base.getPath().endsWith("/") ? base : URI.create(base + "/");
        this.shown = base.toString();
        this.token = token;
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    }

    /** The API path of a cluster ({@code /api/v1/clusters/NAME} + {@code rest}), refusing names the API cannot have. */
    static String clusterPath(String cluster, String rest) {
        if (!cluster.matches("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?")) {
            throw new UserException("'" + cluster + "' is not a cluster name: lower-case letters, digits and '-', "
                    + "at most 63 characters");
        }
        return "/api/v1/clusters/" + cluster + rest;
    }

    JsonNode get(String path) {
        return parse(send(request(path).GET()), path);
    }

    <T> T get(String path, Class<T> type) {
        return convert(get(path), type);
    }

    <T> T get(String path, com.fasterxml.jackson.core.type.TypeReference<T> type) {
        try {
            return READER.convertValue(get(path), type);
        } catch (IllegalArgumentException e) {
            throw new UserException("nkd at " + shown + " answered " + path + " with a document this nkd cannot read ("
                    + Failures.describe(e.getCause() != null ? e.getCause() : e) + "); are client and daemon the same version?");
        }
    }

    /** POSTs with an empty body; returns the status code when it is 2xx. */
    int post(String path) {
        return send(request(path).POST(HttpRequest.BodyPublishers.noBody())).statusCode();
    }

    private <T> T convert(JsonNode node, Class<T> type) {
        try {
            return READER.treeToValue(node, type);
        } catch (JsonProcessingException e) {
            throw new UserException("nkd at " + shown + " answered with a document this nkd cannot read ("
                    + Failures.describe(e) + "); are client and daemon the same version?");
        }
    }

    private HttpRequest.Builder request(String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path.substring(1))).timeout(Duration.ofSeconds(30))
                .header("Accept", "application/json");
        token.ifPresent(t -> b.header("Authorization", "Bearer " + t));
        return b;
    }

    private HttpResponse<String> send(HttpRequest.Builder request) {
        HttpResponse<String> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UserException("cannot reach nkd at " + shown + " (" + Failures.describe(e)
                    + "); is nkd serve running there, and is this its --listen address?");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UserException("interrupted while waiting for nkd at " + shown);
        }
        int code = response.statusCode();
        if (code / 100 == 2) {
            return response;
        }
        String reason = errorText(response.body());
        throw switch (code) {
            case 401 -> new UserException("nkd at " + shown + " wants an API token (401" + reason + "); give it with "
                    + "--api-token-file FILE or the NKD_API_TOKEN environment variable");
            case 403 -> new UserException("nkd at " + shown + " refused the token (403" + reason + "); check --api-token-file "
                    + "or NKD_API_TOKEN against the daemon's token");
            default -> new UserException("nkd at " + shown + " answered " + code + reason);
        };
    }

    /** The error sentence of a JSON error body ({@code {"error": "..."}}), or the body's text, after ": ". */
    static String errorText(String body) {
        if (body == null || body.isBlank()) {
            return "";
        }
        try {
            JsonNode json = READER.readTree(body);
            for (String field : new String[] {"error", "message", "detail"}) {
                if (json != null && json.path(field).isTextual()) {
                    return ": " + json.path(field).asText();
                }
            }
        } catch (JsonProcessingException notJson) {
            // plain text: shown as it is, on one line
        }
        String line = body.strip().replaceAll("\\s+", " ");
        return ": " + (line.length() > 200 ? line.substring(0, 200) + "…" : line);
    }

    private JsonNode parse(HttpResponse<String> response, String path) {
        try {
            return READER.readTree(response.body());
        } catch (JsonProcessingException e) {
            throw new UserException("nkd at " + shown + " answered " + path + " with something that is not JSON ("
                    + Failures.describe(e) + "); is this nkd's --listen address?");
        }
    }
}
