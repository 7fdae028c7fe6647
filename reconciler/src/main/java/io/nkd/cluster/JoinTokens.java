package io.nkd.cluster;

import io.nkd.pki.BootstrapToken;
import java.time.Instant;
import java.util.Map;

/** kubeadm bootstrap tokens: Secrets {@code kube-system/bootstrap-token-<id>}. */
public interface JoinTokens {
    /**
     * Creates (or replaces) the token's Secret: usages authentication and signing, extra group
     * {@code system:bootstrappers:kubeadm:default-node-token}, valid until {@code expires}, marked as nkd's.
     */
    void create(BootstrapToken token, Instant expires, String description);

    /** Deletes the token's Secret; an absent one is fine. */
    void delete(String id);

    /** The tokens nkd created that still exist: id → expiry. */
    Map<String, Instant> list();
}
