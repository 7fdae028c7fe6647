package io.nkd.housekeeper.agent.host;

/**
 * How rpm-ostree fetches the target OS image (the agent's {@code --image-transport}).
 */
public enum ImageTransport {
    /**
     * {@code ostree-unverified-image:docker://IMAGE}: pulled over TLS from the registry, neither the image nor its
     * ostree commit signature-checked. What the upstream Housekeeper uses; the default.
     */
    UNVERIFIED,
    /**
     * {@code ostree-remote-image:REMOTE:docker://IMAGE}: the ostree commit inside the image is verified with the
     * signing keys configured for the host's ostree remote REMOTE ({@code --ostree-remote}).
     */
    SIGNED
}
