package io.nkd.server;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Webhook deliveries that make nkd fetch at once instead of waiting for the next poll. A delivery is accepted
 * only with a valid signature: {@code POST /hooks/generic} with {@code X-Nkd-Signature: sha256=<hex HMAC-SHA256 of
 * the body>} under the shared secret (compared in constant time). Without a configured secret every delivery
 * is refused. The poll runs on its own thread so the sender gets its answer at once.
 */
public final class Webhooks implements ApiServer.WebhookHandler {
    private static final Logger LOG = LoggerFactory.getLogger(Webhooks.class);
    private final byte[] secret;
    private final Runnable poll;
    private final ExecutorService pollThread = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "nkd-webhook-poll");
        t.setDaemon(true);
        return t;
    });

    public Webhooks(byte[] secret, Runnable poll) {
        this.secret = secret == null ? null : secret.clone();
        this.poll = poll;
    }

    @Override
    public int handle(String path, Map<String, List<String>> headers, byte[] body) {
        if (!path.equals("/hooks/generic")) {
            return 404;
        }
        if (secret == null) {
            LOG.warn("webhook refused: no --webhook-secret-file configured");
            return 403;
        }
        String given = header(headers, "X-Nkd-Signature");
        if (given == null || !given.startsWith("sha256=") || !MessageDigest.isEqual(
                given.substring(7).toLowerCase(java.util.Locale.ROOT).getBytes(StandardCharsets.US_ASCII),
                hmac(body).getBytes(StandardCharsets.US_ASCII))) {
            LOG.warn("webhook refused: missing or wrong X-Nkd-Signature");
            return 401;
        }
        LOG.info("webhook accepted: fetching now");
        pollThread.submit(poll);
        return 202;
    }

    String hmac(byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(body));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String header(Map<String, List<String>> headers, String name) {
        for (var e : headers.entrySet()) {
            if (e.getKey() != null && e.getKey().equalsIgnoreCase(name) && !e.getValue().isEmpty()) {
                return e.getValue().get(0);
            }
        }
        return null;
    }
}
