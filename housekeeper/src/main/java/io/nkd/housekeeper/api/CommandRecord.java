package io.nkd.housekeeper.api;

import java.util.List;

/**
 * One host command the agent ran, as reported on the node: the command line, its exit status (null when it timed out
 * or could not start) and the last lines of its output.
 */
public record CommandRecord(List<String> argv, Integer exitCode, String outputTail, String finishedAt) {
    public CommandRecord {
        argv = List.copyOf(argv);
    }
}
