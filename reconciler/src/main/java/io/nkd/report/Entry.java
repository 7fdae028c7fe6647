package io.nkd.report;

/**
 * One problem found in user input: what (message), where (path and, when known, the file location),
 * and how bad. {@code code} is a stable identifier (for tools and tests), the message is for people.
 */
public record Entry(Severity severity, String code, Path path, Location location, String message) {

    public Entry {
        java.util.Objects.requireNonNull(severity);
        java.util.Objects.requireNonNull(code);
        java.util.Objects.requireNonNull(message);
    }

    public boolean isError() {
        return severity == Severity.ERROR;
    }

    public Entry withPath(Path newPath) {
        return new Entry(severity, code, newPath, location, message);
    }

    public Entry withLocation(Location newLocation) {
        return new Entry(severity, code, path, newLocation, message);
    }

    public Entry withSeverity(Severity newSeverity) {
        return new Entry(severity == newSeverity ? severity : newSeverity, code, path, location, message);
    }

    /** Butane's format: {@code error at $.storage.files.0.path, line 12 col 9: path not absolute}. */
    @Override
    public String toString() {
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
