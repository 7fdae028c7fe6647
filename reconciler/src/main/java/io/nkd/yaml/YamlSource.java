package io.nkd.yaml;

import io.nkd.report.Entry;
import io.nkd.report.FieldPath;
import io.nkd.report.Location;
import io.nkd.report.Report;
import io.nkd.report.Severity;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.composer.Composer;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.parser.ParserImpl;
import org.yaml.snakeyaml.reader.ReaderException;
import org.yaml.snakeyaml.reader.StreamReader;
import org.yaml.snakeyaml.resolver.Resolver;

/**
 * Reads one YAML document into a node tree that keeps every node's line and column. Limits keep hostile
 * input (deep nesting, alias bombs, huge documents) from hanging or exhausting the process; a syntax
 * problem becomes one located report entry instead of an exception.
 */
public final class YamlSource {
    /** Larger than any sane config; a bigger input is refused with a clear message. */
    public static final int MAX_CODE_POINTS = 64 * 1024 * 1024;
    public static final int MAX_DEPTH = 200;
    public static final int MAX_ALIASES = 100;
    /**
     * SnakeYAML scans a token without whitespace in time quadratic in its length (20 MB take over a minute),
     * so longer tokens are refused up front; large files belong in {@code local:} references.
     */
    public static final int MAX_TOKEN = 1 << 20;

    private YamlSource() {
    }

    /** The parsed document ({@code root} null for an empty document or a fatal report). */
    public record Parsed(Node root, Report report) {
        /** No syntax errors; the document may still be empty. */
        public boolean ok() {
            return !report.hasErrors();
        }
    }

    public static Parsed parse(String text) {
        Report report = new Report();
        List<Node> roots = compose(text, false, report);
        if (roots == null) {
            return new Parsed(null, report);
        }
        Node root = roots.isEmpty() ? null : roots.get(0);
        if (root != null) {
            checkDuplicateKeys(root, FieldPath.ROOT, report, new IdentityHashMap<>());
        }
        return new Parsed(root, report);
    }

    /**
     * The documents of a multi-document stream ({@code ---} separated, as Kubernetes manifests are), empty documents
     * left out, each with its own line numbers; a syntax problem anywhere makes the whole stream a located error
     * ({@code documents} then empty), as kubectl refuses the whole file.
     */
    public record ParsedStream(List<Node> documents, Report report) {
        public ParsedStream {
            documents = List.copyOf(documents);
        }
    }

    public static ParsedStream parseAll(String text) {
        Report report = new Report();
        List<Node> roots = compose(text, true, report);
        if (roots == null) {
            return new ParsedStream(List.of(), report);
        }
        for (Node root : roots) {
            checkDuplicateKeys(root, FieldPath.ROOT, report, new IdentityHashMap<>());
        }
        return new ParsedStream(report.hasErrors() ? List.of() : roots, report);
    }

    /** The non-empty documents (one at most unless {@code stream}), or null after a located error. */
    private static List<Node> compose(String text, boolean stream, Report report) {
        Location longToken = longTokenStart(text);
        if (longToken != null) {
            report.add(new Entry(Severity.ERROR, "YamlTokenTooLong", null, longToken, "invalid YAML: a single token of more "
                    + "than " + (MAX_TOKEN >> 20) + " MiB without spaces or line breaks starts here; embed large contents "
                    + "from a file (local: with --files-dir) instead"));
            return null;
        }
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(true); // detected below, with both locations
        options.setCodePointLimit(MAX_CODE_POINTS);
        options.setNestingDepthLimit(MAX_DEPTH);
        options.setMaxAliasesForCollections(MAX_ALIASES);
        options.setAllowRecursiveKeys(false);
        try {
            // The composer alone, as Yaml.compose uses it: new Yaml(...) also builds a Representer whose
            // TypeDescription initialises java.lang.System.Logger, a service look-up through every jar on the
            // class path that cost nkd butane a third of its start-up.
            Composer composer = new Composer(new ParserImpl(new StreamReader(new StringReader(text)), options), new Resolver(), options);
            List<Node> roots = new ArrayList<>();
            if (!stream) {
                Node root = composer.getSingleNode();
                if (root != null) {
                    roots.add(root);
                }
                return roots;
            }
            while (composer.checkNode()) {
                Node root = composer.getNode();
                if (root != null && !(root instanceof ScalarNode s && Scalars.isNull(s))) {
                    roots.add(root);
                }
            }
            return roots;
        } catch (MarkedYAMLException e) {
            Mark mark = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
            String problem = e.getProblem() != null ? e.getProblem() : e.getMessage();
            String context = e.getContext() != null ? e.getContext() + ": " : "";
            report.add(new Entry(Severity.ERROR, "YamlSyntax", null, location(mark),
                    "invalid YAML: " + context + oneLine(problem)));
        } catch (ReaderException e) {
            report.add(new Entry(Severity.ERROR, "YamlSyntax", null, offsetLocation(text, e.getPosition()),
                    "invalid YAML: input is not text (" + String.format("character 0x%X", e.getCodePoint())
                            + " is not allowed); is this a binary file?"));
        } catch (YAMLException e) {
            // SnakeYAML's limit errors carry no position: find where the input crosses the limit
            String message = oneLine(e.getMessage());
            Location where = message.contains("Nesting Depth") ? LimitLocator.deepestNesting(text, MAX_DEPTH)
                    : message.contains("aliases") ? LimitLocator.nthAlias(text, MAX_ALIASES + 1) : null;
            report.add(new Entry(Severity.ERROR, "YamlSyntax", null, where, "invalid YAML: " + message));
        } catch (StackOverflowError e) {
            report.add(new Entry(Severity.ERROR, "YamlSyntax", null, null,
                    "invalid YAML: document is nested too deeply"));
        }
        return null;
    }

    public static Location location(Node node) {
        return location(node.getStartMark());
    }

    public static Location location(Mark mark) {
        return mark == null ? null : new Location(mark.getLine() + 1, mark.getColumn() + 1);
    }

    /** Where the first run of more than MAX_TOKEN non-whitespace characters starts, or null. */
    private static Location longTokenStart(String text) {
        if (text.length() <= MAX_TOKEN) {
            return null;
        }
        int run = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            run = (c == ' ' || c == '\n' || c == '\r' || c == '\t') ? 0 : run + 1;
            if (run > MAX_TOKEN) {
                return offsetLocation(text, i - run + 1);
            }
        }
        return null;
    }

    static Location offsetLocation(String text, int offset) {
        int line = 1;
        int col = 1;
        for (int i = 0; i < offset && i < text.length(); i++) {
            if (text.charAt(i) == '\n') {
                line++;
                col = 1;
            } else {
                col++;
            }
        }
        return new Location(line, col);
    }

    private static String oneLine(String s) {
        return s == null ? "" : s.replaceAll("\\s*\\n\\s*", " ").trim();
    }

    /** Duplicate keys are fatal, as in go-yaml v3 (and so in butane). */
    private static void checkDuplicateKeys(Node node, FieldPath path, Report report, Map<Node, Boolean> seen) {
        if (seen.put(node, Boolean.TRUE) != null) {
            return; // an alias to a node already checked
        }
        if (node instanceof MappingNode map) {
            Set<String> keys = new HashSet<>();
            for (NodeTuple t : map.getValue()) {
                String key = t.getKeyNode() instanceof ScalarNode s ? s.getValue() : null;
                if (key != null && !keys.add(key)) {
                    report.add(new Entry(Severity.ERROR, "YamlDuplicateKey", path.key(key),
                            location(t.getKeyNode()), "mapping key \"" + key + "\" already defined; remove one of them"));
                }
                checkDuplicateKeys(t.getValueNode(), key == null ? path : path.key(key), report, seen);
            }
        } else if (node instanceof SequenceNode seq) {
            int i = 0;
            for (Node child : seq.getValue()) {
                checkDuplicateKeys(child, path.index(i++), report, seen);
            }
        }
    }
}
