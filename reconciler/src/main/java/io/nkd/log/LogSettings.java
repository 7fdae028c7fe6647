package io.nkd.log;

import java.io.PrintStream;
import java.util.Map;

/**
 * The process-wide logging configuration. Loggers read it on every call, so it can be set after they
 * were created (static {@code LOG} fields initialise before the CLI has parsed its options).
 *
 * <p>Defaults come from the environment ({@code NKD_LOG_LEVEL}, {@code NKD_LOG_FORMAT}) or the system
 * properties {@code nkd.log.level} / {@code nkd.log.format} (for embedding and tests); the CLI's
 * {@code --log-level} / {@code --log-format} override both.
 */
public final class LogSettings {
    private static volatile LogLevel level = LogLevel.INFO;
    private static volatile LogFormat format = LogFormat.TEXT;
    private static volatile PrintStream sink;

    static {
        reset();
    }

    private LogSettings() {
    }

    /** Applies NKD_LOG_LEVEL / NKD_LOG_FORMAT (and the nkd.log.* properties, which win); unknown values are ignored. */
    static void fromEnvironment(Map<String, String> env) {
        LogLevel.parse(System.getProperty("nkd.log.level", env.get("NKD_LOG_LEVEL"))).ifPresent(l -> level = l);
        LogFormat.parse(System.getProperty("nkd.log.format", env.get("NKD_LOG_FORMAT"))).ifPresent(f -> format = f);
    }

    /** Back to the defaults: INFO and TEXT, unless the environment or the nkd.log.* properties say otherwise. */
    public static void reset() {
        level = LogLevel.INFO;
        format = LogFormat.TEXT;
        fromEnvironment(System.getenv());
    }

    public static void configure(LogLevel newLevel, LogFormat newFormat) {
        if (newLevel != null) {
            level = newLevel;
        }
        if (newFormat != null) {
            format = newFormat;
        }
    }

    public static LogLevel level() {
        return level;
    }

    public static LogFormat format() {
        return format;
    }

    /** Where events go: standard error as it is now (tests replace System.err), unless redirected. */
    static PrintStream out() {
        PrintStream s = sink;
        return s != null ? s : System.err;
    }

    /** Sends events to {@code stream} instead of standard error; {@code null} restores standard error. */
    public static void redirect(PrintStream stream) {
        sink = stream;
    }

    /** The threshold for a logger: nkd's own at the level, libraries one step quieter. */
    static LogLevel thresholdFor(String loggerName) {
        return loggerName.startsWith("io.nkd.") ? level : level.forLibraries();
    }
}
