package io.nkd.git;

/** Git servers whose push webhooks nkd understands, with the header each signs its requests in. */
public enum WebhookProvider {
    /** {@code X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the body>}. */
    GITHUB("GitHub", "X-Hub-Signature-256", "X-GitHub-Event"),
    /** {@code X-Gitea-Signature: <hex HMAC-SHA256 of the body>}. */
    GITEA("Gitea", "X-Gitea-Signature", "X-Gitea-Event"),
    /** {@code X-Forgejo-Signature: <hex HMAC-SHA256 of the body>} (Forgejo also sends Gitea's headers). */
    FORGEJO("Forgejo", "X-Forgejo-Signature", "X-Forgejo-Event"),
    /**
     * {@code X-Gitlab-Token: <the secret itself>}. GitLab sends the shared secret rather than a signature,
     * so the body is not authenticated beyond TLS; nkd only uses a webhook as a hint to poll now, and
     * fetches and verifies the revision itself, so a forged body can only cause an early poll.
     */
    GITLAB("GitLab", "X-Gitlab-Token", "X-Gitlab-Event"),
    /** nkd's own form for scripts and CI: {@code X-Nkd-Signature: sha256=<hex HMAC-SHA256 of the body>}. */
    GENERIC("generic", "X-Nkd-Signature", "X-Nkd-Event");

    private final String displayName;
    private final String signatureHeader;
    private final String eventHeader;

    WebhookProvider(String displayName, String signatureHeader, String eventHeader) {
        this.displayName = displayName;
        this.signatureHeader = signatureHeader;
        this.eventHeader = eventHeader;
    }

    public String signatureHeader() {
        return signatureHeader;
    }

    /** The header naming the event kind ({@code push}, {@code ping}, {@code Push Hook}, …). */
    public String eventHeader() {
        return eventHeader;
    }

    @Override
    public String toString() {
        return displayName;
    }
}
