package io.nkd.log;

import java.util.Locale;
import java.util.Optional;

/** How much nkd logs, most severe first; a logger prints events at its level and above. */
public enum LogLevel {
    ERROR, WARN, INFO, DEBUG, TRACE;

    /** {@code true} when an event of {@code event}'s severity passes this threshold. */
    boolean admits(LogLevel event) {
        return event.ordinal() <= ordinal();
    }

    /** The threshold for libraries (Quartz, JGit, MINA SSHD): one step quieter than nkd's own, never below WARN. */
    LogLevel forLibraries() {
        return switch (this) {
            case INFO -> WARN;
            case DEBUG -> INFO;
            case ERROR, WARN, TRACE -> this;
        };
    }

    public static Optional<LogLevel> parse(String text) {
        if (text == null || text.isBlank()) {
            return Optional.empty();
        }
        try {
            return Optional.of(valueOf(text.strip().toUpperCase(Locale.ROOT)));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
