package io.nkd.server;

import io.nkd.git.RefSelector;
import io.nkd.git.WebhookEvent;
import io.nkd.git.WebhookPayloads;
import io.nkd.git.WebhookVerification;
import io.nkd.git.WebhookVerifier;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Webhook deliveries from GitHub, GitLab, Gitea/Forgejo or any sender of nkd's generic form
 * ({@code X-Nkd-Signature: sha256=<hex HMAC-SHA256 of the body>}) at {@code POST /hooks/<anything>}: a delivery with a
 * valid signature for the shared secret that announces a push to the followed ref makes nkd fetch at once.
 * Without a configured secret every delivery is refused. The poll runs on its own thread so the sender gets its
 * answer at once.
 */
public final class Webhooks implements ApiServer.WebhookHandler {
    private static final Logger LOG = LoggerFactory.getLogger(Webhooks.class);
    private final byte[] secret;
    private final RefSelector followed;
    private final Runnable poll;
    private final ExecutorService pollThread = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "nkd-webhook-poll");
        t.setDaemon(true);
        return t;
    });

    /** @param followed the followed ref (pushes to other refs are ignored), or null to fetch on any valid push */
    public Webhooks(byte[] secret, RefSelector followed, Runnable poll) {
        this.secret = secret == null || secret.length == 0 ? null : secret.clone();
        this.followed = followed;
        this.poll = poll;
    }

    @Override
    public int handle(String path, Map<String, List<String>> headers, byte[] body) {
        if (secret == null) {
            LOG.warn("webhook {} refused: no --webhook-secret-file configured", path);
            return 403;
        }
        WebhookVerification verification = WebhookVerifier.verify(headers, body, secret);
        if (!verification.valid()) {
            LOG.warn("webhook {} refused: {}", path, verification.describe());
            return 401;
        }
        WebhookEvent event = verification.provider().map(p -> WebhookPayloads.parse(p, headers, body)).orElse(null);
        if (event instanceof WebhookEvent.Invalid invalid) {
            LOG.warn("webhook {} refused ({}): {}", path, verification.describe(), invalid.reason());
            return 400;
        }
        if (event instanceof WebhookEvent.Push push && followed != null && !push.concerns(followed)) {
            LOG.info("webhook {}: push to {} does not concern the followed ref; ignored", path, push.ref());
            return 202;
        }
        LOG.info("webhook {} accepted ({}): fetching now", path, verification.describe());
        pollThread.submit(poll);
        return 202;
    }
}
