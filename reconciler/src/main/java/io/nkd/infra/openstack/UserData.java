package io.nkd.infra.openstack;

import io.nkd.infra.ProviderException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/** A node's pointer config as Nova's {@code user_data}: base64, at most 65535 characters (Nova's limit). */
final class UserData {
    /** Nova refuses longer user_data (its API schema: base64 text of at most 65535 characters). */
    static final int NOVA_LIMIT = 65535;

    private UserData() {
    }

    /**
     * The base64 form of a pointer config; refused before any server is made when Nova would refuse it. The message
     * gives sizes only: the pointer config holds the node's token.
     */
    static String encode(String pointer, String node) {
        byte[] raw = pointer.getBytes(StandardCharsets.UTF_8);
        String b64 = Base64.getEncoder().encodeToString(raw);
        if (b64.length() > NOVA_LIMIT) {
            throw new ProviderException(ProviderException.Kind.OTHER, "the pointer config of node " + node + " is " + raw.length
                    + " bytes, " + b64.length() + " in base64: over Nova's user_data limit of " + NOVA_LIMIT + " base64 characters"
                    + " (about 48 KiB of config). A pointer config only names and pins the pool's config; keep large files in"
                    + " the pool's Butane, which nkd serves from its Ignition server, not in user data.", null);
        }
        return b64;
    }
}
