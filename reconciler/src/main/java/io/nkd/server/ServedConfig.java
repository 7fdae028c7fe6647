package io.nkd.server;

import java.io.IOException;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/**
 * One config as nkd serves it: the exact bytes, and the SHA-512 a pointer's {@code verification.hash}
 * carries. The content holds secrets (bootstrap token, control-plane CA keys), so {@link #toString()}
 * names the config and never shows it, and {@link #content()} hands out a copy.
 *
 * @param name the pool's name ({@link ConfigKind#POOL}) or the node's host name ({@link ConfigKind#NODE})
 */
public record ServedConfig(String cluster, ConfigKind kind, String name, String version, byte[] content) {

    public ServedConfig {
        Objects.requireNonNull(cluster, "cluster");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(version, "version");
        content = Objects.requireNonNull(content, "content").clone();
    }

    @Override
    public byte[] content() {
        return content.clone();
    }

    public int length() {
        return content.length;
    }

    /** Writes the content without copying it (the server's hot path). */
    public void writeTo(OutputStream out) throws IOException {
        out.write(content);
    }

    /** {@code sha512-<hex>}: Ignition's {@code verification.hash} of exactly these bytes. */
    public String sha512() {
        try {
            return "sha512-" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-512").digest(content));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JDK has no SHA-512", e);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ServedConfig s && cluster.equals(s.cluster) && kind == s.kind && name.equals(s.name)
                && version.equals(s.version) && Arrays.equals(content, s.content);
    }

    @Override
    public int hashCode() {
        return Objects.hash(cluster, kind, name, version, Arrays.hashCode(content));
    }

    @Override
    public String toString() {
        return "ServedConfig[" + cluster + " " + kind.segment() + "/" + version + ", " + content.length + " bytes]";
    }
}
