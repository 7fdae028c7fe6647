package io.nkd.cluster.kube;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.nkd.cluster.ClusterApiException;
import io.nkd.cluster.JoinTokens;
import io.nkd.pki.BootstrapToken;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@link JoinTokens} on a real API server, through fabric8: the Secret {@code kube-system/bootstrap-token-<id>} as the
 * Kubernetes bootstrap-token reference specifies it (type {@code bootstrap.kubernetes.io/token}; keys
 * {@code token-id}, {@code token-secret}, {@code expiration} in RFC 3339, {@code usage-bootstrap-authentication},
 * {@code usage-bootstrap-signing}, {@code auth-extra-groups}, {@code description}), the same Secret
 * {@code kubeadm token create} writes, plus the label {@value #LABEL} so that {@link #list()} finds only nkd's tokens
 * and never touches the ones an operator made with kubeadm.
 *
 * <p>The API server's bootstrap authenticator accepts the token until {@code expiration}; the controller manager's
 * token cleaner deletes the Secret after it; the bootstrap signer signs the {@code cluster-info} ConfigMap for it
 * (what {@code kubeadm join} discovery checks).
 */
public final class KubeJoinTokens implements JoinTokens {
    /** Marks nkd's bootstrap-token Secrets; the value is always {@code "true"}. */
    public static final String LABEL = "nkd.io/join-token";
    static final String NAMESPACE = "kube-system";
    static final String TYPE = "bootstrap.kubernetes.io/token";
    /** kubeadm's group for node joins: its RBAC lets the kubelet create its CSR and have it approved. */
    static final String EXTRA_GROUPS = "system:bootstrappers:kubeadm:default-node-token";

    private final KubernetesClient client;

    public KubeJoinTokens(KubernetesClient client) {
        this.client = client;
    }

    @Override
    public void create(BootstrapToken token, Instant expires, String description) {
        Map<String, String> data = new LinkedHashMap<>();
        data.put("token-id", token.id());
        data.put("token-secret", token.secret());
        data.put("expiration", expires.truncatedTo(ChronoUnit.SECONDS).toString()); // RFC 3339, UTC: 2026-12-06T14:00:00Z
        data.put("usage-bootstrap-authentication", "true");
        data.put("usage-bootstrap-signing", "true");
        data.put("auth-extra-groups", EXTRA_GROUPS);
        data.put("description", description);
        Map<String, String> encoded = new TreeMap<>();
        data.forEach((k, v) -> encoded.put(k, Base64.getEncoder().encodeToString(v.getBytes(StandardCharsets.UTF_8))));
        Secret secret = new SecretBuilder().withNewMetadata().withNamespace(NAMESPACE).withName(name(token.id()))
                .addToLabels(LABEL, "true").endMetadata().withType(TYPE).withData(encoded).build();
        try {
            client.secrets().inNamespace(NAMESPACE).resource(secret).createOr(existing -> existing.update());
        } catch (KubernetesClientException e) {
            // the message is fabric8's rendering of the API server's status: it never contains the Secret's data
            throw new ClusterApiException(object(token.id()), "cannot create the bootstrap token: " + reason(e), e);
        }
    }

    @Override
    public void delete(String id) {
        try {
            client.secrets().inNamespace(NAMESPACE).withName(name(id)).delete();
        } catch (KubernetesClientException e) {
            if (e.getCode() != 404) {
                throw new ClusterApiException(object(id), "cannot delete the bootstrap token: " + reason(e), e);
            }
        }
    }

    @Override
    public Map<String, Instant> list() {
        Map<String, Instant> out = new TreeMap<>();
        try {
            for (Secret s : client.secrets().inNamespace(NAMESPACE).withLabel(LABEL, "true").list().getItems()) {
                if (!TYPE.equals(s.getType()) || s.getData() == null) {
                    continue;
                }
                String id = decode(s.getData().get("token-id"));
                if (id == null || !name(id).equals(s.getMetadata().getName())) {
                    continue;
                }
                out.put(id, expiration(decode(s.getData().get("expiration"))));
            }
        } catch (KubernetesClientException e) {
            throw new ClusterApiException("Secrets in " + NAMESPACE + " labelled " + LABEL, "cannot list the bootstrap tokens: "
                    + reason(e), e);
        }
        return out;
    }

    static String name(String id) {
        return "bootstrap-token-" + id;
    }

    private static String object(String id) {
        return "Secret " + NAMESPACE + "/" + name(id);
    }

    /** An expiration that does not parse is treated as already expired, so nkd deletes the Secret. */
    private static Instant expiration(String text) {
        if (text == null) {
            return Instant.MAX; // no expiration: the token never expires (kubeadm's ttl 0); nkd never writes one
        }
        try {
            return java.time.OffsetDateTime.parse(text).toInstant();
        } catch (DateTimeParseException e) {
            return Instant.EPOCH;
        }
    }

    private static String decode(String base64) {
        return base64 == null ? null : new String(Base64.getDecoder().decode(base64), StandardCharsets.UTF_8);
    }

    static String reason(KubernetesClientException e) {
        if (e.getStatus() != null && e.getStatus().getMessage() != null) {
            return "HTTP " + e.getCode() + ": " + e.getStatus().getMessage();
        }
        return e.getCode() > 0 ? "HTTP " + e.getCode() : String.valueOf(e.getMessage());
    }
}
