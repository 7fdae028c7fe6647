package io.nkd.cluster.kube;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.http.HttpResponse;
import io.nkd.cluster.Addons;
import io.nkd.cluster.ApiReadiness;
import io.nkd.cluster.ClusterApiException;
import io.nkd.cluster.ClusterNode;
import io.nkd.cluster.JoinTokens;
import io.nkd.cluster.NodeRemovals;
import io.nkd.cluster.Rollouts;
import io.nkd.cluster.WorkloadCluster;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.security.cert.CertificateException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import javax.net.ssl.SSLException;

/**
 * One managed cluster's API through a fabric8 client. The client is this object's: {@link #close()} closes it. The
 * capabilities (tokens, removals, add-ons, rollouts) share it and are made once.
 */
public final class KubeWorkloadCluster implements WorkloadCluster {
    /**
     * How long a /readyz may take: a server that does not answer in this time is "not ready", not waited for (the
     * reconcile holds the cluster's lock meanwhile, which the Ignition server takes too).
     */
    static final long READYZ_TIMEOUT_SECONDS = 5;

    private final KubernetesClient client;
    private final String cluster;
    private final String server;
    private final KubeJoinTokens joinTokens;
    private final KubeNodeRemovals nodeRemovals;
    private final KubeAddons addons;
    private final KubeRollouts rollouts;

    /**
     * @param client  the cluster's client, configured by the caller (tests pass one for the test API server); closed
     *                with this object
     * @param cluster the cluster's name, for messages
     */
    public KubeWorkloadCluster(KubernetesClient client, String cluster) {
        this.client = client;
        this.cluster = cluster;
        this.server = trimSlash(String.valueOf(client.getMasterUrl()));
        this.joinTokens = new KubeJoinTokens(client);
        this.nodeRemovals = new KubeNodeRemovals(client);
        this.addons = new KubeAddons(client);
        this.rollouts = new KubeRollouts(client, cluster);
    }

    @Override
    public ApiReadiness readiness() {
        String url = server + "/readyz";
        try {
            var request = client.getHttpClient().newHttpRequestBuilder().uri(url)
                    .timeout(READYZ_TIMEOUT_SECONDS, TimeUnit.SECONDS).build();
            HttpResponse<String> response = client.getHttpClient().sendAsync(request, String.class)
                    .get(READYZ_TIMEOUT_SECONDS + 2, TimeUnit.SECONDS);
            if (response.code() == 200) {
                return ApiReadiness.up();
            }
            return ApiReadiness.down(notReady(url, response.code(), response.body()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return ApiReadiness.down("interrupted while asking " + url);
        } catch (TimeoutException e) {
            return ApiReadiness.down("no answer from " + url + " within " + READYZ_TIMEOUT_SECONDS + " s");
        } catch (ExecutionException e) {
            return ApiReadiness.down(unreachable(url, e.getCause() == null ? e : e.getCause()));
        } catch (RuntimeException e) {
            return ApiReadiness.down(unreachable(url, e));
        }
    }

    /**
     * One extra TLS handshake with the endpoint, sending nothing: the handshake accepts any chain (an expired
     * certificate must still be read, and PKIX validation refuses expired ones), then the leaf counts only if the
     * cluster's CA (from the admin kubeconfig) signed it, so that nothing in between can report a date for it.
     */
    @Override
    public java.util.Optional<Instant> servingCertificateExpiry() {
        try {
            java.security.cert.X509Certificate ca = clusterCa();
            if (ca == null) {
                return java.util.Optional.empty();
            }
            java.net.URI uri = java.net.URI.create(server);
            int port = uri.getPort() == -1 ? 443 : uri.getPort();
            java.security.cert.X509Certificate[][] seen = new java.security.cert.X509Certificate[1][];
            javax.net.ssl.SSLContext tls = javax.net.ssl.SSLContext.getInstance("TLS");
            tls.init(null, new javax.net.ssl.TrustManager[] {new javax.net.ssl.X509TrustManager() {
                @Override
                public void checkClientTrusted(java.security.cert.X509Certificate[] chain, String authType) {
                    throw new UnsupportedOperationException("client side only");
                }

                @Override
                public void checkServerTrusted(java.security.cert.X509Certificate[] chain, String authType) {
                    seen[0] = chain; // checked below, against the cluster's CA
                }

                @Override
                public java.security.cert.X509Certificate[] getAcceptedIssuers() {
                    return new java.security.cert.X509Certificate[0];
                }
            }}, null);
            try (javax.net.ssl.SSLSocket socket = (javax.net.ssl.SSLSocket) tls.getSocketFactory().createSocket()) {
                int timeout = (int) TimeUnit.SECONDS.toMillis(READYZ_TIMEOUT_SECONDS);
                socket.connect(new java.net.InetSocketAddress(uri.getHost(), port), timeout);
                socket.setSoTimeout(timeout);
                socket.startHandshake();
            }
            if (seen[0] == null || seen[0].length == 0) {
                return java.util.Optional.empty();
            }
            seen[0][0].verify(ca.getPublicKey());
            return java.util.Optional.of(seen[0][0].getNotAfter().toInstant());
        } catch (java.io.IOException | java.security.GeneralSecurityException | IllegalArgumentException e) {
            return java.util.Optional.empty(); // the API's readiness says why the endpoint does not answer
        }
    }

    private java.security.cert.X509Certificate clusterCa() throws java.io.IOException {
        var config = client.getConfiguration();
        String pem = null;
        if (config.getCaCertData() != null && !config.getCaCertData().isBlank()) {
            pem = new String(java.util.Base64.getDecoder().decode(config.getCaCertData().strip()),
                    java.nio.charset.StandardCharsets.US_ASCII);
        } else if (config.getCaCertFile() != null) {
            pem = java.nio.file.Files.readString(java.nio.file.Path.of(config.getCaCertFile()));
        }
        return pem == null ? null : io.nkd.pki.Pem.decodeCertificate(pem);
    }

    @Override
    public List<ClusterNode> nodes() {
        try {
            return client.nodes().list().getItems().stream().map(KubeWorkloadCluster::node).toList();
        } catch (KubernetesClientException e) {
            throw new ClusterApiException("Nodes of cluster " + cluster, describe(e), e);
        }
    }

    @Override
    public JoinTokens joinTokens() {
        return joinTokens;
    }

    @Override
    public NodeRemovals nodeRemovals() {
        return nodeRemovals;
    }

    @Override
    public Addons addons() {
        return addons;
    }

    @Override
    public Rollouts rollouts() {
        return rollouts;
    }

    @Override
    public void close() {
        client.close();
    }

    @Override
    public String toString() {
        return "KubeWorkloadCluster[" + cluster + " at " + server + "]";
    }

    /** A Node as nkd sees it: the Ready condition (with reason and since when), role, versions, labels, annotations. */
    static ClusterNode node(Node n) {
        var meta = n.getMetadata();
        Map<String, String> labels = meta.getLabels() == null ? Map.of() : meta.getLabels();
        NodeCondition ready = n.getStatus() == null || n.getStatus().getConditions() == null ? null
                : n.getStatus().getConditions().stream().filter(c -> "Ready".equals(c.getType())).findFirst().orElse(null);
        var info = n.getStatus() == null ? null : n.getStatus().getNodeInfo();
        boolean unschedulable = n.getSpec() != null && Boolean.TRUE.equals(n.getSpec().getUnschedulable());
        boolean controlPlane = labels.containsKey("node-role.kubernetes.io/control-plane") || labels.containsKey("node-role.kubernetes.io/master");
        return new ClusterNode(meta.getName(), ready != null && "True".equals(ready.getStatus()),
                ready == null ? null : blankToNull(ready.getReason()), ready == null ? null : blankToNull(ready.getMessage()),
                ready == null ? null : instant(ready.getLastTransitionTime()), unschedulable, controlPlane,
                info == null ? null : blankToNull(info.getKubeletVersion()), info == null ? null : blankToNull(info.getOsImage()),
                labels, meta.getAnnotations());
    }

    /** The API server's answer when not ready: its failing checks ({@code [-]etcd failed: …}), or the status code. */
    private static String notReady(String url, int code, String body) {
        if (code == 401) {
            return url + " rejected nkd's admin certificate (HTTP 401): the API server does not trust this cluster's CA from nkd's state";
        }
        String failing = body == null ? "" : body.lines().map(String::strip).filter(l -> l.startsWith("[-]"))
                .map(l -> l.substring(3)).collect(Collectors.joining("; "));
        if (!failing.isEmpty()) {
            return url + " answered HTTP " + code + ", failing checks: " + failing;
        }
        String text = body == null ? "" : body.strip();
        return url + " answered HTTP " + code + (text.isEmpty() ? "" : ": " + (text.length() > 300 ? text.substring(0, 300) + "…" : text));
    }

    /** Why nothing answered, in the network's words. */
    static String unreachable(String url, Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ConnectException) {
                return "cannot connect to " + url + ": connection refused (the API server is not listening there yet)";
            }
            if (t instanceof UnknownHostException) {
                return "cannot resolve the host of " + url + " (" + t.getMessage() + ")";
            }
            if (t instanceof NoRouteToHostException) {
                return "no route to " + url;
            }
            if (t instanceof CertificateException || t instanceof SSLException) {
                return "TLS with " + url + " failed: the server's certificate is not one nkd's CA of this cluster signed for that"
                        + " address (" + rootMessage(t) + ")";
            }
            if (t instanceof TimeoutException || t instanceof java.net.SocketTimeoutException) {
                return "no answer from " + url + " within " + READYZ_TIMEOUT_SECONDS + " s";
            }
        }
        return "cannot reach " + url + ": " + rootMessage(e);
    }

    private static String describe(KubernetesClientException e) {
        if (e.getCode() == 403) {
            return "forbidden for nkd's admin user (HTTP 403; its group kubeadm:cluster-admins needs the ClusterRoleBinding"
                    + " kubeadm:cluster-admins that kubeadm init creates): " + statusMessage(e);
        }
        if (e.getCode() == 401) {
            return "nkd's admin certificate was rejected (HTTP 401): " + statusMessage(e);
        }
        if (e.getCode() > 0) {
            return "HTTP " + e.getCode() + ": " + statusMessage(e);
        }
        return rootMessage(e);
    }

    private static String statusMessage(KubernetesClientException e) {
        return e.getStatus() != null && e.getStatus().getMessage() != null ? e.getStatus().getMessage() : rootMessage(e);
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    }

    private static Instant instant(String time) {
        if (time == null || time.isBlank()) {
            return null;
        }
        try {
            return Instant.parse(time);
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }

    private static String trimSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }
}
