package io.nkd.yaml;

import java.math.BigInteger;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.yaml.snakeyaml.DumperOptions.ScalarStyle;
import org.yaml.snakeyaml.nodes.ScalarNode;

/**
 * Interprets scalars the way go-yaml v3 decodes them into typed Go fields (and so the way butane reads
 * YAML): the target type decides, {@code 0644} and {@code 0o644} are octal, {@code 644} is decimal,
 * a plain scalar may be read as a string whatever it looks like.
 */
public final class Scalars {
    private static final Set<String> NULLS = Set.of("", "~", "null", "Null", "NULL");
    private static final Set<String> TRUE = Set.of("true", "True", "TRUE", "y", "Y", "yes", "Yes", "YES", "on", "On", "ON");
    private static final Set<String> FALSE = Set.of("false", "False", "FALSE", "n", "N", "no", "No", "NO", "off", "Off", "OFF");

    private Scalars() {
    }

    public static boolean isPlain(ScalarNode node) {
        return node.getScalarStyle() == ScalarStyle.PLAIN;
    }

    /** A plain null ({@code ~}, {@code null}, nothing): the field is absent. */
    public static boolean isNull(ScalarNode node) {
        return isPlain(node) && NULLS.contains(node.getValue());
    }

    public static Optional<Boolean> asBool(ScalarNode node) {
        if (!isPlain(node)) {
            return Optional.empty();
        }
        String v = node.getValue();
        if (TRUE.contains(v)) {
            return Optional.of(true);
        }
        if (FALSE.contains(v)) {
            return Optional.of(false);
        }
        return Optional.empty();
    }

    /** Go's strconv.ParseInt(s, 0, 64) after removing underscores, as go-yaml resolves plain integers. */
    public static Optional<Long> asInt(ScalarNode node) {
        if (!isPlain(node)) {
            return Optional.empty();
        }
        return parseGoInt(node.getValue());
    }

    static Optional<Long> parseGoInt(String text) {
        String s = text.replace("_", "");
        if (s.isEmpty()) {
            return Optional.empty();
        }
        boolean negative = false;
        if (s.charAt(0) == '+' || s.charAt(0) == '-') {
            negative = s.charAt(0) == '-';
            s = s.substring(1);
        }
        int radix = 10;
        String lower = s.toLowerCase(Locale.ROOT);
        if (lower.startsWith("0x")) {
            radix = 16;
            s = s.substring(2);
        } else if (lower.startsWith("0o")) {
            radix = 8;
            s = s.substring(2);
        } else if (lower.startsWith("0b")) {
            radix = 2;
            s = s.substring(2);
        } else if (s.length() > 1 && s.charAt(0) == '0') {
            radix = 8;
            s = s.substring(1);
        }
        if (s.isEmpty() || !s.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
            return Optional.ofNullable(floatAsWholeInt(text));
        }
        try {
            BigInteger value = new BigInteger(s, radix);
            if (negative) {
                value = value.negate();
            }
            return value.bitLength() < 64 ? Optional.of(value.longValue()) : Optional.empty();
        } catch (NumberFormatException e) {
            return Optional.ofNullable(floatAsWholeInt(text));
        }
    }

    /** go-yaml accepts a float that is a whole number (1e3) for an integer field. */
    private static Long floatAsWholeInt(String text) {
        if (!text.matches("[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?")) {
            return null;
        }
        double d = Double.parseDouble(text);
        if (d == Math.rint(d) && Math.abs(d) < 9.2e18) {
            return (long) d;
        }
        return null;
    }

    /** The text of a scalar read into a string field; go-yaml keeps the literal text of any plain scalar. */
    public static String asString(ScalarNode node) {
        return node.getValue();
    }

    /** True when the scalar, as written, is a decimal integer (no 0, 0o, 0x or 0b prefix). */
    public static boolean isDecimalLiteral(ScalarNode node) {
        String v = node.getValue().replace("_", "");
        if (v.startsWith("+") || v.startsWith("-")) {
            v = v.substring(1);
        }
        return !(v.length() > 1 && v.charAt(0) == '0');
    }
}
