package io.nkd.infra;

/**
 * A provider refused or failed a request. {@link #providerMessage()} is the provider's own text (Nova's fault
 * message, Neutron's NeutronError, libvirt's virError message), shown as is in status so an operator recognises
 * it; the exception's message adds what nkd was doing. Never carries credentials or user data.
 */
public class ProviderException extends RuntimeException {
    /** What kind of failure: decides how the daemon reacts (all are retried with backoff; some say what to fix). */
    public enum Kind {
        /** A quota of the project or host is used up (Nova/Neutron 403/413 "Quota exceeded"). Raise it or scale down. */
        QUOTA_EXCEEDED,
        /** The scheduler found no host (Nova "No valid host was found"). */
        NO_VALID_HOST,
        /** Something in the way: a name taken by an object nkd did not create, an address in use (409). */
        CONFLICT,
        /** Credentials refused or expired (401/403 that is not a quota). */
        UNAUTHORIZED,
        /** Something named in cluster.yaml does not exist at the provider (image, flavor, network, storage pool). */
        NOT_FOUND,
        /** The provider failed (5xx, a machine that went to ERROR). */
        SERVER_ERROR,
        /** The provider could not be reached (connection refused, timeout, libvirtd down). */
        UNREACHABLE,
        /** Anything else. */
        OTHER
    }

    private final Kind kind;
    private final String providerMessage;

    public ProviderException(Kind kind, String message, String providerMessage, Throwable cause) {
        super(message, cause);
        this.kind = kind;
        this.providerMessage = providerMessage;
    }

    public ProviderException(Kind kind, String message, String providerMessage) {
        this(kind, message, providerMessage, null);
    }

    public Kind kind() {
        return kind;
    }

    /** The provider's own words, or null when it said nothing (a timeout). */
    public String providerMessage() {
        return providerMessage;
    }
}
