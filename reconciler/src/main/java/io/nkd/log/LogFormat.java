package io.nkd.log;

import java.util.Locale;
import java.util.Optional;

/** How a log event is written to standard error. */
public enum LogFormat {
    /** One line for people: time, level, logger, message, then MDC fields as key=value. */
    TEXT,
    /** One JSON object per line for log collectors: time, level, logger, message, MDC fields, error. */
    JSON;

    public static Optional<LogFormat> parse(String text) {
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
