package io.nkd.config;

import io.nkd.yaml.Doc;
import io.nkd.yaml.Required;

/** {@code clusters/<name>/cluster.yaml}: one Kubernetes cluster nkd manages. */
@Doc("A Kubernetes cluster on NestOS managed by nkd. Lives in clusters/<name>/cluster.yaml.")
public record ClusterDocument(
        @Required @Doc("Always nkd.io/v1alpha1.") String apiVersion,
        @Required @Doc("Always Cluster.") String kind,
        @Required @Doc("Identity of the cluster.") Metadata metadata,
        @Required @Doc("The desired state of the cluster.") ClusterSpec spec) {

    public static final String API_VERSION = "nkd.io/v1alpha1";

    @Doc("Identity of a document.")
    public record Metadata(
            @Required @Doc(value = "Name; for a cluster it must equal its directory name (a DNS label).", example = "prod-eu1")
            String name,
            @Doc("Free-form labels (key: value) for people and tools; nkd keeps them with the cluster.")
            java.util.Map<String, String> labels) {
        public Metadata {
            labels = labels == null ? java.util.Map.of() : labels;
        }
    }
}
