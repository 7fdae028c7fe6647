package io.nkd.yaml;

import io.nkd.report.Location;

/** Finds where a document crosses the parser's nesting or alias limits, which SnakeYAML reports without a position. */
final class LimitLocator {
    private LimitLocator() {
    }

    /**
     * The first place nesting exceeds {@code limit}: flow brackets counted outside quotes, block nesting
     * estimated from indentation (one level per indentation step of the deepest line).
     */
    static Location deepestNesting(String text, int limit) {
        int depth = 0;
        char quote = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                }
            } else if (c == '"' || c == '\'') {
                quote = c;
            } else if (c == '[' || c == '{') {
                if (++depth > limit) {
                    return YamlSource.offsetLocation(text, i);
                }
            } else if (c == ']' || c == '}') {
                depth--;
            }
        }
        int deepestOffset = 0;
        int deepestIndent = -1;
        int lineStart = 0;
        for (int i = 0; i <= text.length(); i++) {
            if (i == text.length() || text.charAt(i) == '\n') {
                int indent = 0;
                while (lineStart + indent < i && text.charAt(lineStart + indent) == ' ') {
                    indent++;
                }
                if (indent > deepestIndent && lineStart + indent < i) {
                    deepestIndent = indent;
                    deepestOffset = lineStart + indent;
                }
                lineStart = i + 1;
            }
        }
        return YamlSource.offsetLocation(text, deepestOffset);
    }

    /** The n-th alias ({@code *name}) of the document, or null. */
    static Location nthAlias(String text, int n) {
        int seen = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            char prev = i == 0 ? ' ' : text.charAt(i - 1);
            boolean starts = c == '*' && (prev == ' ' || prev == '[' || prev == ',' || prev == '\n' || prev == '-' || prev == '{');
            if (starts && i + 1 < text.length() && Character.isLetterOrDigit(text.charAt(i + 1)) && ++seen == n) {
                return YamlSource.offsetLocation(text, i);
            }
        }
        return null;
    }
}
