package io.nkd.plan;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Base64;
import java.util.Optional;
import java.util.zip.GZIPInputStream;

/**
 * Decodes the contents of an Ignition resource: an RFC 2397 {@code data:} URL (percent-encoded or base64),
 * optionally gzip-compressed as the resource's {@code compression} says. In memory only.
 */
final class DataUrl {
    /** Decompressed contents beyond this are not shown (a plan is for reading, and gzip bombs exist). */
    static final int MAX_BYTES = 16 * 1024 * 1024;

    /** The bytes, or why they could not be decoded. */
    record Decoded(byte[] bytes, String error) {
    }

    private DataUrl() {
    }

    static boolean isDataUrl(String source) {
        return source.startsWith("data:");
    }

    static Decoded decode(String url, String compression) {
        int comma = url.indexOf(',');
        if (comma < 0) {
            return new Decoded(null, "not a data URL (no comma)");
        }
        String meta = url.substring("data:".length(), comma);
        String payload = url.substring(comma + 1);
        boolean base64 = meta.endsWith(";base64");
        byte[] bytes;
        try {
            // strict, like Go's base64.StdEncoding that Ignition uses (which skips only line breaks)
            bytes = base64 ? Base64.getDecoder().decode(payload.replace("\r", "").replace("\n", "")) : percentDecode(payload);
        } catch (IllegalArgumentException e) {
            return new Decoded(null, "undecodable data URL: " + e.getMessage());
        }
        if ("gzip".equals(compression)) {
            Optional<byte[]> plain = gunzip(bytes);
            if (plain.isEmpty()) {
                return new Decoded(null, "gzip data that does not decompress (or is over " + MAX_BYTES + " bytes)");
            }
            return new Decoded(plain.get(), null);
        }
        return new Decoded(bytes, null);
    }

    private static byte[] percentDecode(String s) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%') {
                if (i + 2 >= s.length()) {
                    throw new IllegalArgumentException("truncated %-escape");
                }
                out.write(Integer.parseInt(s.substring(i + 1, i + 3), 16));
                i += 2;
            } else {
                // a data URL's unescaped characters are ASCII; anything else is written as UTF-8
                byte[] b = String.valueOf(c).getBytes(java.nio.charset.StandardCharsets.UTF_8);
                out.write(b, 0, b.length);
            }
        }
        return out.toByteArray();
    }

    private static Optional<byte[]> gunzip(byte[] bytes) {
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(bytes))) {
            byte[] plain = in.readNBytes(MAX_BYTES + 1);
            return plain.length > MAX_BYTES ? Optional.empty() : Optional.of(plain);
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
