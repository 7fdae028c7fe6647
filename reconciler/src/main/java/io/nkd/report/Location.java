package io.nkd.report;

/** A 1-based line and column in a source file. */
public record Location(int line, int column) {
    public Location {
        if (line < 1 || column < 1) {
            throw new IllegalArgumentException("location must be 1-based: " + line + ":" + column);
        }
    }

    @Override
    public String toString() {
        return "line " + line + " col " + column;
    }
}
