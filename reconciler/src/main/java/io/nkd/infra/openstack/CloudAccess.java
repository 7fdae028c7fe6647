package io.nkd.infra.openstack;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.nkd.config.Infrastructure;
import io.nkd.infra.ProviderException;
import io.nkd.secrets.SecretResolver;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Where a cluster's OpenStack credentials come from, never from Git: {@code spec.infrastructure.openstack.credentials}
 * (a secret of nkd's state directory or an environment variable, holding JSON with the keys of clouds.yaml's
 * {@code auth:} section; the Keystone URL is cluster.yaml's authURL), or {@code spec.infrastructure.openstack.cloud}
 * (an entry of a standard clouds.yaml, with its secure.yaml beside it, found the way the OpenStack CLI finds it).
 *
 * @param credentials how to sign in
 * @param region      the region whose endpoints nkd uses (cluster.yaml's region, else clouds.yaml's region_name), or null
 * @param facing      the endpoint interface: public (default), internal or admin
 */
public record CloudAccess(Credentials credentials, String region, String facing) {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * Resolves a cluster's settings to credentials.
     *
     * @param env  nkd's environment (OS_CLIENT_CONFIG_FILE, HOME)
     * @param cwd  the directory nkd runs in (a clouds.yaml there is found first, as the OpenStack CLI does)
     * @throws ProviderException {@link ProviderException.Kind#UNAUTHORIZED} naming what is missing or malformed
     */
    public static CloudAccess resolve(Infrastructure.OpenStack os, SecretResolver secrets, Map<String, String> env, Path cwd) {
        return resolve(os, secrets, env, cwd, Path.of("/etc/openstack"));
    }

    /** The same, with the system-wide directory of clouds.yaml given (tests). */
    static CloudAccess resolve(Infrastructure.OpenStack os, SecretResolver secrets, Map<String, String> env, Path cwd, Path etc) {
        if (os.credentials() != null) {
            String where = os.credentials().toString() + " (spec.infrastructure.openstack.credentials)";
            String text;
            try {
                text = secrets.resolve(os.credentials());
            } catch (SecretResolver.MissingSecretException e) {
                throw new ProviderException(ProviderException.Kind.UNAUTHORIZED, "OpenStack credentials: " + e.getMessage(), null);
            }
            Map<String, Object> auth;
            try {
                auth = JSON.readValue(text, new TypeReference<LinkedHashMap<String, Object>>() { });
            } catch (JsonProcessingException e) {
                // Jackson quotes the text it read: say only where
                throw new ProviderException(ProviderException.Kind.UNAUTHORIZED, where + " is not a JSON object"
                        + location(e) + "; write it like {\"username\": …, \"password\": …, \"user_domain_name\": \"Default\","
                        + " \"project_name\": …, \"project_domain_name\": \"Default\"} or {\"application_credential_id\": …,"
                        + " \"application_credential_secret\": …}", null);
            }
            return new CloudAccess(credentials(auth, os.authURL(), where), blank(os.region()), "public");
        }
        String cloudName = os.cloud();
        Path file = candidates(env, cwd, etc).stream().filter(Files::isRegularFile).findFirst().orElseThrow(() -> new ProviderException(ProviderException.Kind.UNAUTHORIZED,
                "spec.infrastructure.openstack.cloud is " + cloudName + ", but no clouds.yaml was found (looked at "
                        + String.join(", ", candidates(env, cwd, etc).stream().map(Path::toString).toList())
                        + "); write one, or set OS_CLIENT_CONFIG_FILE in nkd's environment", null));
        Map<String, Object> cloud = entry(file, cloudName).orElseThrow(() -> new ProviderException(ProviderException.Kind.UNAUTHORIZED,
                "clouds.yaml " + file + " has no cloud " + cloudName + " (spec.infrastructure.openstack.cloud)", null));
        Path secure = file.resolveSibling("secure.yaml");
        if (Files.isRegularFile(secure)) {
            entry(secure, cloudName).ifPresent(s -> merge(cloud, s));
        }
        String where = "clouds.yaml " + file + ", cloud " + cloudName;
        Object authType = cloud.get("auth_type");
        if (authType != null && !List.of("password", "v3password", "v3applicationcredential").contains(authType.toString())) {
            throw new ProviderException(ProviderException.Kind.UNAUTHORIZED, where + " has auth_type " + authType
                    + "; nkd signs in with password, v3password or v3applicationcredential", null);
        }
        Map<String, Object> auth = map(cloud.get("auth"));
        String region = blank(os.region()) != null ? os.region() : blank(text(cloud.get("region_name")));
        String facing = blank(text(cloud.get("interface")));
        if (facing != null && !List.of("public", "internal", "admin").contains(facing)) {
            throw new ProviderException(ProviderException.Kind.UNAUTHORIZED, where + " has interface " + facing
                    + "; use public, internal or admin", null);
        }
        return new CloudAccess(credentials(auth, null, where), region, facing == null ? "public" : facing);
    }

    private static Credentials credentials(Map<String, Object> auth, String authURL, String where) {
        try {
            return Credentials.of(auth, authURL, where);
        } catch (IllegalArgumentException e) {
            throw new ProviderException(ProviderException.Kind.UNAUTHORIZED, e.getMessage(), null);
        }
    }

    /** Where nkd looks for clouds.yaml: OS_CLIENT_CONFIG_FILE, else ./, ~/.config/openstack/, /etc/openstack/ in order. */
    private static List<Path> candidates(Map<String, String> env, Path cwd, Path etc) {
        String explicit = env.get("OS_CLIENT_CONFIG_FILE");
        if (explicit != null && !explicit.isBlank()) {
            return List.of(Path.of(explicit));
        }
        List<Path> paths = new ArrayList<>();
        paths.add(cwd.resolve("clouds.yaml"));
        String home = env.get("HOME");
        if (home != null && !home.isBlank()) {
            paths.add(Path.of(home, ".config", "openstack", "clouds.yaml"));
        }
        paths.add(etc.resolve("clouds.yaml"));
        return paths;
    }

    private static Optional<Map<String, Object>> entry(Path file, String cloud) {
        Map<String, Object> doc;
        try {
            doc = YAML.readValue(file.toFile(), new TypeReference<LinkedHashMap<String, Object>>() { });
        } catch (JsonProcessingException e) {
            throw new ProviderException(ProviderException.Kind.UNAUTHORIZED, file + " is not valid YAML" + location(e), null);
        } catch (IOException e) {
            throw new ProviderException(ProviderException.Kind.UNAUTHORIZED, "cannot read " + file + ": " + e.getClass().getSimpleName(), null);
        }
        Map<String, Object> clouds = doc == null ? Map.of() : map(doc.get("clouds"));
        Object c = clouds.get(cloud);
        return c instanceof Map<?, ?> ? Optional.of(map(c)) : Optional.empty();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        return o instanceof Map<?, ?> m ? new LinkedHashMap<>((Map<String, Object>) m) : new LinkedHashMap<>();
    }

    /** secure.yaml's values win, deeply (it usually holds only auth.password). */
    private static void merge(Map<String, Object> into, Map<String, Object> from) {
        from.forEach((k, v) -> {
            if (v instanceof Map<?, ?> && into.get(k) instanceof Map<?, ?>) {
                Map<String, Object> inner = map(into.get(k));
                merge(inner, map(v));
                into.put(k, inner);
            } else {
                into.put(k, v);
            }
        });
    }

    private static String location(JsonProcessingException e) {
        return e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")";
    }

    private static String text(Object o) {
        return o == null ? null : o.toString();
    }

    private static String blank(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}
