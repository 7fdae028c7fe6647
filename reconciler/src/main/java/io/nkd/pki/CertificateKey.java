package io.nkd.pki;

import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Objects;

/**
 * kubeadm's {@code --certificate-key}: a 32-byte AES-256 key, hex, that encrypts the shared control-plane
 * certificates kubeadm uploads for {@code join --control-plane}. {@link #toString()} never shows it.
 */
public record CertificateKey(String hex) {

    public CertificateKey {
        Objects.requireNonNull(hex, "hex");
        if (!hex.matches("[0-9a-f]{64}")) {
            throw new IllegalArgumentException("a certificate key is 64 lowercase hex digits (32 bytes)");
        }
    }

    public static CertificateKey generate(SecureRandom random) {
        byte[] key = new byte[32];
        random.nextBytes(key);
        return new CertificateKey(HexFormat.of().formatHex(key));
    }

    public byte[] bytes() {
        return HexFormat.of().parseHex(hex);
    }

    @Override
    public String toString() {
        return "CertificateKey[<redacted>]";
    }
}
