package io.nkd.butane;

import io.nkd.dataurl.DataUrl;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

/**
 * Butane's choice of data-URL encoding for embedded contents: percent-encoding, base64, or gzip+base64,
 * whichever is shortest (gzip only when it saves more than 4 characters, so that tiny files stay readable).
 */
public final class DataUrls {
    /** The URL and the {@code compression} value to write; compression null means "do not write the key". */
    public record Encoded(String url, String compression) {
    }

    /**
     * Go's compress/gzip at BestCompression writes a few bytes more than zlib for the same input (it ends
     * with an empty final block). Counting them keeps the gzip-or-not decision where butane makes it:
     * for "z" repeated n times, butane starts compressing at n=48, not at zlib's n=44.
     */
    private static final int GO_GZIP_OVERHEAD = 2;

    private DataUrls() {
    }

    /**
     * @param userCompression the compression the user declared, or null; when set, butane encodes the bytes
     *                        as given and keeps the user's value
     * @param allowCompression false for fcos 1.0.0, which only ever percent-encodes
     */
    public static Encoded encode(byte[] data, String userCompression, boolean allowCompression) {
        String percent = "," + DataUrl.escape(data);
        if (!allowCompression) {
            return new Encoded("data:" + percent, null);
        }
        String base64 = ";base64," + Base64.getEncoder().encodeToString(data);
        String best = base64.length() < percent.length() ? base64 : percent;
        if (userCompression != null) {
            return new Encoded("data:" + best, userCompression);
        }
        byte[] gz = gzip(data);
        int goSizedLength = ";base64,".length() + base64Length(gz.length + GO_GZIP_OVERHEAD);
        if (goSizedLength + 4 < best.length()) {
            return new Encoded("data:;base64," + Base64.getEncoder().encodeToString(gz), "gzip");
        }
        return new Encoded("data:" + best, "");
    }

    public static Encoded encode(String text, String userCompression, boolean allowCompression) {
        return encode(text.getBytes(StandardCharsets.UTF_8), userCompression, allowCompression);
    }

    private static int base64Length(int bytes) {
        return (bytes + 2) / 3 * 4;
    }

    static byte[] gzip(byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(data.length / 2 + 32);
        try (GZIPOutputStream gz = new GZIPOutputStream(out) {
            {
                def.setLevel(Deflater.BEST_COMPRESSION);
            }
        }) {
            gz.write(data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
