package io.nkd.log;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.util.Map;
import org.slf4j.MDC;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;

/** A logger writing one line per event to standard error, as text or JSON (see {@link LogSettings}). */
final class NkdLogger extends LegacyAbstractLogger {
    private static final long serialVersionUID = 1L;
    private static final JsonFactory JSON = new JsonFactory();

    private final String shortName;

    NkdLogger(String name) {
        this.name = name;
        this.shortName = name.substring(name.lastIndexOf('.') + 1);
    }

    private boolean enabled(LogLevel event) {
        return LogSettings.thresholdFor(name).admits(event);
    }

    @Override
    public boolean isTraceEnabled() {
        return enabled(LogLevel.TRACE);
    }

    @Override
    public boolean isDebugEnabled() {
        return enabled(LogLevel.DEBUG);
    }

    @Override
    public boolean isInfoEnabled() {
        return enabled(LogLevel.INFO);
    }

    @Override
    public boolean isWarnEnabled() {
        return enabled(LogLevel.WARN);
    }

    @Override
    public boolean isErrorEnabled() {
        return enabled(LogLevel.ERROR);
    }

    @Override
    protected String getFullyQualifiedCallerName() {
        return null;
    }

    @Override
    protected void handleNormalizedLoggingCall(Level level, Marker marker, String pattern, Object[] arguments,
                                               Throwable throwable) {
        String message = MessageFormatter.basicArrayFormat(pattern, arguments);
        Map<String, String> mdc = MDC.getCopyOfContextMap();
        String line = LogSettings.format() == LogFormat.JSON
                ? json(Instant.now(), level, message, mdc, throwable)
                : text(Instant.now(), level, message, mdc, throwable);
        PrintStream out = LogSettings.out();
        // one print per event, so lines from concurrent threads do not interleave
        out.print(line);
        out.flush();
    }

    private String text(Instant time, Level level, String message, Map<String, String> mdc, Throwable throwable) {
        StringBuilder b = new StringBuilder(128).append(time).append(" [").append(level).append("] ")
                .append(shortName).append(" - ").append(message);
        if (mdc != null) {
            // fields the message already names (cluster=x) are not repeated
            mdc.forEach((k, v) -> {
                if (!message.contains(k + "=")) {
                    b.append(' ').append(k).append('=').append(v);
                }
            });
        }
        b.append(System.lineSeparator());
        if (throwable != null) {
            StringWriter trace = new StringWriter();
            throwable.printStackTrace(new PrintWriter(trace));
            b.append(trace);
        }
        return b.toString();
    }

    private String json(Instant time, Level level, String message, Map<String, String> mdc, Throwable throwable) {
        StringWriter w = new StringWriter(192);
        try (JsonGenerator g = JSON.createGenerator(w)) {
            g.writeStartObject();
            g.writeStringField("time", time.toString());
            g.writeStringField("level", level.name());
            g.writeStringField("logger", name);
            g.writeStringField("message", message);
            if (mdc != null) {
                for (Map.Entry<String, String> e : new java.util.TreeMap<>(mdc).entrySet()) {
                    g.writeStringField(e.getKey(), e.getValue());
                }
            }
            if (throwable != null) {
                g.writeStringField("error", throwable.toString());
                StringWriter trace = new StringWriter();
                throwable.printStackTrace(new PrintWriter(trace));
                g.writeStringField("stack", trace.toString());
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new IllegalStateException("writing to a StringWriter cannot fail", e);
        }
        return w.append(System.lineSeparator()).toString();
    }
}
