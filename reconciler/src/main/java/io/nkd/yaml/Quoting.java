package io.nkd.yaml;

/**
 * A double-quoted string literal with quotes, backslashes and control characters escaped. The same text is a
 * valid YAML double-quoted scalar and what Go's {@code %q} prints for such strings, so both YAML writers and
 * messages that quote Go's way use it.
 */
public final class Quoting {
    private Quoting() {
    }

    public static String doubleQuoted(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x7f) {
                        sb.append(String.format("\\x%02x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }
}
