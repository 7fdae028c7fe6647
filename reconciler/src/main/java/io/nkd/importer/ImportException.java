package io.nkd.importer;

import io.nkd.report.Entry;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The NKD file cannot be imported: every problem found, each located ({@code file:line:column: error: …}).
 * Messages name keys and say what to do; they never quote secret values.
 */
public final class ImportException extends RuntimeException {
    private final List<Entry> problems;

    public ImportException(List<Entry> problems) {
        super(problems.stream().map(Entry::toString).collect(Collectors.joining("\n")), null, false, false);
        this.problems = List.copyOf(problems);
    }

    public List<Entry> problems() {
        return problems;
    }
}
