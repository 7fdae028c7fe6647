package io.nkd.pki;

/** A stored PKI file is missing or unreadable; {@link #path()} names it (relative to /etc/kubernetes/). */
public class PkiFileException extends IllegalArgumentException {
    private final String path;

    public PkiFileException(String path, String problem, Throwable cause) {
        super(path + ": " + problem, cause);
        this.path = path;
    }

    public String path() {
        return path;
    }
}
