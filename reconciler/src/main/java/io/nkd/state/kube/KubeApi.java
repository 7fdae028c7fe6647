package io.nkd.state.kube;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.nkd.state.StateIOException;
import io.nkd.state.StateSpi;
import java.io.IOException;
import java.util.function.Supplier;

/**
 * Every call the store makes to the API server goes through here: timed ({@code nkd_state_request_duration_seconds}
 * by operation) and, when it fails, turned into a {@link StateIOException} that names the object and says what to do.
 * 409 Conflict is not translated: the callers decide (see the package documentation).
 */
final class KubeApi {
    static final String DURATION = "nkd_state_request_duration_seconds";
    static final String CONFLICTS = "nkd_state_conflicts_total";

    private final KubernetesClient client;
    private final String namespace;
    private final MeterRegistry metrics;

    KubeApi(KubernetesClient client, String namespace, MeterRegistry metrics) {
        this.client = client;
        this.namespace = namespace;
        this.metrics = metrics;
        metrics.counter(CONFLICTS); // present (0) before the first conflict
    }

    KubernetesClient client() {
        return client;
    }

    String namespace() {
        return namespace;
    }

    void conflict() {
        metrics.counter(CONFLICTS).increment();
    }

    /**
     * Runs one API call. {@code operation} tags the timer (get, create, update, delete, list, lease_get, …);
     * {@code verb} and {@code resource} are what RBAC would deny; {@code what} names the object for the message.
     * Throws the client's exception unchanged for 409 Conflict (and 404 when {@code passNotFound}) so the caller
     * can handle it.
     */
    <T> T call(String operation, String verb, String resource, String what, Supplier<T> call) {
        Timer.Sample sample = Timer.start(metrics);
        try {
            return call.get();
        } catch (KubernetesClientException e) {
            if (e.getCode() == 409) {
                throw e;
            }
            throw failure(verb, resource, what, e);
        } finally {
            sample.stop(Timer.builder(DURATION).description("Duration of the state store's requests to the Kubernetes API")
                    .tag("operation", operation).register(metrics));
        }
    }

    StateIOException failure(String verb, String resource, String what, KubernetesClientException e) {
        // the namespace itself is not "in namespace" itself
        String cannot = "cannot " + verb + " " + what + (what.equals("namespace " + namespace) ? "" : " in namespace " + namespace);
        int code = e.getCode();
        String why;
        if (code == 403) {
            why = "the API server denied '" + verb + "' on " + resource + " in namespace " + namespace + " to "
                    + identity() + "; grant it in the Role bound to nkd's ServiceAccount in that namespace"
                    + " (deploy/kubernetes grants get, list, watch, create, update and delete on configmaps and"
                    + " secrets, and on leases.coordination.k8s.io)";
        } else if (code == 401) {
            why = "the API server did not accept nkd's credentials (HTTP 401); check the kubeconfig or the pod's"
                    + " ServiceAccount token";
        } else if (code == 404 && isNamespaceMissing(e)) {
            why = "namespace " + namespace + " does not exist; create it (kubectl create namespace " + namespace
                    + ") or choose another with --state kubernetes:NAMESPACE";
        } else if (code == 0 || e.getCause() instanceof IOException) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            why = "the Kubernetes API server at " + client.getMasterUrl() + " did not answer ("
                    + cause.getClass().getSimpleName() + (cause.getMessage() == null ? "" : ": " + shorten(cause.getMessage()))
                    + "); check that it runs and that this host can reach it";
            // no promise of a retry: the store does not know its caller (nkd serve's start and nkd state migrate stop
            // here; a reconcile says itself that it retries)
        } else if (code == 422 || code == 413) {
            why = "the API server refused the object (HTTP " + code + ": " + reason(e) + ")";
        } else {
            why = "the API server answered HTTP " + code + " (" + reason(e) + ")";
        }
        return StateSpi.failed(cannot + ": " + why, e);
    }

    private String identity() {
        String user = client.getConfiguration().getUsername();
        return user == null || user.isBlank() ? "nkd's identity" : "user " + user;
    }

    private boolean isNamespaceMissing(KubernetesClientException e) {
        var status = e.getStatus();
        return status != null && status.getDetails() != null && "namespaces".equals(status.getDetails().getKind())
                || (status != null && status.getMessage() != null && status.getMessage().startsWith("namespaces \""));
    }

    /** The API server's status message: names and reasons, never object content (it does not echo data values). */
    private static String reason(KubernetesClientException e) {
        var status = e.getStatus();
        String m = status != null && status.getMessage() != null ? status.getMessage() : e.getMessage();
        return shorten(m == null ? "no message" : m);
    }

    private static String shorten(String s) {
        return s.length() > 300 ? s.substring(0, 300) + "…" : s;
    }
}
