package io.nkd.cli;

import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.ParseResult;

/**
 * Failures print one clear line, never a stack trace, unless {@code --debug} is given. {@link UserException}
 * is a problem with the user's input or environment; anything else is a bug and says so.
 */
final class UserErrorHandler implements IExecutionExceptionHandler {
    @Override
    public int handleExecutionException(Exception ex, CommandLine cli, ParseResult parsed) {
        return report(ex, cli.getErr(), parsed.hasMatchedOption("--debug") || isDebug(parsed));
    }

    /** Prints {@code ex} the way every command reports a failure and returns the exit code. */
    static int report(Exception ex, java.io.PrintWriter err, boolean debug) {
        if (ex instanceof UserException u) {
            err.println("Error: " + u.getMessage());
        } else {
            err.println("Error: internal error: " + ex.getClass().getSimpleName() + ": " + Failures.describe(ex) + (debug ? "" : " (run with --debug for details)"));
        }
        if (debug) {
            ex.printStackTrace(err);
        }
        err.flush();
        return ex instanceof UserException u ? u.exitCode() : 3;
    }

    private static boolean isDebug(ParseResult parsed) {
        for (ParseResult p = parsed; p != null; p = p.subcommand()) {
            if (p.hasMatchedOption("--debug")) {
                return true;
            }
        }
        return false;
    }
}
