package io.nkd.cluster.kube;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.nkd.pki.BootstrapToken;
import io.nkd.testkit.KubeApiServerExtension;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The bootstrap-token Secrets nkd writes, read back from the real kube-apiserver (kube-system is shared: random ids). */
@ExtendWith(KubeApiServerExtension.class)
class KubeJoinTokensTest {
    KubernetesClient client;
    private final List<String> made = new ArrayList<>();
    private final SecureRandom random = new SecureRandom();

    @AfterEach
    void cleanUp() {
        made.forEach(id -> client.secrets().inNamespace("kube-system").withName("bootstrap-token-" + id).delete());
    }

    private BootstrapToken token() {
        BootstrapToken t = BootstrapToken.generate(random);
        made.add(t.id());
        return t;
    }

    @Test
    void theSecretIsTheOneTheBootstrapTokenReferenceSpecifies() {
        BootstrapToken t = token();
        Instant expires = Instant.parse("2030-01-02T03:04:05.678Z");
        new KubeJoinTokens(client).create(t, expires, "nkd: joins of cluster c1");

        Secret s = client.secrets().inNamespace("kube-system").withName("bootstrap-token-" + t.id()).get();
        assertEquals("bootstrap.kubernetes.io/token", s.getType());
        assertEquals("true", s.getMetadata().getLabels().get(KubeJoinTokens.LABEL));
        Map<String, String> d = decoded(s);
        assertEquals(t.id(), d.get("token-id"));
        assertEquals(t.secret(), d.get("token-secret"));
        assertEquals("2030-01-02T03:04:05Z", d.get("expiration"), "RFC 3339, whole seconds, UTC");
        assertEquals("true", d.get("usage-bootstrap-authentication"));
        assertEquals("true", d.get("usage-bootstrap-signing"));
        assertEquals("system:bootstrappers:kubeadm:default-node-token", d.get("auth-extra-groups"));
        assertEquals("nkd: joins of cluster c1", d.get("description"));
        assertEquals(7, d.size(), d.keySet()::toString);
    }

    @Test
    void listFindsOnlyNkdsTokensAndDeleteRemovesThem() {
        KubeJoinTokens tokens = new KubeJoinTokens(client);
        BootstrapToken mine = token();
        BootstrapToken kubeadms = token();
        Instant expires = Instant.parse("2031-05-06T07:08:09Z");
        tokens.create(mine, expires, "nkd");
        // an operator's `kubeadm token create`: same shape, no nkd label
        client.secrets().inNamespace("kube-system").resource(new SecretBuilder().withNewMetadata()
                .withName("bootstrap-token-" + kubeadms.id()).endMetadata().withType("bootstrap.kubernetes.io/token")
                .addToStringData("token-id", kubeadms.id()).addToStringData("token-secret", kubeadms.secret()).build()).create();

        Map<String, Instant> listed = tokens.list();
        assertEquals(expires, listed.get(mine.id()));
        assertFalse(listed.containsKey(kubeadms.id()), "an operator's token is not nkd's");

        // creating again replaces (a retried reconcile), with the new expiry
        Instant later = expires.plusSeconds(3600);
        tokens.create(mine, later, "nkd");
        assertEquals(later, tokens.list().get(mine.id()));

        tokens.delete(mine.id());
        tokens.delete(mine.id()); // absent is fine
        assertFalse(tokens.list().containsKey(mine.id()));
        assertNull(client.secrets().inNamespace("kube-system").withName("bootstrap-token-" + mine.id()).get());
        assertTrue(client.secrets().inNamespace("kube-system").withName("bootstrap-token-" + kubeadms.id()).get() != null);
    }

    private static Map<String, String> decoded(Secret s) {
        Map<String, String> m = new java.util.TreeMap<>();
        s.getData().forEach((k, v) -> m.put(k, new String(Base64.getDecoder().decode(v), StandardCharsets.UTF_8)));
        return m;
    }
}
