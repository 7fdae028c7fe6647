package io.nkd.plan;

import io.nkd.yaml.YamlSource;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;

/**
 * Withholds the values of a Secret manifest's {@code data} and {@code stringData} from the add-on diffs of a plan. A plan
 * is posted on pull requests and kept by CI; a Secret committed to the repository should not be copied into every
 * review of it. Each value becomes {@code <redacted: Secret value>}: no hash either, since a hash of a short password can be
 * guessed offline; the plan's object list still says the Secret changed ({@code ~ Secret ns/name}). Keys, other kinds
 * and the rest of the file stay as written.
 */
final class SecretValues {
    private SecretValues() {
    }

    static String redact(String file) {
        if (!file.contains("Secret")) {
            return file;
        }
        YamlSource.ParsedStream parsed = YamlSource.parseAll(file);
        if (parsed.report().hasErrors()) {
            // a file nkd cannot read as YAML is refused by validation; its text is not shown in that case either
            return file;
        }
        List<Node> values = new ArrayList<>();
        for (Node doc : parsed.documents()) {
            if (doc instanceof MappingNode map && "Secret".equals(scalar(child(map, "kind")))) {
                for (String key : List.of("data", "stringData")) {
                    Node data = child(map, key);
                    if (data instanceof MappingNode entries) {
                        entries.getValue().forEach(t -> values.add(t.getValueNode()));
                    } else if (data != null) {
                        values.add(data);
                    }
                }
            }
        }
        values.sort(Comparator.comparingInt((Node n) -> n.getStartMark().getIndex()).reversed());
        StringBuilder out = new StringBuilder(file);
        for (Node v : values) {
            // SnakeYAML's marks count code points
            int start = file.offsetByCodePoints(0, v.getStartMark().getIndex());
            int end = file.offsetByCodePoints(0, v.getEndMark().getIndex());
            String text = file.substring(start, end);
            String keep = text.endsWith("\n") ? "\n" : "";
            out.replace(start, end, "<redacted: Secret value>" + keep);
        }
        return out.toString();
    }

    private static Node child(MappingNode map, String key) {
        for (NodeTuple t : map.getValue()) {
            if (t.getKeyNode() instanceof ScalarNode k && k.getValue().equals(key)) {
                return t.getValueNode();
            }
        }
        return null;
    }

    private static String scalar(Node n) {
        return n instanceof ScalarNode s ? s.getValue() : null;
    }
}
