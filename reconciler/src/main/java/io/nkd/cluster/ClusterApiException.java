package io.nkd.cluster;

/**
 * A call to a cluster's API failed. The message names the object ({@code Secret kube-system/bootstrap-token-abcdef},
 * {@code Node worker-1}) and quotes the API server; it never contains a credential.
 */
public class ClusterApiException extends RuntimeException {
    private final String object;

    public ClusterApiException(String object, String message, Throwable cause) {
        super(object + ": " + message, cause);
        this.object = object;
    }

    public ClusterApiException(String object, String message) {
        this(object, message, null);
    }

    /** The object the call was about, e.g. {@code Node worker-1}. */
    public String object() {
        return object;
    }
}
