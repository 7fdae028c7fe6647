package io.nkd.plan;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.function.Function;
import java.util.regex.MatchResult;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Defence in depth for plan output. A plan renders with placeholder secrets, so none should ever reach it;
 * this removes anything that still looks like one (a user snippet with a key in it, a future template bug):
 * PEM blocks (private keys are withheld, certificates shown only by fingerprint), kubeadm bootstrap tokens,
 * certificate keys, crypt(3) password hashes and passwords in URLs.
 */
final class Redactor {
    private static final Pattern PEM = Pattern.compile(
            "-----BEGIN ([A-Z0-9 ]{1,40})-----[A-Za-z0-9+/=\\s:,.\\-\\\\]*?-----END \\1-----");
    private static final Pattern PEM_HEADER = Pattern.compile("-----(BEGIN|END) [A-Z0-9 ]{1,40}-----");
    private static final Pattern BOOTSTRAP_TOKEN = Pattern.compile("(?<![A-Za-z0-9])[a-z0-9]{6}\\.[a-z0-9]{16}(?![A-Za-z0-9])");
    private static final Pattern CERTIFICATE_KEY = Pattern.compile(
            "(?i)(certificate[-_ ]?key[\"']?\\s*[:=]?\\s*[\"']?)[0-9a-f]{64}(?![0-9a-f])");
    private static final Pattern CRYPT_HASH = Pattern.compile(
            "\\$(?:1|2[abxy]|5|6|y|gy|7)\\$(?:rounds=\\d+\\$)?[./A-Za-z0-9]{1,86}\\$[./A-Za-z0-9$]{20,}");
    private static final Pattern URL_PASSWORD = Pattern.compile("(?i)\\b([a-z][a-z0-9+.-]*://)[^/\\s:@\"']+:[^/\\s@\"']+@");

    private Redactor() {
    }

    static String redact(String text) {
        String s = replace(PEM, text, m -> m.group(1).contains("PRIVATE KEY")
                ? "<redacted: " + m.group(1).toLowerCase(java.util.Locale.ROOT) + ">"
                : "<" + m.group(1).toLowerCase(java.util.Locale.ROOT) + ", sha256 " + sha256(m.group()) + ">");
        s = replace(PEM_HEADER, s, m -> "<redacted: PEM " + m.group(1).toLowerCase(java.util.Locale.ROOT) + " line>");
        s = replace(BOOTSTRAP_TOKEN, s, m -> "<redacted: bootstrap token>");
        s = replace(CERTIFICATE_KEY, s, m -> m.group(1) + "<redacted: certificate key>");
        s = replace(CRYPT_HASH, s, m -> "<redacted: password hash>");
        return replace(URL_PASSWORD, s, m -> m.group(1) + "<redacted>@");
    }

    static String sha256(String text) {
        return sha256(text.getBytes(StandardCharsets.UTF_8));
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String replace(Pattern p, String text, Function<MatchResult, String> with) {
        return p.matcher(text).replaceAll(m -> Matcher.quoteReplacement(with.apply(m)));
    }
}
