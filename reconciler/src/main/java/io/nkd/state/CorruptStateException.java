package io.nkd.state;

import java.nio.file.Path;

/**
 * A state file exists but cannot be read as what it should be (not JSON, truncated, empty, wrong shape).
 * The message names the file, says what is wrong and what the operator can do; it never quotes the file.
 */
public final class CorruptStateException extends StateException {
    private final Path file;
    private final String problem;

    CorruptStateException(Path file, String problem, Recovery recovery) {
        this(file, problem, recovery.advice());
    }

    private CorruptStateException(Path file, String problem, String advice) {
        // No cause: Jackson's messages quote the offending input, which may be a secret.
        super("state file " + file + " is corrupt: " + problem + ". " + advice, null);
        this.file = file;
        this.problem = problem;
    }

    /**
     * For a state file read outside the store (the sandbox's simulation keeps its own files): the reconcile loop reports
     * it as {@code StateCorrupt} like any other. {@code problem} must not quote the file; {@code advice} is one or two
     * sentences ending with a full stop, saying what the operator can do.
     */
    public static CorruptStateException of(Path file, String problem, String advice) {
        return new CorruptStateException(file, problem, advice);
    }

    /** The corrupt file. */
    public Path file() {
        return file;
    }

    /** What is wrong, e.g. "not valid JSON at line 3 column 7"; never the file's content. */
    public String problem() {
        return problem;
    }
}
