package io.nkd.config;

import io.nkd.yaml.Doc;
import io.nkd.yaml.Required;
import io.nkd.yaml.WireEnum;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The key reference of repo-layout/README.md, generated from the records the loader binds (a test keeps the
 * README's copy identical), so every documented key is one nkd reads and every key it reads is documented.
 */
public final class ConfigReference {
    private ConfigReference() {
    }

    /** A Markdown table: key path, type, required, description. */
    public static String table(Class<? extends Record> root) {
        StringBuilder sb = new StringBuilder("| key | type | required | meaning |\n|---|---|---|---|\n");
        rows(root, "", sb);
        return sb.toString();
    }

    private static void rows(Class<?> type, String prefix, StringBuilder sb) {
        for (RecordComponent c : type.getRecordComponents()) {
            String key = prefix + c.getName();
            Type t = c.getGenericType();
            Doc doc = c.getAnnotation(Doc.class);
            String meaning = doc == null ? "" : doc.value().replace("|", "\\|");
            if (doc != null && !doc.example().isEmpty()) {
                meaning += " Example: `" + doc.example() + "`.";
            }
            sb.append("| `").append(key).append("` | ").append(typeName(t)).append(" | ")
                    .append(c.isAnnotationPresent(Required.class) ? "yes" : "").append(" | ").append(meaning).append(" |\n");
            Class<?> nested = nestedRecord(t);
            if (nested != null) {
                rows(nested, key + (isList(t) ? "[]." : "."), sb);
            }
        }
    }

    private static boolean isList(Type t) {
        return t instanceof ParameterizedType p && List.class.isAssignableFrom((Class<?>) p.getRawType());
    }

    private static Class<?> nestedRecord(Type t) {
        if (t instanceof Class<?> c && c.isRecord()) {
            return c;
        }
        if (isList(t)) {
            Type e = ((ParameterizedType) t).getActualTypeArguments()[0];
            return e instanceof Class<?> c && c.isRecord() ? c : null;
        }
        return null;
    }

    private static String typeName(Type t) {
        if (t instanceof ParameterizedType p) {
            Class<?> raw = (Class<?>) p.getRawType();
            if (List.class.isAssignableFrom(raw)) {
                return "list of " + typeName(p.getActualTypeArguments()[0]);
            }
            if (Map.class.isAssignableFrom(raw)) {
                return "map of " + typeName(p.getActualTypeArguments()[1]);
            }
        }
        Class<?> c = (Class<?>) t;
        if (c.isRecord()) {
            return "object";
        }
        if (c.isEnum()) {
            StringBuilder sb = new StringBuilder();
            for (Object e : c.getEnumConstants()) {
                sb.append(sb.length() == 0 ? "" : " \\| ").append('`')
                        .append(e instanceof WireEnum w ? w.wire() : e.toString().toLowerCase(java.util.Locale.ROOT)).append('`');
            }
            return sb.toString();
        }
        if (c == Duration.class) {
            return "duration (`30s`, `10m`, `1h30m`)";
        }
        if (c == Integer.class || c == Long.class) {
            return "integer";
        }
        return c.getSimpleName().toLowerCase(java.util.Locale.ROOT);
    }
}
