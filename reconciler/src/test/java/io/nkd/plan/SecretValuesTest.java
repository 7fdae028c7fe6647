package io.nkd.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SecretValuesTest {
    @Test
    void aSecretsValuesAreWithheldItsKeysAndOtherObjectsStay() {
        String file = """
                apiVersion: v1
                kind: ConfigMap
                metadata: {name: plain, namespace: x}
                data:
                  visible: shown
                ---
                apiVersion: v1
                kind: Secret
                metadata:
                  name: creds
                  namespace: x
                stringData:
                  password: SUPERSECRETVALUE123
                  cert: |
                    line one secret
                    line two secret
                data: {key: U1VQRVJTRUNSRVRCNjQ=}
                """;
        String out = SecretValues.redact(file);
        assertFalse(out.contains("SUPERSECRET") || out.contains("U1VQRV") || out.contains("line one") || out.contains("line two"), out);
        assertTrue(out.contains("  visible: shown\n"), out);
        assertTrue(out.contains("  password: <redacted: Secret value>\n"), out);
        assertTrue(out.contains("  cert: <redacted: Secret value>"), out);
        assertTrue(out.contains("data: {key: <redacted: Secret value>"), out);
        assertEquals(out, SecretValues.redact(file.replace("SUPERSECRETVALUE123", "another")), "not even a hash to guess from");
    }

    @Test
    void aJsonSecretToo() {
        String out = SecretValues.redact("{\"apiVersion\": \"v1\", \"kind\": \"Secret\", \"metadata\": {\"name\": \"s\"},"
                + " \"data\": {\"k\": \"U1VQRVJTRUNSRVRCNjQ=\"}}\n");
        assertFalse(out.contains("U1VQRV"), out);
        assertTrue(out.contains("\"k\": <redacted: Secret value>"), out);
    }

    @Test
    void filesWithoutSecretsAreUntouched() {
        String file = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: b}\n";
        assertEquals(file, SecretValues.redact(file));
    }
}
