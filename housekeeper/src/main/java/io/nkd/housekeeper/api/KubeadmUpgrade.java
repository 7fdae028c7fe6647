package io.nkd.housekeeper.api;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * Which kubeadm upgrade a node runs: {@code kubeadm upgrade apply VERSION -y} on the first control-plane node of a
 * Kubernetes upgrade, {@code kubeadm upgrade node} on every other node; none when the Kubernetes version stays.
 */
public enum KubeadmUpgrade {
    @JsonProperty("None") NONE,
    @JsonProperty("Apply") APPLY,
    @JsonProperty("Node") NODE
}
