package io.nkd.server;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nkd.ignition.spec.IgnitionVersion;
import io.nkd.json.JsonOutput;
import io.nkd.pki.Pem;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Objects;

/**
 * The pointer config a provider puts into a machine's user-data: it tells the real Ignition to fetch the
 * node's pool config and then its overlay from nkd ({@code ignition.config.merge}, in that order, so the
 * overlay wins), each with the node's bearer token ({@code httpHeaders}, spec 3.1.0 and later) and the
 * SHA-512 of exactly the bytes nkd serves ({@code verification.hash}), trusting nkd's serving CA
 * ({@code ignition.security.tls.certificateAuthorities}, a {@code data:} URL).
 *
 * <p>Deterministic: the same inputs give the same text. The text holds the token: treat it as a secret
 * (providers' user-data is readable by whoever can read the machine's metadata, which is why a token opens
 * only its own node's configs and can be revoked).
 */
public final class PointerConfigs {
    public static final IgnitionVersion DEFAULT_SPEC = IgnitionVersion.V3_3_0;
    /** The first spec with {@code httpHeaders}. */
    public static final IgnitionVersion MIN_SPEC = IgnitionVersion.V3_1_0;

    /**
     * Where nodes reach nkd and what they trust.
     *
     * @param baseUrl {@code https://host[:port][/prefix]}, as nodes reach it (through NAT or a proxy, maybe)
     * @param caPem   the CA certificate(s), PEM; only certificates are carried over, anything else is dropped
     */
    public record Target(URI baseUrl, String caPem) {
        public Target {
            Objects.requireNonNull(baseUrl, "baseUrl");
            Objects.requireNonNull(caPem, "caPem");
            if (!"https".equals(baseUrl.getScheme()) || baseUrl.getHost() == null || baseUrl.getRawQuery() != null
                    || baseUrl.getRawFragment() != null || baseUrl.getRawUserInfo() != null) {
                throw new IllegalArgumentException("the base URL must be https://host[:port][/path], not " + baseUrl);
            }
        }

        public static Target of(IgnitionServer server, ServingIdentity identity) {
            return new Target(server.baseUrl(), identity.caPem());
        }
    }

    /**
     * @param spec      the pointer's Ignition spec version, at least {@link #MIN_SPEC}
     * @param httpTotal Ignition's limit for each fetch including retries; null leaves Ignition's default
     *                  (no limit: a node keeps retrying while nkd is unreachable, which is what booting wants)
     */
    public record Options(IgnitionVersion spec, Duration httpTotal) {
        public Options {
            Objects.requireNonNull(spec, "spec");
            if (spec.before(MIN_SPEC)) {
                throw new IllegalArgumentException("a pointer needs Ignition spec " + MIN_SPEC + " or later (httpHeaders), not " + spec);
            }
            if (httpTotal != null && (httpTotal.isNegative() || httpTotal.isZero() || httpTotal.toSeconds() > Integer.MAX_VALUE)) {
                throw new IllegalArgumentException("httpTotal must be a positive number of seconds, not " + httpTotal);
            }
        }

        public static Options defaults() {
            return new Options(DEFAULT_SPEC, null);
        }

        public Options withSpec(IgnitionVersion v) {
            return new Options(v, httpTotal);
        }

        public Options withHttpTotal(Duration d) {
            return new Options(spec, d);
        }
    }

    private PointerConfigs() {
    }

    /** The pointer for {@code token}'s node, naming the newest versions of its pool and overlay; spec {@link #DEFAULT_SPEC}. */
    public static String pointer(Target target, IgnitionContent content, NodeToken token) {
        return pointer(target, content, token, Options.defaults());
    }

    /**
     * The pointer for {@code token}'s node, naming the newest versions of its pool and overlay.
     *
     * @throws IllegalArgumentException if the content has no config for the token's pool or node
     */
    public static String pointer(Target target, IgnitionContent content, NodeToken token, Options options) {
        ServedConfig pool = content.current(token.cluster(), ConfigKind.POOL, token.pool()).orElseThrow(() ->
                new IllegalArgumentException("no config of pool " + token.pool() + " of cluster " + token.cluster() + " is served"));
        ServedConfig node = content.current(token.cluster(), ConfigKind.NODE, token.node()).orElseThrow(() ->
                new IllegalArgumentException("no overlay of node " + token.node() + " of cluster " + token.cluster() + " is served"));
        return pointer(target, pool, node, token, options);
    }

    /** The pointer naming these exact configs, which must be the token's pool's and node's. */
    public static String pointer(Target target, ServedConfig pool, ServedConfig node, NodeToken token, Options options) {
        if (pool.kind() != ConfigKind.POOL || node.kind() != ConfigKind.NODE) {
            throw new IllegalArgumentException("a pointer names a pool config, then a node overlay");
        }
        TokenGrant grant = new TokenGrant(token.cluster(), token.pool(), token.node(), token.id());
        if (!grant.allows(pool) || !grant.allows(node)) {
            // the server would answer 403: fail now, not on a booting machine
            throw new IllegalArgumentException("the token of node " + token.node() + " (pool " + token.pool() + ") may not fetch "
                    + pool + " and " + node);
        }
        JsonNodeFactory f = JsonNodeFactory.instance;
        ObjectNode root = f.objectNode();
        ObjectNode ignition = root.putObject("ignition");
        ignition.put("version", options.spec().text());
        ArrayNode merge = ignition.putObject("config").putArray("merge");
        merge.add(reference(target.baseUrl(), pool, token));
        merge.add(reference(target.baseUrl(), node, token));
        ignition.putObject("security").putObject("tls").putArray("certificateAuthorities").addObject()
                .put("source", "data:;base64," + Base64.getEncoder().encodeToString(canonicalCas(target.caPem())));
        if (options.httpTotal() != null) {
            ignition.putObject("timeouts").put("httpTotal", (int) options.httpTotal().toSeconds());
        }
        return JsonOutput.write(root, false);
    }

    /** Where nkd serves {@code config} under {@code baseUrl}. */
    public static URI url(URI baseUrl, ServedConfig config) {
        String base = baseUrl.toString();
        while (base.endsWith("/")) {
            base = base.substring(0, base.length() - 1);
        }
        return URI.create(base + IgnitionPath.of(config.cluster(), config.kind(), config.version()));
    }

    private static ObjectNode reference(URI baseUrl, ServedConfig config, NodeToken token) {
        ObjectNode r = JsonNodeFactory.instance.objectNode();
        r.put("source", url(baseUrl, config).toString());
        r.putArray("httpHeaders").addObject().put("name", "Authorization").put("value", "Bearer " + token.value());
        r.putObject("verification").put("hash", config.sha512());
        return r;
    }

    /** The certificates only, re-encoded: a stray private key in the CA file never reaches user-data. */
    private static byte[] canonicalCas(String caPem) {
        StringBuilder b = new StringBuilder();
        Pem.decodeCertificates(caPem).forEach(c -> b.append(Pem.encodeCertificate(c)));
        return b.toString().getBytes(StandardCharsets.US_ASCII);
    }
}
