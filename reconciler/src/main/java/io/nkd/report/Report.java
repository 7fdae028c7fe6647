package io.nkd.report;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * The problems found in one piece of user input. A report is a value, not an exception: callers
 * decide whether it is fatal ({@link #isFatal(boolean)}), print it, or map its paths elsewhere.
 */
public final class Report {
    private final List<Entry> entries = new ArrayList<>();

    public Report add(Entry entry) {
        entries.add(entry);
        return this;
    }

    public Report error(String code, FieldPath path, String message) {
        return add(new Entry(Severity.ERROR, code, path, null, message));
    }

    public Report warning(String code, FieldPath path, String message) {
        return add(new Entry(Severity.WARNING, code, path, null, message));
    }

    public Report info(String code, FieldPath path, String message) {
        return add(new Entry(Severity.INFO, code, path, null, message));
    }

    public Report addAll(Report other) {
        entries.addAll(other.entries);
        return this;
    }

    public List<Entry> entries() {
        return Collections.unmodifiableList(entries);
    }

    public boolean isEmpty() {
        return entries.isEmpty();
    }

    public boolean hasErrors() {
        return entries.stream().anyMatch(Entry::isError);
    }

    /** Errors are always fatal; with {@code strict}, warnings are too. */
    public boolean isFatal(boolean strict) {
        return entries.stream().anyMatch(e -> e.isError() || (strict && e.severity() == Severity.WARNING));
    }

    /** A new report with every entry passed through {@code mapper}. */
    public Report map(UnaryOperator<Entry> mapper) {
        Report r = new Report();
        entries.forEach(e -> r.add(mapper.apply(e)));
        return r;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        for (Entry e : entries) {
            sb.append(e).append('\n');
        }
        return sb.toString();
    }
}
