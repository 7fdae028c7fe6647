/**
 * The Housekeeper operator: the controller that applies {@link io.nkd.housekeeper.rollout.RolloutPlanner}'s
 * decisions, with leader election, the etcd check, metrics and the {@code operator} command.
 *
 * <p>What its ServiceAccount needs (least privilege):
 * <ul>
 * <li>{@code nodes}: get, list, watch, patch (only the operator's labels and annotations are patched);</li>
 * <li>{@code updates.housekeeper.io}: get, list, watch in its namespace; {@code updates/status}: get, update;</li>
 * <li>{@code events} (core/v1): create in its namespace (about Updates) and in {@code default} (about Nodes: the API
 * server requires that namespace for Events of cluster-scoped objects);</li>
 * <li>{@code leases.coordination.k8s.io}: get, create, update, patch in its namespace (the Lease
 * {@code --lease-name}; fabric8 renews and releases it with PATCH);</li>
 * <li>{@code pods}: list, watch in {@code kube-system} (kubeadm's etcd pods), unless {@code --etcd-check none}.</li>
 * </ul>
 * It serves {@code /metrics} and {@code /healthz} on {@code --metrics-port} (default 8080).
 */
package io.nkd.housekeeper.operator;
