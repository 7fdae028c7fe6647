package io.nkd.cli;

import picocli.CommandLine.Option;

/** {@code -o/--output text|json}, the same on every read command. */
final class OutputOption {
    @Option(names = {"-o", "--output"}, defaultValue = "text", paramLabel = "FORMAT",
            description = "text (default) or json (one JSON document on standard output, for tools).")
    OutputFormat format;

    boolean json() {
        return format == OutputFormat.JSON;
    }
}
