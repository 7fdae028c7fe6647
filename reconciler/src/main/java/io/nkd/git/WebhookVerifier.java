package io.nkd.git;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Authenticates webhook requests from GitHub, Gitea, Forgejo, GitLab and nkd's generic form, as a pure
 * function of the request headers, the raw body bytes (exactly as received: the signature covers bytes,
 * not parsed JSON) and the shared secret. The provider is recognised by its signature header; when a request
 * carries several (Forgejo sends Gitea's too), the most specific wins: Forgejo, Gitea, GitLab, nkd, GitHub.
 *
 * <p>Every comparison is constant-time ({@link MessageDigest#isEqual}); GitLab's token is compared through
 * SHA-256 digests so that neither its content nor its length leaks through timing.
 */
public final class WebhookVerifier {
    private static final List<WebhookProvider> PRECEDENCE = List.of(WebhookProvider.FORGEJO, WebhookProvider.GITEA,
            WebhookProvider.GITLAB, WebhookProvider.GENERIC, WebhookProvider.GITHUB);

    private WebhookVerifier() {
    }

    /**
     * @param headers as the HTTP server gives them; names are matched case-insensitively
     * @param secret  the webhook secret's bytes (UTF-8 of what was typed into the provider's form)
     */
    public static WebhookVerification verify(Map<String, List<String>> headers, byte[] body, byte[] secret) {
        if (secret == null || secret.length == 0) {
            throw new IllegalArgumentException("an empty webhook secret would accept anyone's requests");
        }
        for (WebhookProvider p : PRECEDENCE) {
            List<String> values = header(headers, p.signatureHeader());
            if (values.isEmpty()) {
                continue;
            }
            if (values.size() != 1) {
                return result(p, WebhookVerification.Result.MALFORMED);
            }
            String value = values.get(0).trim();
            return switch (p) {
                case GITLAB -> result(p, tokenEquals(value, secret));
                case GITHUB, GENERIC -> value.regionMatches(true, 0, "sha256=", 0, 7)
                        ? result(p, hmacEquals(value.substring(7), body, secret))
                        : result(p, WebhookVerification.Result.MALFORMED);
                case GITEA, FORGEJO -> result(p, hmacEquals(value, body, secret));
            };
        }
        return new WebhookVerification(Optional.empty(), WebhookVerification.Result.MISSING);
    }

    /** The {@code sha256=<hex>} value for a body: what a sender (a CI job, a test) puts in X-Nkd-Signature. */
    public static String sign(byte[] body, byte[] secret) {
        return "sha256=" + HexFormat.of().formatHex(hmac(body, secret));
    }

    /** All values of a header, whatever the case of its name. */
    static List<String> header(Map<String, List<String>> headers, String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        List<String> out = new ArrayList<>();
        headers.forEach((k, v) -> {
            if (k != null && k.toLowerCase(Locale.ROOT).equals(lower) && v != null) {
                out.addAll(v);
            }
        });
        return out;
    }

    private static WebhookVerification result(WebhookProvider p, WebhookVerification.Result r) {
        return new WebhookVerification(Optional.of(p), r);
    }

    private static WebhookVerification.Result hmacEquals(String hex, byte[] body, byte[] secret) {
        byte[] given;
        try {
            given = HexFormat.of().parseHex(hex.toLowerCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            return WebhookVerification.Result.MALFORMED;
        }
        if (given.length != 32) {
            return WebhookVerification.Result.MALFORMED;
        }
        return MessageDigest.isEqual(given, hmac(body, secret))
                ? WebhookVerification.Result.VALID : WebhookVerification.Result.MISMATCH;
    }

    private static WebhookVerification.Result tokenEquals(String token, byte[] secret) {
        byte[] given = sha256(token.getBytes(StandardCharsets.UTF_8));
        return MessageDigest.isEqual(given, sha256(secret))
                ? WebhookVerification.Result.VALID : WebhookVerification.Result.MISMATCH;
    }

    private static byte[] hmac(byte[] body, byte[] secret) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            return mac.doFinal(body);
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 is part of every Java runtime", e);
        }
    }

    private static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }
}
