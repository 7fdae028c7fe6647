package io.nkd.cli;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;

/**
 * The words for a failure in an error message. Jackson's own messages append the input's source and
 * feature names ({@code Source: REDACTED (StreamReadFeature...)}) and some JDK exceptions have no message
 * at all ({@code ConnectException}), which printed as "(null)".
 */
final class Failures {
    private Failures() {
    }

    static String describe(Throwable e) {
        if (e instanceof JsonProcessingException j) {
            JsonLocation l = j.getLocation();
            return j.getOriginalMessage() + (l != null && l.getLineNr() > 0
                    ? " (at line " + l.getLineNr() + ", column " + l.getColumnNr() + ")" : "");
        }
        if (e instanceof java.nio.file.NoSuchFileException) {
            return "no such file";
        }
        if (e instanceof java.nio.file.AccessDeniedException) {
            return "permission denied";
        }
        String message = e.getMessage();
        // new IOException(cause) takes cause.toString() as its message: describe the cause instead
        if (e.getCause() != null && e.getCause() != e && e.getCause().toString().equals(message)) {
            return describe(e.getCause());
        }
        if (message != null && !message.isBlank()) {
            return message;
        }
        if (e instanceof java.net.ConnectException) {
            return "connection refused";
        }
        if (e instanceof java.net.http.HttpTimeoutException) {
            return "no answer in time";
        }
        if (e.getCause() != null && e.getCause() != e) {
            return describe(e.getCause());
        }
        return e.getClass().getSimpleName();
    }
}
