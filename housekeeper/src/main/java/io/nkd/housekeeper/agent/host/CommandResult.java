package io.nkd.housekeeper.agent.host;

import io.nkd.housekeeper.api.CommandRecord;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Objects;

/**
 * What one host command did.
 *
 * @param argv     the command line as the agent asked for it (without the nsenter prefix)
 * @param exitCode the exit status; null when it timed out or could not be started
 * @param stdout   its standard output (bounded, see {@link OutputTail#MAX_CAPTURE})
 * @param stderr   its standard error (bounded likewise)
 * @param duration how long it ran
 */
public record CommandResult(List<String> argv, Integer exitCode, String stdout, String stderr, Duration duration) {

    public CommandResult {
        argv = List.copyOf(argv);
        stdout = Objects.requireNonNullElse(stdout, "");
        stderr = Objects.requireNonNullElse(stderr, "");
        Objects.requireNonNull(duration, "duration");
    }

    public static CommandResult exited(List<String> argv, int exitCode, String stdout, String stderr) {
        return new CommandResult(argv, exitCode, stdout, stderr, Duration.ZERO);
    }

    public boolean succeeded() {
        return exitCode != null && exitCode == 0;
    }

    /** The command line as one readable string, for logs and messages (the argv is never run through a shell). */
    public String commandLine() {
        return String.join(" ", argv);
    }

    /** The last lines of stderr and stdout together, bounded: what logs and the node report show. */
    public String outputTail() {
        String both = stderr.isBlank() ? stdout : stdout.isBlank() ? stderr : stdout.stripTrailing() + "\n" + stderr;
        return OutputTail.of(both);
    }

    /** "exit 1", "timed out", for messages. */
    public String status() {
        return exitCode == null ? "did not finish (timed out or could not start)" : "exit " + exitCode;
    }

    public CommandRecord record(Instant finishedAt) {
        return new CommandRecord(argv, exitCode, outputTail(), finishedAt.truncatedTo(ChronoUnit.SECONDS).toString());
    }
}
