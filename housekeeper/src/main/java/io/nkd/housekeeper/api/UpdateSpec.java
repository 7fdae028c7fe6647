package io.nkd.housekeeper.api;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;

import java.time.Duration;
import java.util.Optional;

/**
 * What an {@link Update} asks for. The first four fields are the upstream Housekeeper's, with its names and types;
 * the others are nkd's optional additions.
 *
 * @param osImageURL     the OS container image every node should boot ({@code registry/repo:tag},
 *                       {@code registry/repo@sha256:…} or both); empty means "leave the OS alone" (nkd only: the
 *                       upstream operator never acts on an Update without it)
 * @param kubeVersion    the Kubernetes version every node should run ({@code v1.29.3}); empty means "leave Kubernetes
 *                       alone"
 * @param evictPodForce  when a pod cannot be evicted within the drain timeout (a PodDisruptionBudget blocks it),
 *                       delete it without the Eviction API instead of failing the node
 * @param maxUnavailable how many worker nodes may be unavailable at once, counting nodes that already are (NotReady
 *                       or cordoned); at least 1
 * @param drainTimeout   how long one node's drain may take before the node fails ({@code 30s}, {@code 10m},
 *                       {@code 1h30m}); default {@link #DEFAULT_DRAIN_TIMEOUT}
 * @param paused         stop before the next node; nodes already in progress finish
 * @param revision       the source commit this target comes from (nkd writes it; shown in status and events)
 * @param certificateRenewal a request id (nkd only): renew the certificates kubeadm issued on every control-plane
 *                       node, one node at a time; a new id asks again (see housekeeper/CONTRACT.md)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record UpdateSpec(
        @JsonProperty("osImageURL")
        @JsonPropertyDescription("The OS container image every node should boot: registry/repo:tag, "
                + "registry/repo@sha256:... or both (a digest is compared exactly). Empty: leave the OS alone "
                + "(nkd's operator; the NestOS Housekeeper never acts on an Update without it)") String osImageURL,
        @JsonProperty("kubeVersion")
        @JsonPropertyDescription("The Kubernetes version every node should run, e.g. v1.29.3: at most one minor "
                + "version above the current one, never lower. Empty: leave Kubernetes alone") String kubeVersion,
        @JsonProperty("evictPodForce")
        @JsonPropertyDescription("When a pod cannot be evicted within drainTimeout (typically a PodDisruptionBudget "
                + "blocks it), delete it without the Eviction API instead of failing the node") Boolean evictPodForce,
        @JsonProperty("maxUnavailable")
        @JsonPropertyDescription("How many worker nodes may be unavailable at once, counting nodes that already are "
                + "(NotReady or cordoned); below 1 counts as 1. Control-plane nodes go one at a time")
        Integer maxUnavailable,
        @JsonProperty("drainTimeout")
        @JsonPropertyDescription("How long draining one node may take before the node fails: whole hours, minutes "
                + "and seconds such as 90s, 10m or 1h30m; default 10m")
        // the same form GoDuration.parse accepts (CrdSchemaTest checks both agree), so the API server rejects what
        // the operator could not read instead of the rollout failing later
        @Pattern("^([0-9]+(h|m|s))+$") String drainTimeout,
        @JsonProperty("paused")
        @JsonPropertyDescription("When true, no new node is started; nodes in progress finish") Boolean paused,
        @JsonProperty("revision")
        @JsonPropertyDescription("The source commit this target comes from (nkd writes it); shown in the status, "
                + "events and kubectl get updates") String revision,
        @JsonProperty("certificateRenewal")
        @JsonPropertyDescription("A request id (nkd's Housekeeper only): renew the certificates kubeadm issued on "
                + "every control-plane node (kubeadm certs renew all, then a restart of the control-plane static "
                + "pods), one node at a time, never during a control-plane node's OS or Kubernetes update. A new id "
                + "asks again; status.certificateRenewal shows the progress") String certificateRenewal) {

    /** Without a certificate renewal request (what every Update had before nkd added it). */
    public UpdateSpec(String osImageURL, String kubeVersion, Boolean evictPodForce, Integer maxUnavailable,
                      String drainTimeout, Boolean paused, String revision) {
        this(osImageURL, kubeVersion, evictPodForce, maxUnavailable, drainTimeout, paused, revision, null);
    }

    public static final Duration DEFAULT_DRAIN_TIMEOUT = Duration.ofMinutes(10);

    /** The upstream form: only the four fields the NestOS Housekeeper knows. */
    public static UpdateSpec upstream(String osImageURL, String kubeVersion, boolean evictPodForce, int maxUnavailable) {
        return new UpdateSpec(osImageURL, kubeVersion, evictPodForce, maxUnavailable, null, null, null);
    }

    /** The same spec asking for certificate renewal {@code request} (null: none). */
    public UpdateSpec withCertificateRenewal(String request) {
        return new UpdateSpec(osImageURL, kubeVersion, evictPodForce, maxUnavailable, drainTimeout, paused, revision,
                request);
    }

    /** The certificate renewal request, if any (blank counts as none). */
    @JsonIgnore
    public Optional<String> certificateRenewalRequest() {
        return certificateRenewal == null || certificateRenewal.isBlank() ? Optional.empty()
                : Optional.of(certificateRenewal);
    }

    @JsonIgnore
    public Optional<ImageReference> osImage() {
        if (osImageURL == null || osImageURL.isBlank()) {
            return Optional.empty();
        }
        try {
            return Optional.of(ImageReference.parseTarget(osImageURL));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("spec.osImageURL: " + e.getMessage(), e);
        }
    }

    @JsonIgnore
    public Optional<KubeVersion> kube() {
        if (kubeVersion == null || kubeVersion.isBlank()) {
            return Optional.empty();
        }
        try {
            return Optional.of(KubeVersion.parse(kubeVersion));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("spec.kubeVersion: " + e.getMessage(), e);
        }
    }

    @JsonIgnore
    public boolean forceEviction() {
        return Boolean.TRUE.equals(evictPodForce);
    }

    /** {@code maxUnavailable} as the operator uses it: at least 1 (upstream treats 0 and absent the same way). */
    @JsonIgnore
    public int workerBudget() {
        return maxUnavailable == null || maxUnavailable < 1 ? 1 : maxUnavailable;
    }

    @JsonIgnore
    public Duration drainTimeoutOrDefault() {
        if (drainTimeout == null || drainTimeout.isBlank()) {
            return DEFAULT_DRAIN_TIMEOUT;
        }
        try {
            return GoDuration.parse(drainTimeout);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("spec.drainTimeout: " + e.getMessage(), e);
        }
    }

    /**
     * {@code paused} as the operator uses it (absent is false). Not named {@code isPaused}: Jackson would take that for
     * the accessor of property {@code paused}, and its {@code @JsonIgnore} would drop {@code paused} when reading.
     */
    @JsonIgnore
    public boolean pauseRequested() {
        return Boolean.TRUE.equals(paused);
    }
}
