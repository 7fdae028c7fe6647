package io.nkd.git;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Known-answer signatures (GitHub's documented example; the others computed with {@code openssl dgst -hmac}). */
class WebhookVerifierTest {
    static final byte[] HELLO = "Hello, World!".getBytes(StandardCharsets.UTF_8);
    static final byte[] GITHUB_SECRET = "It's a Secret to Everybody".getBytes(StandardCharsets.UTF_8);
    /** From GitHub's "Validating webhook deliveries" documentation. */
    static final String GITHUB_HELLO = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
    static final byte[] GITEA_SECRET = "gitea-secret".getBytes(StandardCharsets.UTF_8);
    /** printf 'Hello, World!' | openssl dgst -sha256 -hmac gitea-secret */
    static final String GITEA_HELLO = "efc4e830b0b854650489466b1134de576bbc4a3334d74c9d2a52cd92af6f48dc";
    static final byte[] GENERIC_BODY = "{\"ref\":\"refs/heads/main\",\"after\":\"9c3b6a1f5e7d2c4b8a0f1e3d5c7b9a2e4f6d8c0b\"}"
            .getBytes(StandardCharsets.UTF_8);
    /** The same with -hmac gitea-secret over GENERIC_BODY. */
    static final String GENERIC_SIGNATURE = "sha256=28f1be27abf28fb834feb64b0cf6af662697f72eb36cd46668b6d3ec0e6c53ca";

    private static Map<String, List<String>> headers(String... nameValue) {
        java.util.LinkedHashMap<String, List<String>> h = new java.util.LinkedHashMap<>();
        for (int i = 0; i < nameValue.length; i += 2) {
            h.computeIfAbsent(nameValue[i], k -> new java.util.ArrayList<>()).add(nameValue[i + 1]);
        }
        return h;
    }

    private static WebhookVerification check(Map<String, List<String>> h, byte[] body, byte[] secret) {
        return WebhookVerifier.verify(h, body, secret);
    }

    private static WebhookVerification expect(WebhookProvider p, WebhookVerification.Result r) {
        return new WebhookVerification(Optional.of(p), r);
    }

    @Test
    void github() {
        var h = headers("X-Hub-Signature-256", GITHUB_HELLO, "X-GitHub-Event", "push");
        assertEquals(expect(WebhookProvider.GITHUB, WebhookVerification.Result.VALID), check(h, HELLO, GITHUB_SECRET));
        assertEquals(GITHUB_HELLO, WebhookVerifier.sign(HELLO, GITHUB_SECRET));
        // header names are case-insensitive (HTTP/2 lower-cases them), and so is the hex
        assertTrue(check(headers("x-hub-signature-256", GITHUB_HELLO.toUpperCase().replace("SHA256=", "sha256=")),
                HELLO, GITHUB_SECRET).valid());
    }

    @Test
    void giteaAndForgejo() {
        assertEquals(expect(WebhookProvider.GITEA, WebhookVerification.Result.VALID),
                check(headers("X-Gitea-Signature", GITEA_HELLO), HELLO, GITEA_SECRET));
        assertEquals(expect(WebhookProvider.FORGEJO, WebhookVerification.Result.VALID),
                check(headers("X-Forgejo-Signature", GITEA_HELLO), HELLO, GITEA_SECRET));
        // Forgejo sends its own header, Gitea's and GitHub's: recognised as Forgejo
        var all = headers("X-Hub-Signature-256", "sha256=" + GITEA_HELLO, "X-Gitea-Signature", GITEA_HELLO,
                "X-Forgejo-Signature", GITEA_HELLO);
        assertEquals(expect(WebhookProvider.FORGEJO, WebhookVerification.Result.VALID), check(all, HELLO, GITEA_SECRET));
        // Gitea's header has no "sha256=" prefix
        assertEquals(WebhookVerification.Result.MALFORMED,
                check(headers("X-Gitea-Signature", "sha256=" + GITEA_HELLO), HELLO, GITEA_SECRET).result());
    }

    @Test
    void gitlabComparesTheToken() {
        byte[] secret = "gl-hook-token".getBytes(StandardCharsets.UTF_8);
        assertEquals(expect(WebhookProvider.GITLAB, WebhookVerification.Result.VALID),
                check(headers("X-Gitlab-Token", "gl-hook-token", "X-Gitlab-Event", "Push Hook"), HELLO, secret));
        assertEquals(expect(WebhookProvider.GITLAB, WebhookVerification.Result.MISMATCH),
                check(headers("X-Gitlab-Token", "gl-hook-token-2"), HELLO, secret));
        assertEquals(expect(WebhookProvider.GITLAB, WebhookVerification.Result.MISMATCH),
                check(headers("X-Gitlab-Token", "gl-hook"), HELLO, secret));
    }

    @Test
    void generic() {
        assertEquals(expect(WebhookProvider.GENERIC, WebhookVerification.Result.VALID),
                check(headers("X-Nkd-Signature", GENERIC_SIGNATURE), GENERIC_BODY, GITEA_SECRET));
        assertEquals(GENERIC_SIGNATURE, WebhookVerifier.sign(GENERIC_BODY, GITEA_SECRET));
        assertEquals(WebhookVerification.Result.MALFORMED,
                check(headers("X-Nkd-Signature", GENERIC_SIGNATURE.substring(7)), GENERIC_BODY, GITEA_SECRET).result());
    }

    @Test
    void aTamperedBodyOrAWrongSecretIsAMismatch() {
        byte[] tampered = "Hello, World?".getBytes(StandardCharsets.UTF_8);
        var gh = headers("X-Hub-Signature-256", GITHUB_HELLO);
        assertEquals(expect(WebhookProvider.GITHUB, WebhookVerification.Result.MISMATCH), check(gh, tampered, GITHUB_SECRET));
        assertEquals(expect(WebhookProvider.GITHUB, WebhookVerification.Result.MISMATCH),
                check(gh, HELLO, "another secret".getBytes(StandardCharsets.UTF_8)));
        var gitea = headers("X-Gitea-Signature", GITEA_HELLO);
        assertEquals(WebhookVerification.Result.MISMATCH, check(gitea, tampered, GITEA_SECRET).result());
        byte[] body = GENERIC_BODY.clone();
        body[body.length - 3] ^= 1;
        assertEquals(WebhookVerification.Result.MISMATCH,
                check(headers("X-Nkd-Signature", GENERIC_SIGNATURE), body, GITEA_SECRET).result());
    }

    @Test
    void missingOrMalformedHeaders() {
        WebhookVerification none = check(headers("X-GitHub-Event", "push", "Content-Type", "application/json"),
                HELLO, GITHUB_SECRET);
        assertEquals(new WebhookVerification(Optional.empty(), WebhookVerification.Result.MISSING), none);
        assertFalse(none.valid());
        assertTrue(none.describe().contains("configure the webhook's secret"), none.describe());
        for (String bad : List.of("sha256=", "sha256=zz", "sha1=" + GITEA_HELLO, "sha256=" + GITEA_HELLO.substring(2),
                GITHUB_HELLO + "00")) {
            assertEquals(WebhookVerification.Result.MALFORMED,
                    check(headers("X-Hub-Signature-256", bad), HELLO, GITHUB_SECRET).result(), bad);
        }
        var twice = headers("X-Hub-Signature-256", GITHUB_HELLO, "X-Hub-Signature-256", GITHUB_HELLO);
        assertEquals(WebhookVerification.Result.MALFORMED, check(twice, HELLO, GITHUB_SECRET).result());
        assertThrows(IllegalArgumentException.class, () -> check(headers(), HELLO, new byte[0]));
    }

    @Test
    void descriptionsNeverContainTheSecretOrTheExpectedSignature() {
        byte[] secret = "top-secret-value".getBytes(StandardCharsets.UTF_8);
        String expected = WebhookVerifier.sign(HELLO, secret);
        for (var h : List.of(headers("X-Hub-Signature-256", GITHUB_HELLO), headers("X-Gitlab-Token", "nope"),
                headers("X-Gitea-Signature", "xyz"), headers())) {
            String d = check(h, HELLO, secret).describe();
            assertFalse(d.contains("top-secret-value") || d.contains(expected.substring(7)), d);
        }
    }
}
