package io.nkd.housekeeper.api;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The Updates nkd writes into a cluster (its reconciler's only way to start a rollout), in one place so that every one
 * of them is valid against both CRDs, nkd's and the NestOS Housekeeper's, and means the same to both Housekeepers.
 * Upstream's CRD requires all four of its spec fields. nkd always knows both targets (a cluster pins its OS image and
 * its Kubernetes version), so it always writes both, never an empty one: upstream's operator ignores an Update without
 * an osImageURL, and upstream's agent would run {@code kubeadm upgrade apply ""} for an empty kubeVersion. A node
 * already at a target skips that part. nkd's optional fields are added only when set; an upstream API server prunes
 * them (they are not in its schema) without rejecting the object. The source commit is also an annotation, which
 * survives that pruning.
 */
public final class Updates {
    /** Where the Housekeeper's manifests (templates/housekeeper) install it and where it reads Updates. */
    public static final String NAMESPACE = "housekeeper-system";
    /** The name of the one Update nkd keeps per cluster; a new target is a change of its spec, not a new object. */
    public static final String DEFAULT_NAME = "nkd";

    public static final String MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";
    public static final String MANAGED_BY = "nkd";
    /** The nkd cluster this Update belongs to (the same key nkd writes on every object it creates). */
    public static final String CLUSTER_LABEL = "nkd.io/cluster";
    /** The source commit, also kept where an upstream CRD (which prunes {@code spec.revision}) cannot drop it. */
    public static final String REVISION_ANNOTATION = "nkd.io/revision";

    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");

    private Updates() {
    }

    /**
     * What nkd asks of a cluster's nodes.
     *
     * @param osImageURL     the OS image every node should boot
     * @param kubeVersion    the Kubernetes version every node should run; a missing {@code v} is added (upstream's
     *                       agent compares it with {@code kubeadm version -o short}, which prints one)
     * @param maxUnavailable worker nodes unavailable at once, at least 1 (upstream's operator makes no progress on 0)
     * @param evictPodForce  delete pods a PodDisruptionBudget still protects when the drain times out
     * @param drainTimeout   the drain's bound in whole seconds, or null for the operator's default
     * @param revision       the source commit, or null
     */
    public record Target(String osImageURL, String kubeVersion, int maxUnavailable, boolean evictPodForce,
                         Duration drainTimeout, String revision) {
        /** @throws IllegalArgumentException naming the field, the value and what to write instead */
        public Target {
            revision = blankToNull(revision);
            if (blankToNull(osImageURL) == null || blankToNull(kubeVersion) == null) {
                throw new IllegalArgumentException("an Update from nkd names both targets (osImageURL '" + osImageURL
                        + "', kubeVersion '" + kubeVersion + "'): pass the cluster's pinned OS image and Kubernetes "
                        + "version; nodes already at one of them skip that part (an empty one would stall the NestOS "
                        + "Housekeeper)");
            }
            ImageReference.parse(osImageURL); // throws naming the value and the accepted form
            osImageURL = osImageURL.strip();
            KubeVersion.parse(kubeVersion);
            kubeVersion = kubeVersion.strip();
            kubeVersion = kubeVersion.startsWith("v") ? kubeVersion : "v" + kubeVersion;
            if (maxUnavailable < 1) {
                throw new IllegalArgumentException("maxUnavailable " + maxUnavailable + " is below 1: at least one "
                        + "worker node must be allowed to update at a time");
            }
            if (drainTimeout != null && (drainTimeout.isNegative() || drainTimeout.isZero()
                    || drainTimeout.getNano() != 0)) {
                throw new IllegalArgumentException("drainTimeout " + drainTimeout + " is not a positive whole number of "
                        + "seconds (the Update writes it as 90s, 10m, 1h30m)");
            }
        }

        private static String blankToNull(String s) {
            return s == null || s.isBlank() ? null : s;
        }
    }

    /** {@link #of(String, String, Target)} with the {@link #DEFAULT_NAME}. */
    public static Update forCluster(String cluster, Target target) {
        return of(DEFAULT_NAME, cluster, target);
    }

    /**
     * The Update for {@code cluster}'s nodes, in {@link #NAMESPACE}, labelled as nkd's. It carries no status and no
     * resourceVersion: create it, or apply it over the existing one.
     *
     * @param name    the Update's name (a DNS label)
     * @param cluster the nkd cluster's name (a DNS label), written as {@link #CLUSTER_LABEL}
     * @throws IllegalArgumentException naming the argument
     */
    public static Update of(String name, String cluster, Target target) {
        requireDnsLabel("Update name", name);
        requireDnsLabel("cluster name", cluster);
        Objects.requireNonNull(target, "target");
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(MANAGED_BY_LABEL, MANAGED_BY);
        labels.put(CLUSTER_LABEL, cluster);
        Map<String, String> annotations = new LinkedHashMap<>();
        if (target.revision() != null) {
            annotations.put(REVISION_ANNOTATION, target.revision());
        }
        Update u = new Update();
        u.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(NAMESPACE).withLabels(labels)
                .withAnnotations(annotations.isEmpty() ? null : annotations).build());
        u.setSpec(new UpdateSpec(
                target.osImageURL(),
                target.kubeVersion(),
                target.evictPodForce(),
                target.maxUnavailable(),
                target.drainTimeout() == null ? null : GoDuration.format(target.drainTimeout()),
                null,
                target.revision()));
        return u;
    }

    /** Whether nkd wrote this Update (and so may change or delete it); hand-written Updates are left alone. */
    public static boolean isManagedByNkd(Update update) {
        Map<String, String> labels = update.getMetadata() == null ? null : update.getMetadata().getLabels();
        return labels != null && MANAGED_BY.equals(labels.get(MANAGED_BY_LABEL));
    }

    private static void requireDnsLabel(String what, String value) {
        if (value == null || !DNS_LABEL.matcher(value).matches()) {
            throw new IllegalArgumentException(what + " '" + value + "' is not a DNS label: lower-case letters, digits "
                    + "and '-', at most 63 characters, starting and ending with a letter or digit");
        }
    }
}
