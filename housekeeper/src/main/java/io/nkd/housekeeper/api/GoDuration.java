package io.nkd.housekeeper.api;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations in the Kubernetes/Go form the Update's fields use: {@code 90s}, {@code 10m}, {@code 1h30m}. */
public final class GoDuration {
    private static final Pattern WHOLE = Pattern.compile("(?:\\d+(?:h|m|s))+");
    private static final Pattern PART = Pattern.compile("(\\d+)(h|m|s)");

    private GoDuration() {
    }

    /** @throws IllegalArgumentException naming the value and the accepted form */
    public static Duration parse(String text) {
        String t = text == null ? "" : text.strip();
        if (!WHOLE.matcher(t).matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a duration: write whole hours, minutes and "
                    + "seconds such as 90s, 10m or 1h30m");
        }
        Duration d = Duration.ZERO;
        Matcher m = PART.matcher(t);
        while (m.find()) {
            long n = Long.parseLong(m.group(1));
            d = d.plus(switch (m.group(2)) {
                case "h" -> Duration.ofHours(n);
                case "m" -> Duration.ofMinutes(n);
                default -> Duration.ofSeconds(n);
            });
        }
        return d;
    }

    /** The shortest Go form of a whole number of seconds: {@code 1h30m}, {@code 45s}, {@code 0s}. */
    public static String format(Duration d) {
        long s = d.toSeconds();
        if (s == 0) {
            return "0s";
        }
        StringBuilder b = new StringBuilder();
        if (s >= 3600) {
            b.append(s / 3600).append('h');
            s %= 3600;
        }
        if (s >= 60) {
            b.append(s / 60).append('m');
            s %= 60;
        }
        if (s > 0) {
            b.append(s).append('s');
        }
        return b.toString();
    }
}
