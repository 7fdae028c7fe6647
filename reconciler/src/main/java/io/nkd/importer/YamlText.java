package io.nkd.importer;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Writes the generated files as YAML text meant for people: block style, keys in the order given, small
 * mappings and lists inline, comments where they help, and quotes only where a plain scalar would be read
 * as something else (YAML 1.1 booleans, nulls, numbers; indicators).
 */
final class YamlText {
    /** Emit this mapping or list inline: {@code {cpus: 4, memoryMiB: 8192}}, {@code [10.0.0.1]}. */
    record Flow(Object value) {
    }

    /** A value preceded by a comment line (on map entries). */
    record Commented(String comment, Object value) {
    }

    /** A string that is always double-quoted (versions people expect to stay strings). */
    record Quoted(String value) {
    }

    private static final Set<String> SPECIAL = Set.of("true", "false", "yes", "no", "on", "off", "y", "n", "null", "~", "");
    private static final Pattern NUMBER = Pattern.compile(
            "[-+]?(0[xob][0-9a-f_]+|[0-9_]+(\\.[0-9_]*)?(e[-+]?[0-9]+)?|\\.[0-9_]+(e[-+]?[0-9]+)?"
                    + "|[0-9][0-9_]*(:[0-5]?[0-9])+(\\.[0-9_]*)?|\\.inf)|\\.nan");
    private static final Pattern DATE = Pattern.compile("[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}.*");
    /** Characters that may appear in a plain scalar here; ',' and brackets are excluded so flow style stays safe. */
    private static final Pattern PLAIN = Pattern.compile("[A-Za-z0-9._/$~(][A-Za-z0-9 ._/:@+=$~%()*-]*");

    private YamlText() {
    }

    static String document(List<String> headerComments, Map<String, ?> root) {
        StringBuilder sb = new StringBuilder();
        for (String c : headerComments) {
            sb.append("# ").append(c).append('\n');
        }
        map(sb, root, 0);
        return sb.toString();
    }

    private static void map(StringBuilder sb, Map<String, ?> map, int indent) {
        for (Map.Entry<String, ?> e : map.entrySet()) {
            Object v = e.getValue();
            if (v instanceof Commented c) {
                for (String line : c.comment().split("\n")) {
                    sb.append(" ".repeat(indent)).append("# ").append(line).append('\n');
                }
                v = c.value();
            }
            sb.append(" ".repeat(indent)).append(key(e.getKey())).append(':');
            if (v instanceof Map<?, ?> m && !m.isEmpty()) {
                sb.append('\n');
                map(sb, cast(m), indent + 2);
            } else if (v instanceof List<?> l && !l.isEmpty()) {
                sb.append('\n');
                list(sb, l, indent + 2);
            } else {
                sb.append(' ').append(inline(v)).append('\n');
            }
        }
    }

    private static void list(StringBuilder sb, List<?> list, int indent) {
        for (Object item : list) {
            if (item instanceof Map<?, ?> m && !m.isEmpty()) {
                // a mapping item: its first key goes on the "- " line, the rest align under it
                StringBuilder inner = new StringBuilder();
                map(inner, cast(m), indent + 2);
                sb.append(" ".repeat(indent)).append("- ").append(inner.substring(indent + 2));
            } else {
                sb.append(" ".repeat(indent)).append("- ").append(inline(item)).append('\n');
            }
        }
    }

    private static String inline(Object v) {
        if (v instanceof Flow f) {
            v = f.value();
        }
        if (v instanceof Map<?, ?> m) {
            StringBuilder sb = new StringBuilder("{");
            m.forEach((k, x) -> sb.append(sb.length() > 1 ? ", " : "").append(key((String) k)).append(": ").append(inline(x)));
            return sb.append('}').toString();
        }
        if (v instanceof List<?> l) {
            StringBuilder sb = new StringBuilder("[");
            l.forEach(x -> sb.append(sb.length() > 1 ? ", " : "").append(inline(x)));
            return sb.append(']').toString();
        }
        if (v instanceof Quoted q) {
            return quote(q.value());
        }
        if (v instanceof Number || v instanceof Boolean) {
            return v.toString();
        }
        return scalar((String) v);
    }

    private static String key(String k) {
        return scalar(k);
    }

    static String scalar(String s) {
        String lower = s.toLowerCase(Locale.ROOT);
        boolean plain = PLAIN.matcher(s).matches() && !s.endsWith(" ") && !s.endsWith(":") && !s.contains(": ")
                && !s.contains(" #") && !SPECIAL.contains(lower) && !NUMBER.matcher(lower).matches()
                && !DATE.matcher(s).matches();
        return plain ? s : quote(s);
    }

    static String quote(String s) {
        return io.nkd.yaml.Quoting.doubleQuoted(s);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, ?> cast(Map<?, ?> m) {
        return (Map<String, ?>) m;
    }
}
