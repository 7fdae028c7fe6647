package io.nkd.pki;

import java.security.SecureRandom;
import java.util.Objects;

/**
 * A kubeadm bootstrap token, {@code [a-z0-9]{6}.[a-z0-9]{16}}: the id is public (it names the Secret
 * {@code bootstrap-token-<id>}), the secret authenticates a joining node. {@link #toString()} shows only the id.
 */
public record BootstrapToken(String id, String secret) {
    private static final String ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz";

    public BootstrapToken {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(secret, "secret");
        if (!id.matches("[a-z0-9]{6}")) {
            throw new IllegalArgumentException("a bootstrap token id is 6 characters of [a-z0-9]");
        }
        if (!secret.matches("[a-z0-9]{16}")) {
            // never echo the secret, not even a wrong one
            throw new IllegalArgumentException("a bootstrap token secret is 16 characters of [a-z0-9]");
        }
    }

    /** A new token; each character uniform over [a-z0-9] (nextInt draws without modulo bias), as kubeadm's. */
    public static BootstrapToken generate(SecureRandom random) {
        return new BootstrapToken(draw(random, 6), draw(random, 16));
    }

    /** Parses {@code abcdef.0123456789abcdef}; the message on failure does not repeat the input. */
    public static BootstrapToken parse(String token) {
        int dot = token == null ? -1 : token.indexOf('.');
        if (dot < 0) {
            throw new IllegalArgumentException("a bootstrap token has the form [a-z0-9]{6}.[a-z0-9]{16}");
        }
        return new BootstrapToken(token.substring(0, dot), token.substring(dot + 1));
    }

    /** The whole token, {@code id.secret}, for {@code kubeadm join --token}: a secret, keep it out of logs. */
    public String value() {
        return id + "." + secret;
    }

    @Override
    public String toString() {
        return "BootstrapToken[id=" + id + ", secret=<redacted>]";
    }

    private static String draw(SecureRandom random, int length) {
        StringBuilder sb = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            sb.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
        }
        return sb.toString();
    }
}
