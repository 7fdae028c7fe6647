package io.nkd.housekeeper.api;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * An OS container image reference as an Update's {@code osImageURL} and rpm-ostree's
 * {@code container-image-reference} write it: {@code [transport:]registry/repo[:tag][@sha256:hex]}. rpm-ostree
 * prefixes a transport ({@code ostree-unverified-registry:}, {@code ostree-unverified-image:docker://},
 * {@code ostree-remote-image:REMOTE:docker://}, {@code ostree-image-signed:docker://}); {@link #parse} drops it so that
 * the target and what a node booted compare as images.
 *
 * @param name   {@code registry/repo}
 * @param tag    the tag, or null
 * @param digest {@code sha256:…}, or null
 */
public record ImageReference(String name, String tag, String digest) {
    private static final Pattern DIGEST = Pattern.compile("sha256:[0-9a-f]{64}");
    // the grammar of github.com/distribution/reference: [host[:port]/]component(/component)*, tag [\w][\w.-]{0,127}
    private static final String HOST_PART = "[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?";
    private static final String COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
    private static final Pattern NAME = Pattern.compile("(?:(?:" + HOST_PART + "(?:\\." + HOST_PART + ")*"
            + "|\\[[0-9a-fA-F:]+\\])(?::[0-9]+)?/)?" + COMPONENT + "(?:/" + COMPONENT + ")*");
    private static final Pattern TAG = Pattern.compile("[\\w][\\w.-]{0,127}");

    public ImageReference {
        Objects.requireNonNull(name, "name");
        if (name.isBlank()) {
            throw new IllegalArgumentException("an image reference needs a repository name");
        }
        if (digest != null && !DIGEST.matcher(digest).matches()) {
            throw new IllegalArgumentException("'" + digest + "' is not an image digest: write sha256: and 64 hex digits");
        }
    }

    /** @throws IllegalArgumentException naming the text and the accepted form */
    public static ImageReference parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("an empty image reference: write registry/repo:tag or registry/repo@sha256:…");
        }
        String t = stripTransport(text.strip());
        String digest = null;
        int at = t.indexOf('@');
        if (at >= 0) {
            digest = t.substring(at + 1);
            t = t.substring(0, at);
        }
        String tag = null;
        int colon = t.lastIndexOf(':');
        if (colon > t.lastIndexOf('/')) { // a colon after the last slash is a tag, before it a registry port
            tag = t.substring(colon + 1);
            t = t.substring(0, colon);
        }
        try {
            return new ImageReference(t, tag, digest);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + text + "' is not an image reference: " + e.getMessage(), e);
        }
    }

    private static String stripTransport(String t) {
        String s = t;
        for (String prefix : new String[] {"ostree-unverified-registry:", "ostree-unverified-image:",
                "ostree-image-signed:"}) {
            if (s.startsWith(prefix)) {
                s = s.substring(prefix.length());
            }
        }
        if (s.startsWith("ostree-remote-image:") || s.startsWith("ostree-remote-registry:")) {
            // ostree-remote-image:REMOTE:docker://ref, ostree-remote-registry:REMOTE:ref
            boolean image = s.startsWith("ostree-remote-image:");
            s = s.substring(s.indexOf(':') + 1);
            s = s.substring(s.indexOf(':') + 1);
            if (!image) {
                return s;
            }
        }
        for (String transport : new String[] {"docker://", "registry:"}) {
            if (s.startsWith(transport)) {
                s = s.substring(transport.length());
            }
        }
        return s;
    }

    /**
     * A target image: {@link #parse} and, in addition, the repository and tag as a registry accepts them. An Update's
     * {@code osImageURL} goes onto rpm-ostree's command line (as one argument, after the transport): what is not an
     * image reference is refused before any node is drained rather than failing on the first node.
     *
     * @throws IllegalArgumentException naming the text and the accepted form
     */
    public static ImageReference parseTarget(String text) {
        ImageReference r = parse(text);
        if (!NAME.matcher(r.name).matches() || (r.tag != null && !TAG.matcher(r.tag).matches())
                || (r.tag == null && r.digest == null && text.strip().endsWith(":"))) {
            throw new IllegalArgumentException("'" + text + "' is not an image reference: write registry/repo:tag or "
                    + "registry/repo@sha256:… (lower-case repository, a tag of letters, digits, '_', '.' and '-')");
        }
        return r;
    }

    /**
     * Whether a deployment is this image: by digest when this reference pins one (the only exact answer), else by
     * repository and tag.
     */
    public boolean matches(OsDeployment deployment) {
        if (deployment == null) {
            return false;
        }
        if (digest != null) {
            return digest.equals(deployment.digest());
        }
        if (deployment.image() == null) {
            return false;
        }
        ImageReference other = parse(deployment.image());
        return name.equals(other.name) && Objects.equals(tag, other.tag);
    }

    @Override
    public String toString() {
        return name + (tag == null ? "" : ":" + tag) + (digest == null ? "" : "@" + digest);
    }
}
