package io.nkd.report;

import java.util.Objects;

/**
 * One problem found in user input: what (message), where (file, path and, when known, line and column),
 * and how bad. {@code code} is a stable identifier (for tools and tests); the message is for people and
 * says what to do.
 */
public record Entry(Severity severity, String code, FieldPath path, Location location, String message, String file) {

    public Entry {
        Objects.requireNonNull(severity);
        Objects.requireNonNull(code);
        Objects.requireNonNull(message);
    }

    /** An entry about a single document (butane input, one Ignition config): no file name. */
    public Entry(Severity severity, String code, FieldPath path, Location location, String message) {
        this(severity, code, path, location, message, null);
    }

    public boolean isError() {
        return severity == Severity.ERROR;
    }

    public Entry withPath(FieldPath newPath) {
        return new Entry(severity, code, newPath, location, message, file);
    }

    public Entry withLocation(Location newLocation) {
        return new Entry(severity, code, path, newLocation, message, file);
    }

    public Entry withSeverity(Severity newSeverity) {
        return new Entry(newSeverity, code, path, location, message, file);
    }

    public Entry withFile(String newFile) {
        return new Entry(severity, code, path, location, message, newFile);
    }

    /**
     * With a file, the compiler style editors jump to: {@code clusters/a/cluster.yaml:12:5: error: … (at $.spec.x)}.
     * Without one, butane's style: {@code error at $.storage.files.0.path, line 12 col 9: path not absolute}.
     */
    @Override
    public String toString() {
        if (file != null) {
            StringBuilder sb = new StringBuilder(file);
            if (location != null) {
                sb.append(':').append(location.line()).append(':').append(location.column());
            }
            sb.append(": ").append(severity.label()).append(": ").append(message);
            if (path != null && !path.isRoot()) {
                sb.append(" (at ").append(path).append(')');
            }
            return sb.toString();
        }
        StringBuilder sb = new StringBuilder(severity.label());
        if (path != null) {
            sb.append(" at ").append(path);
            if (location != null) {
                sb.append(", ").append(location);
            }
        } else if (location != null) {
            sb.append(" at ").append(location);
        }
        return sb.append(": ").append(message).toString();
    }
}
