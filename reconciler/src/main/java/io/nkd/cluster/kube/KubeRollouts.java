package io.nkd.cluster.kube;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.nkd.cluster.ClusterApiException;
import io.nkd.housekeeper.api.Update;
import io.nkd.housekeeper.api.UpdateSpec;
import io.nkd.housekeeper.api.Updates;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * {@link io.nkd.cluster.Rollouts} on a real API server, through fabric8: the Update {@code housekeeper-system/nkd}
 * ({@link Updates#NAMESPACE}, {@link Updates#DEFAULT_NAME}). nkd writes its spec (PUT of the main resource, which the
 * API server applies to everything but the status subresource), never its status, and never an Update it did not
 * write (one without {@code app.kubernetes.io/managed-by: nkd}).
 */
public final class KubeRollouts implements io.nkd.cluster.Rollouts {
    private final KubernetesClient client;
    private final String cluster;
    private final String namespace;
    private final String name;

    /** The Update of the cluster this client reaches, without the nkd.io/cluster label. */
    public KubeRollouts(KubernetesClient client) {
        this(client, null, Updates.NAMESPACE, Updates.DEFAULT_NAME);
    }

    /** @param cluster the nkd cluster's name, written as the label nkd.io/cluster */
    public KubeRollouts(KubernetesClient client, String cluster) {
        this(client, cluster, Updates.NAMESPACE, Updates.DEFAULT_NAME);
    }

    /**
     * The Update {@code nkd} in another namespace than the Housekeeper's: for tests, which share one API server and
     * each use their own namespace.
     */
    public static KubeRollouts inNamespace(KubernetesClient client, String cluster, String namespace) {
        return new KubeRollouts(client, cluster, namespace, Updates.DEFAULT_NAME);
    }

    KubeRollouts(KubernetesClient client, String cluster, String namespace, String name) {
        this.client = client;
        this.cluster = cluster;
        this.namespace = namespace;
        this.name = name;
    }

    private String object() {
        return "Update " + namespace + "/" + name;
    }

    private Resource<Update> resource() {
        return client.resources(Update.class).inNamespace(namespace).withName(name);
    }

    @Override
    public Optional<Update> read() {
        try {
            return Optional.ofNullable(resource().get());
        } catch (KubernetesClientException e) {
            throw failure("cannot read it", e);
        }
    }

    @Override
    public void write(UpdateSpec spec, boolean upstreamFieldsOnly) {
        UpdateSpec written = upstreamFieldsOnly
                ? UpdateSpec.upstream(spec.osImageURL(), spec.kubeVersion(), spec.forceEviction(), spec.workerBudget())
                : spec;
        try {
            Update current = resource().get();
            if (current == null) {
                Update u = new Update();
                u.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(namespace)
                        .withLabels(labels(Map.of())).withAnnotations(annotations(Map.of(), spec.revision())).build());
                u.setSpec(written);
                client.resources(Update.class).inNamespace(namespace).resource(u).create();
                return;
            }
            if (!Updates.isManagedByNkd(current)) {
                throw new ClusterApiException(object(), "it exists and was not written by nkd (no label "
                        + Updates.MANAGED_BY_LABEL + "=" + Updates.MANAGED_BY + "): nkd does not overwrite it. Delete it "
                        + "(kubectl -n " + namespace + " delete update " + name + ") or label it to hand it to nkd");
            }
            // the resourceVersion read above makes this a compare-and-swap: a concurrent change fails with 409 and the
            // next reconcile writes again from what it reads then
            current.getMetadata().setLabels(labels(current.getMetadata().getLabels()));
            current.getMetadata().setAnnotations(annotations(current.getMetadata().getAnnotations(), spec.revision()));
            current.setSpec(written);
            client.resources(Update.class).inNamespace(namespace).resource(current).update();
        } catch (KubernetesClientException e) {
            throw failure("cannot write it", e);
        }
    }

    private Map<String, String> labels(Map<String, String> existing) {
        Map<String, String> labels = new LinkedHashMap<>(existing == null ? Map.of() : existing);
        labels.put(Updates.MANAGED_BY_LABEL, Updates.MANAGED_BY);
        if (cluster != null) {
            labels.put(Updates.CLUSTER_LABEL, cluster);
        }
        return labels;
    }

    private static Map<String, String> annotations(Map<String, String> existing, String revision) {
        Map<String, String> annotations = new LinkedHashMap<>(existing == null ? Map.of() : existing);
        if (revision != null && !revision.isBlank()) {
            annotations.put(Updates.REVISION_ANNOTATION, revision);
        }
        return annotations.isEmpty() ? null : annotations;
    }

    private ClusterApiException failure(String what, KubernetesClientException e) {
        String status = e.getStatus() == null || e.getStatus().getMessage() == null ? e.getMessage() : e.getStatus().getMessage();
        String hint = e.getCode() == 404 ? " (is the Housekeeper's CRD updates.housekeeper.io installed? spec.housekeeper.enabled "
                + "installs templates/housekeeper/ with the add-ons)"
                : e.getCode() == 409 ? " (changed concurrently; nkd writes it again on the next reconcile)"
                : e.getCode() == 422 ? " (the API server refused the spec)" : "";
        return new ClusterApiException(object(), what + ": HTTP " + e.getCode() + " " + status + hint, e);
    }
}
