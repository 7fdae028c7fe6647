package io.nkd.housekeeper.agent.drain;

/**
 * The version of the {@code policy} API group the server serves for Evictions and PodDisruptionBudgets:
 * {@code policy/v1} since Kubernetes 1.21 (and the only one since 1.25), {@code policy/v1beta1} before.
 */
public enum PolicyVersion {
    V1("policy/v1"),
    V1BETA1("policy/v1beta1");

    private final String apiVersion;

    PolicyVersion(String apiVersion) {
        this.apiVersion = apiVersion;
    }

    public String apiVersion() {
        return apiVersion;
    }
}
