package io.nkd.importer;

import io.nkd.report.Location;
import io.nkd.yaml.Scalars;
import io.nkd.yaml.YamlSource;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * One mapping of an NKD cluster config, read the way users wrote it over NKD's versions: NKD decoded with
 * gopkg.in/yaml.v2, whose key is the lowercased Go field name unless a tag says otherwise, and the tags changed
 * from {@code cluster_id}/{@code kubernetes_version} to {@code clusterID}/{@code kubernetesVersion} (the docs
 * also show {@code kubernetes-version}). So keys match case-insensitively, ignoring '_' and '-'.
 * <p>
 * Every key read is remembered, so keys nobody read can be reported as not carried over. Secret values are
 * only ever tested for presence ({@link #present}, {@link #passwordKind}), never returned.
 */
final class NkdMap {
    enum PasswordKind { NONE, HASH, PLAIN }

    private final MappingNode node;
    private final String path;
    private final Ctx ctx;
    private final Map<String, NodeTuple> entries = new LinkedHashMap<>();
    private final Set<String> read = new HashSet<>();

    NkdMap(MappingNode node, String path, Ctx ctx) {
        this.node = node;
        this.path = path;
        this.ctx = ctx;
        if (node != null) {
            for (NodeTuple t : node.getValue()) {
                if (!(t.getKeyNode() instanceof ScalarNode k)) {
                    ctx.error(YamlSource.location(t.getKeyNode()), "keys of " + describe() + " must be plain names");
                    continue;
                }
                NodeTuple previous = entries.putIfAbsent(norm(k.getValue()), t);
                // exact duplicates are already fatal in YamlSource; two spellings of one key are ambiguous too
                if (previous != null && !written(previous).equals(k.getValue())) {
                    ctx.error(YamlSource.location(k), "\"" + k.getValue() + "\" and \"" + written(previous) + "\" in "
                            + describe() + " are two spellings of the same NKD key; keep one");
                }
            }
        }
        ctx.register(this);
    }

    /** An absent section: reads as empty, so callers need no null checks. */
    static NkdMap empty(String path, Ctx ctx) {
        return new NkdMap(null, path, ctx);
    }

    static String norm(String key) {
        return key.toLowerCase(Locale.ROOT).replace("_", "").replace("-", "");
    }

    private static String written(NodeTuple t) {
        return ((ScalarNode) t.getKeyNode()).getValue();
    }

    private String describe() {
        return path.isEmpty() ? "the top level" : path;
    }

    /** The written path of this mapping ("" for the top level). */
    String path() {
        return path;
    }

    Location location() {
        return node == null ? null : YamlSource.location(node);
    }

    /** The first of the spellings present, marked as read. */
    private Optional<NodeTuple> find(String... names) {
        for (String name : names) {
            NodeTuple t = entries.get(norm(name));
            if (t != null) {
                read.add(norm(name));
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }

    /** The key's path as written in the file (its canonical spelling when absent), for messages and items. */
    String key(String... names) {
        String k = find(names).map(NkdMap::written).orElse(names[0]);
        return path.isEmpty() ? k : path + "." + k;
    }

    Location at(String... names) {
        return find(names).map(t -> YamlSource.location(t.getValueNode())).orElse(location());
    }

    private Node value(String... names) {
        Node v = find(names).map(NodeTuple::getValueNode).orElse(null);
        return v instanceof ScalarNode s && Scalars.isNull(s) ? null : v;
    }

    /** A single value; null when absent, null or empty ("" meant "unset" to NKD). */
    String text(String... names) {
        Node v = value(names);
        if (v == null) {
            return null;
        }
        if (!(v instanceof ScalarNode s)) {
            ctx.error(YamlSource.location(v), key(names) + " must be a single value, not a " + kind(v));
            return null;
        }
        String t = s.getValue().strip();
        return t.isEmpty() ? null : t;
    }

    Long number(String... names) {
        String t = text(names);
        if (t == null) {
            return null;
        }
        try {
            return Long.parseLong(t.replace("_", ""));
        } catch (NumberFormatException e) {
            ctx.error(at(names), key(names) + " must be a whole number, not \"" + t + "\"");
            return null;
        }
    }

    Boolean flag(String... names) {
        Node v = value(names);
        if (v == null) {
            return null;
        }
        Optional<Boolean> b = v instanceof ScalarNode s ? Scalars.asBool(s).or(() -> quotedBool(s)) : Optional.empty();
        if (b.isEmpty()) {
            ctx.error(YamlSource.location(v), key(names) + " must be true or false");
            return null;
        }
        return b.get();
    }

    private static Optional<Boolean> quotedBool(ScalarNode s) {
        String t = s.getValue().strip().toLowerCase(Locale.ROOT);
        return t.equals("true") ? Optional.of(true) : t.equals("false") ? Optional.of(false) : Optional.empty();
    }

    /** A nested mapping; an empty one when absent. */
    NkdMap map(String... names) {
        Node v = value(names);
        String p = key(names);
        if (v == null) {
            return empty(p, ctx);
        }
        if (!(v instanceof MappingNode m)) {
            ctx.error(YamlSource.location(v), p + " must be a mapping (key: value lines), not a " + kind(v));
            return empty(p, ctx);
        }
        return new NkdMap(m, p, ctx);
    }

    /** A list of mappings (master, worker); empty when absent. */
    List<NkdMap> maps(String... names) {
        Node v = value(names);
        List<NkdMap> out = new ArrayList<>();
        if (v == null) {
            return out;
        }
        String p = key(names);
        if (!(v instanceof SequenceNode seq)) {
            ctx.error(YamlSource.location(v), p + " must be a list (lines starting with '- '), not a " + kind(v));
            return out;
        }
        for (int i = 0; i < seq.getValue().size(); i++) {
            Node item = seq.getValue().get(i);
            if (item instanceof MappingNode m) {
                out.add(new NkdMap(m, p + "[" + i + "]", ctx));
            } else {
                ctx.error(YamlSource.location(item), p + "[" + i + "] must be a mapping (hostname: …, ip: …), not a " + kind(item));
            }
        }
        return out;
    }

    /** Whether a key has a non-empty value (a scalar, or a non-empty list or mapping). Marks it read. */
    boolean present(String... names) {
        Node v = value(names);
        if (v instanceof ScalarNode s) {
            return !s.getValue().isBlank();
        }
        if (v instanceof SequenceNode q) {
            return !q.getValue().isEmpty();
        }
        return v instanceof MappingNode m && !m.getValue().isEmpty();
    }

    /** What kind of password a key holds, without ever handing out the value. */
    PasswordKind passwordKind(String... names) {
        Node v = value(names);
        if (!(v instanceof ScalarNode s) || s.getValue().isBlank()) {
            return v == null || v instanceof ScalarNode ? PasswordKind.NONE : PasswordKind.PLAIN;
        }
        // crypt(3): $1$ (MD5, NKD's docs), $5$/$6$ (SHA-2), $y$ (yescrypt), $2a$/$2b$/$2y$ (bcrypt)
        return s.getValue().strip().matches("\\$(1|5|6|y|2[aby]?)\\$[^\\s]+") ? PasswordKind.HASH : PasswordKind.PLAIN;
    }

    /** Written paths of keys with a value that nothing read. */
    List<String> unread() {
        List<String> out = new ArrayList<>();
        entries.forEach((n, t) -> {
            if (!read.contains(n)) {
                Node v = t.getValueNode();
                boolean empty = v instanceof ScalarNode s && (Scalars.isNull(s) || s.getValue().isBlank());
                if (!empty) {
                    out.add(path.isEmpty() ? written(t) : path + "." + written(t));
                }
            }
        });
        return out;
    }

    private static String kind(Node v) {
        return v instanceof MappingNode ? "mapping" : v instanceof SequenceNode ? "list" : "single value";
    }
}
