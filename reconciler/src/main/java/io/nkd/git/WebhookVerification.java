package io.nkd.git;

import java.util.Optional;

/**
 * The outcome of checking a webhook request's signature.
 *
 * @param provider the provider whose signature header the request carries (empty when it carries none)
 */
public record WebhookVerification(Optional<WebhookProvider> provider, Result result) {
    public enum Result {
        /** The signature (or GitLab token) matches the shared secret. */
        VALID,
        /** A signature header is present but does not match: wrong secret, or the body was changed. */
        MISMATCH,
        /** A signature header is present but unreadable (not hex, wrong prefix, repeated). */
        MALFORMED,
        /** No known signature header: an unsigned request, or a webhook configured without a secret. */
        MISSING
    }

    public boolean valid() {
        return result == Result.VALID;
    }

    /** For the HTTP response and the log; says nothing about the secret or the expected value. */
    public String describe() {
        String who = provider.map(p -> p + " webhook").orElse("webhook");
        return switch (result) {
            case VALID -> who + ": signature valid";
            case MISMATCH -> who + ": signature does not match (wrong secret, or the body was altered)";
            case MALFORMED -> who + ": signature header " + provider.map(WebhookProvider::signatureHeader).orElse("")
                    + " is malformed";
            case MISSING -> "webhook request without a signature header (X-Hub-Signature-256, X-Gitea-Signature, "
                    + "X-Forgejo-Signature, X-Gitlab-Token or X-Nkd-Signature); configure the webhook's secret";
        };
    }
}
