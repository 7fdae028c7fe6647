package io.nkd.infra.baremetal;

import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A 48-bit MAC address in one spelling, {@code 52:54:00:12:34:56}, whatever the request or cluster.yaml used
 * ({@code 52-54-00-12-34-56} as iPXE's {@code ${mac:hexhyp}} gives it, upper case, or bare hex), so a lookup
 * never misses a machine over separators or case.
 */
public record MacAddress(String value) {
    private static final Pattern FORMS = Pattern.compile(
            "[0-9a-f]{2}([:-])[0-9a-f]{2}(\\1[0-9a-f]{2}){4}|[0-9a-f]{12}");

    public MacAddress {
        if (value == null || !value.matches("([0-9a-f]{2}:){5}[0-9a-f]{2}")) {
            throw new IllegalArgumentException("not a normalised MAC address: " + value);
        }
    }

    /** The address in any of the accepted spellings; empty for anything else (the text is never echoed). */
    public static Optional<MacAddress> parse(String text) {
        if (text == null || text.length() > 17) {
            return Optional.empty();
        }
        String t = text.toLowerCase(Locale.ROOT);
        if (!FORMS.matcher(t).matches()) {
            return Optional.empty();
        }
        String hex = t.replace(":", "").replace("-", "");
        StringBuilder b = new StringBuilder(17);
        for (int i = 0; i < 12; i += 2) {
            if (i > 0) {
                b.append(':');
            }
            b.append(hex, i, i + 2);
        }
        return Optional.of(new MacAddress(b.toString()));
    }

    /** {@code 52-54-00-12-34-56}: the spelling used in URLs (no ':' to escape). */
    public String hyphenated() {
        return value.replace(':', '-');
    }

    @Override
    public String toString() {
        return value;
    }
}
