package io.nkd.cli;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A plain-text table whose columns are as wide as their longest cell, so long cluster, node or pool names never
 * shift the columns after them. The last column is not padded (it holds free text such as messages).
 */
final class Table {
    private final String indent;
    private final List<String[]> rows = new ArrayList<>();
    private final int columns;

    /** A table with a header row. */
    Table(String... header) {
        this("", header);
    }

    private Table(String indent, String[] header) {
        this.indent = indent;
        this.columns = header.length;
        rows.add(header);
    }

    /** A table without a header row, each line starting with {@code indent}. */
    static Table indented(String indent, int columns) {
        Table t = new Table(indent, new String[columns]);
        t.rows.clear();
        return t;
    }

    Table row(Object... cells) {
        if (cells.length != columns) {
            throw new IllegalArgumentException("a row of " + cells.length + " cells in a table of " + columns + " columns");
        }
        rows.add(Arrays.stream(cells).map(c -> c == null ? "-" : c.toString()).toArray(String[]::new));
        return this;
    }

    @Override
    public String toString() {
        int[] widths = new int[columns];
        for (String[] r : rows) {
            for (int i = 0; i < columns; i++) {
                widths[i] = Math.max(widths[i], r[i].codePointCount(0, r[i].length()));
            }
        }
        StringBuilder out = new StringBuilder();
        for (String[] r : rows) {
            StringBuilder line = new StringBuilder(indent);
            for (int i = 0; i < columns; i++) {
                line.append(r[i]);
                if (i < columns - 1) {
                    line.append(" ".repeat(widths[i] - r[i].codePointCount(0, r[i].length()) + 2));
                }
            }
            out.append(line.toString().stripTrailing()).append('\n');
        }
        return out.toString();
    }
}
