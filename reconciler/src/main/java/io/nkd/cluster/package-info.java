/**
 * A managed cluster's Kubernetes API, as nkd reaches it after bootstrap: readiness, nodes, join tokens, node
 * removal, add-ons and the Housekeeper's {@code Update}. Side effects on a running cluster happen only through
 * {@link io.nkd.cluster.WorkloadCluster}; {@code config}, {@code render} and {@code plan} never use it.
 * Implementations: {@code io.nkd.cluster.kube} (fabric8, with the admin credentials of nkd's own PKI) and the
 * sandbox's simulation ({@code io.nkd.infra.sandbox}).
 */
package io.nkd.cluster;
