package io.nkd.pki;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * A kubeconfig with one cluster, one user authenticating by client certificate and one context, all
 * embedded (base64 {@code *-data} fields), as kubeadm writes admin.conf: cluster named after the cluster,
 * context {@code user@cluster}. {@link #toString()} never shows the key.
 */
public record Kubeconfig(String clusterName, String server, String userName,
        X509Certificate certificateAuthority, X509Certificate clientCertificate, PrivateKey clientKey) {

    private static final YAMLMapper YAML = new YAMLMapper(YAMLFactory.builder()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
            .build());

    public Kubeconfig {
        Objects.requireNonNull(clusterName, "clusterName");
        Objects.requireNonNull(server, "server");
        Objects.requireNonNull(userName, "userName");
        Objects.requireNonNull(certificateAuthority, "certificateAuthority");
        Objects.requireNonNull(clientCertificate, "clientCertificate");
        clientKey = Pem.canonical(Objects.requireNonNull(clientKey, "clientKey"));
    }

    /** kubeadm's context name: {@code kubernetes-admin@kubernetes}. */
    public String contextName() {
        return userName + "@" + clusterName;
    }

    /** The Config document, keys in kubectl's (sorted) order. Same inputs, same bytes. */
    public byte[] toYaml() {
        Map<String, Object> cluster = new LinkedHashMap<>();
        cluster.put("certificate-authority-data", base64(Pem.encodeCertificate(certificateAuthority)));
        cluster.put("server", server);
        Map<String, Object> user = new LinkedHashMap<>();
        user.put("client-certificate-data", base64(Pem.encodeCertificate(clientCertificate)));
        user.put("client-key-data", base64(Pem.encodePrivateKey(clientKey)));

        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("apiVersion", "v1");
        doc.put("clusters", List.of(entry("cluster", cluster, clusterName)));
        doc.put("contexts", List.of(entry("context", context(), contextName())));
        doc.put("current-context", contextName());
        doc.put("kind", "Config");
        doc.put("preferences", Map.of());
        doc.put("users", List.of(entry("user", user, userName)));
        try {
            return YAML.writeValueAsBytes(doc);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write kubeconfig", e);
        }
    }

    /**
     * Reads a kubeconfig written by kubeadm or {@link #toYaml()}: the current context's cluster and user,
     * with embedded CA, client certificate and key. Messages give the problem and never quote the input.
     */
    public static Kubeconfig parse(byte[] yaml) {
        JsonNode doc;
        try {
            doc = YAML.readTree(yaml);
        } catch (IOException e) {
            String where = e instanceof JsonProcessingException j && j.getLocation() != null
                    ? " at line " + j.getLocation().getLineNr() : "";
            throw new IllegalArgumentException("not valid YAML" + where);
        }
        if (doc == null || !doc.isObject() || !"Config".equals(doc.path("kind").asText())) {
            throw new IllegalArgumentException("not a kubeconfig (kind: Config)");
        }
        String contextName = doc.path("current-context").asText("");
        if (contextName.isEmpty()) {
            throw new IllegalArgumentException("the kubeconfig has no current-context");
        }
        JsonNode context = named(doc, "contexts", contextName, "context");
        String clusterName = context.path("cluster").asText();
        String userName = context.path("user").asText();
        JsonNode cluster = named(doc, "clusters", clusterName, "cluster");
        JsonNode user = named(doc, "users", userName, "user");
        return new Kubeconfig(clusterName, required(cluster, "server", clusterName),
                userName,
                Pem.decodeCertificate(unbase64(cluster, "certificate-authority-data", clusterName)),
                Pem.decodeCertificate(unbase64(user, "client-certificate-data", userName)),
                Pem.decodePrivateKey(unbase64(user, "client-key-data", userName)));
    }

    @Override
    public String toString() {
        return "Kubeconfig[cluster=" + clusterName + ", server=" + server + ", user=" + userName + ", clientKey=<redacted>]";
    }

    private Map<String, Object> context() {
        Map<String, Object> context = new LinkedHashMap<>();
        context.put("cluster", clusterName);
        context.put("user", userName);
        return context;
    }

    /** A named list item; keys sorted like kubectl's output ({@code cluster}, {@code name}, {@code user}). */
    private static Map<String, Object> entry(String field, Map<String, Object> body, String name) {
        Map<String, Object> m = new TreeMap<>();
        m.put(field, body);
        m.put("name", name);
        return m;
    }

    private static JsonNode named(JsonNode doc, String list, String name, String field) {
        for (JsonNode item : doc.path(list)) {
            if (name.equals(item.path("name").asText())) {
                return item.path(field);
            }
        }
        throw new IllegalArgumentException("the kubeconfig's " + list + " have no entry named \"" + name + "\"");
    }

    private static String required(JsonNode node, String field, String owner) {
        String value = node.path(field).asText("");
        if (value.isEmpty()) {
            throw new IllegalArgumentException("\"" + owner + "\" has no " + field
                    + (field.endsWith("-data") ? " (nkd reads embedded credentials, not file references)" : ""));
        }
        return value;
    }

    private static String unbase64(JsonNode node, String field, String owner) {
        String text = required(node, field, owner);
        try {
            return new String(Base64.getDecoder().decode(text), StandardCharsets.US_ASCII); // strict, as Go decodes []byte
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(field + " of \"" + owner + "\" is not base64");
        }
    }

    private static String base64(String pem) {
        return Base64.getEncoder().encodeToString(pem.getBytes(StandardCharsets.US_ASCII));
    }
}
